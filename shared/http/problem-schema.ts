import * as z from '../../events/zod.ts';

// What problemResponse (problem.ts) writes, for openapi.yaml; problem-schema.test.ts holds the
// two together. A module of its own so that no handler bundles the schema.

/** An RFC 9457 problem document, as every HTTP error of these functions is answered. */
const described = (description: string) => z.meta({ description });

export const ProblemDetails = z
  .looseObject({
    type: z.string().check(described('Always `about:blank`: `title` says what kind.')),
    title: z.string().check(described('The kind of problem, the same for every occurrence.')),
    status: z.int().check(z.minimum(100), z.maximum(599), described('The HTTP status.')),
    detail: z.optional(z.string()).check(described('What went wrong with this request.')),
    instance: z.optional(z.string()).check(described('The request path.')),
    errors: z
      .optional(
        z.array(
          z.union([
            z.object({ field: z.string(), message: z.string() }),
            z.string().check(described('The last item of a cut list: "… and N more".')),
          ]),
        ),
      )
      .check(described('Each invalid field (`body.b`, `path.id`) and why; at most 20.')),
    code: z
      .optional(z.string())
      .check(described("A contract violation's code, when the request broke one.")),
  })
  .check(
    z.meta({
      id: 'Problem',
      description: 'RFC 9457 problem details. Texts are cut to a few hundred characters.',
    }),
  );
