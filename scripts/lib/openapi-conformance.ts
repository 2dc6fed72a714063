// Does an HTTP answer match the OpenAPI document? The e2e tier asks for every answer it gets
// (test/support/api-client.ts), so openapi.yaml cannot promise what the deployed API does not do.
// Statuses (exact, `4XX` ranges, `default`), the media type, required headers and their values,
// and JSON bodies against their schemas (JSON Schema 2020-12, as OpenAPI 3.1 has them).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isJsonMediaType } from '../../shared/http/media-type.ts';
import { pathPattern } from '../../shared/http/path-pattern.ts';

/** One request and the answer it got. */
export interface Exchange {
  method: string;
  /** The request's path below the API's base URL, without the query: /orders/42 */
  path: string;
  status: number;
  /** Header names in any case. */
  headers: Record<string, string>;
  body: string;
}

type Json = Record<string, unknown>;
interface OpenApiDocument {
  paths?: Record<string, Json>;
}

const DOCUMENT_ID = 'openapi.json';
const escapePointer = (segment: string) =>
  encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'));

/**
 * A checker for `document` (an OpenAPI 3.1 document, parsed): what an exchange does that the
 * document does not say, one sentence each; empty when it conforms.
 */
export function conformanceChecker(document: OpenApiDocument): (exchange: Exchange) => string[] {
  // zod writes formats of its own (starts_with, cuid…) beside a `pattern` that checks them: those
  // ajv-formats does not know are left to the pattern, without a warning each.
  const logger = {
    log: console.log,
    warn: (message: unknown) => {
      if (!/^unknown format/.test(String(message))) console.warn(message);
    },
    error: console.error,
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger });
  addFormats.default(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const validators = new Map<string, ValidateFunction>();
  /** A validator for the schema at `pointer` (a JSON pointer into the document). */
  const validatorAt = (pointer: string[]) => {
    const ref = `${DOCUMENT_ID}#/${pointer.map(escapePointer).join('/')}`;
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    return validate;
  };
  const schemaErrors = (validate: ValidateFunction) =>
    (validate.errors ?? [])
      .map((e) => {
        const { additionalProperty, allowedValue, allowedValues } = e.params;
        const which = additionalProperty ?? allowedValues ?? allowedValue;
        return `${e.instancePath || '(the value)'} ${e.message}${which === undefined ? '' : ` (${JSON.stringify(which)})`}`;
      })
      .join('; ');
  /** A local `$ref` followed, with where it led. */
  const resolve = (value: Json, pointer: string[]): [Json, string[]] => {
    const ref = value.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return [value, pointer];
    const target = ref
      .slice(2)
      .split('/')
      .map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
    const found = target.reduce<unknown>(
      (node, key) => (node as Json | undefined)?.[key],
      document,
    );
    if (!found) throw new Error(`openapi.yaml: ${ref} leads nowhere`);
    return resolve(found as Json, target);
  };

  const templates = Object.entries(document.paths ?? {})
    .map(([template, item]) => ({
      template,
      item,
      pattern: pathPattern(template),
      params: template.split('{').length,
    }))
    // Literal segments before templated ones win.
    .sort((a, b) => a.params - b.params);

  return (exchange) => {
    const method = exchange.method.toLowerCase();
    const what = `${exchange.method.toUpperCase()} ${exchange.path} → ${exchange.status}`;
    const match = templates.find((t) => t.pattern.test(exchange.path) && t.item[method]);
    if (!match) return [`${what}: openapi.yaml documents no ${exchange.method} ${exchange.path}`];
    const operationPointer = ['paths', match.template, method];
    const responses = (match.item[method] as Json).responses as Json;
    const status = String(exchange.status);
    const statusKey = [status, `${status[0]}XX`, `${status[0]}xx`, 'default'].find(
      (k) => responses[k],
    );
    if (!statusKey)
      return [
        `${what}: status ${status} is not documented for ${exchange.method.toUpperCase()} ${match.template} (documented: ${Object.keys(responses).join(', ')})`,
      ];
    const [response, responsePointer] = resolve(responses[statusKey] as Json, [
      ...operationPointer,
      'responses',
      statusKey,
    ]);
    const errors: string[] = [];
    const headers = Object.fromEntries(
      Object.entries(exchange.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );

    for (const [name, declared] of Object.entries((response.headers as Json | undefined) ?? {})) {
      // OpenAPI ignores a documented Content-Type header: `content` says it.
      if (name.toLowerCase() === 'content-type') continue;
      const [header, headerPointer] = resolve(declared as Json, [
        ...responsePointer,
        'headers',
        name,
      ]);
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) errors.push(`${what}: the ${name} header is missing`);
        continue;
      }
      if (!header.schema) continue;
      const validate = validatorAt([...headerPointer, 'schema']);
      if (!validate(value))
        errors.push(
          `${what}: the ${name} header ${JSON.stringify(value)}: ${schemaErrors(validate)}`,
        );
    }

    const content = (response.content as Json | undefined) ?? {};
    const mediaTypes = Object.keys(content);
    const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!mediaTypes.length) {
      if (exchange.body !== '') errors.push(`${what}: a body where openapi.yaml documents none`);
      return errors;
    }
    const mediaType = mediaTypes.find(
      (m) =>
        m === contentType ||
        m === '*/*' ||
        (m.endsWith('/*') && contentType.startsWith(m.slice(0, -1))),
    );
    if (!mediaType) {
      errors.push(
        `${what}: Content-Type ${contentType || '(none)'} is not one documented (${mediaTypes.join(', ')})`,
      );
      return errors;
    }
    if (!isJsonMediaType(contentType) || !(content[mediaType] as Json).schema) return errors;
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      errors.push(`${what}: the ${contentType} body is not JSON: ${exchange.body.slice(0, 200)}`);
      return errors;
    }
    const validate = validatorAt([...responsePointer, 'content', mediaType, 'schema']);
    if (!validate(body))
      errors.push(
        `${what}: the ${contentType} body does not match openapi.yaml: ${schemaErrors(validate)} (body: ${exchange.body.slice(0, 300)})`,
      );
    return errors;
  };
}
