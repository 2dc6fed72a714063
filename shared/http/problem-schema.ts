import * as z from 'zod';

// What problemResponse (problem.ts) writes, for openapi.yaml; problem-schema.test.ts holds the
// two together. A module of its own so that no handler bundles the schema.

/** An RFC 9457 problem document, as every HTTP error of these functions is answered. */
export const ProblemDetails = z
  .looseObject({
    type: z.string().meta({ description: 'Always `about:blank`: `title` says what kind.' }),
    title: z.string().meta({ description: 'The kind of problem, the same for every occurrence.' }),
    status: z.int().min(100).max(599).meta({ description: 'The HTTP status.' }),
    detail: z.string().optional().meta({ description: 'What went wrong with this request.' }),
    instance: z.string().optional().meta({ description: 'The request path.' }),
    errors: z
      .array(
        z.union([
          z.object({ field: z.string(), message: z.string() }),
          z.string().meta({ description: 'The last item of a cut list: "… and N more".' }),
        ]),
      )
      .optional()
      .meta({ description: 'Each invalid field (`body.b`, `path.id`) and why; at most 20.' }),
    code: z
      .string()
      .optional()
      .meta({ description: "A contract violation's code, when the request broke one." }),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details. Texts are cut to a few hundred characters.',
  });
