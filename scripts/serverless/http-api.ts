// A Serverless Framework plugin (serverless.yml → plugins) for what the framework's `httpApi`
// cannot say from stage params alone, driven by `custom.httpApi`:
// - `throttle: { burstLimit, rateLimit }` → the API stage's default route throttling (the
//   framework has no setting for it);
// - `jwt: { issuer, audience }` → a JWT authorizer on every HTTP route when `issuer` is set, none
//   when it is empty (the emulator stages): a stage turns authentication on with params only;
//   `audience` is a comma-separated list (params from the command line are strings).
// - alarms on the API's 5xx and on each HTTP function's errors, to `custom.alarmActions`.
// Nothing happens in a service without HTTP functions (a fork after `remove:examples`).
import { api5xxAlarm, functionErrorsAlarm } from './alarms.ts';

export interface HttpApiSettings {
  throttle?: { burstLimit: number; rateLimit: number };
  jwt?: { issuer?: string; audience?: string };
  /** false: the stage refuses to deploy HTTP routes without a JWT authorizer (param apiPublic). */
  public?: boolean | string;
}

type HttpApiEvent = { httpApi?: Record<string, unknown> | string };
interface Serverless {
  /** The framework's user error: printed as its message alone, no stack. */
  classes: { Error: new (message: string) => Error };
  getProvider(name: 'aws'): { naming: Naming };
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  service: {
    service: string;
    custom?: { httpApi?: HttpApiSettings; alarmActions?: unknown };
    provider: {
      stage: string;
      httpApi?: { authorizers?: Record<string, unknown> };
      compiledCloudFormationTemplate: {
        Resources: Record<string, { Properties?: Record<string, unknown> }>;
      };
    };
    functions?: Record<string, { events?: HttpApiEvent[] }>;
  };
}

export const JWT_AUTHORIZER = 'jwt';

/** Put the JWT authorizer on every httpApi event, when an issuer is configured. */
export function addJwtAuthorizer(service: Serverless['service']): boolean {
  const jwt = service.custom?.httpApi?.jwt;
  if (!jwt?.issuer) return false;
  const audience = (jwt.audience ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!audience.length) {
    throw new Error(
      `custom.httpApi.jwt: the issuer ${jwt.issuer} needs an audience (param apiJwtAudience)`,
    );
  }
  let routes = 0;
  for (const fn of Object.values(service.functions ?? {})) {
    for (const event of fn.events ?? []) {
      if (!event.httpApi) continue;
      const route =
        typeof event.httpApi === 'string'
          ? { method: event.httpApi.split(' ')[0], path: event.httpApi.split(' ')[1] }
          : event.httpApi;
      event.httpApi = { ...route, authorizer: { name: JWT_AUTHORIZER } };
      routes++;
    }
  }
  if (!routes) return false;
  service.provider.httpApi = {
    ...service.provider.httpApi,
    authorizers: {
      ...service.provider.httpApi?.authorizers,
      [JWT_AUTHORIZER]: {
        type: 'jwt',
        identitySource: '$request.header.Authorization',
        issuerUrl: jwt.issuer,
        audience,
      },
    },
  };
  return true;
}

/**
 * A stage whose `public` is false (prod, by its params) never deploys HTTP routes without an
 * authorizer by accident: it needs an issuer, or `apiPublic=true` said on purpose.
 */
export function requireAuthentication(service: Serverless['service']): void {
  const settings = service.custom?.httpApi;
  if (!settings || String(settings.public) !== 'false' || settings.jwt?.issuer) return;
  const routes = Object.values(service.functions ?? {}).some((fn) =>
    fn.events?.some((event) => event.httpApi),
  );
  if (!routes) return;
  throw new Error(
    `Stage ${service.provider.stage} would deploy the HTTP API without authentication: set apiJwtIssuer and apiJwtAudience, or --param="apiPublic=true" if it is meant to be public.`,
  );
}

/** Throttle the API stage's default route settings, if the template has an API stage. */
export function throttleStage(service: Serverless['service']): boolean {
  const throttle = service.custom?.httpApi?.throttle;
  const stage = service.provider.compiledCloudFormationTemplate.Resources.HttpApiStage;
  if (!throttle || !stage) return false;
  stage.Properties = {
    ...stage.Properties,
    DefaultRouteSettings: {
      ...(stage.Properties?.DefaultRouteSettings as object | undefined),
      ThrottlingBurstLimit: throttle.burstLimit,
      ThrottlingRateLimit: throttle.rateLimit,
    },
  };
  return true;
}

/** How the framework names a function's resources (provider.naming). */
export interface Naming {
  getLambdaLogicalId(functionName: string): string;
  getNormalizedFunctionName(functionName: string): string;
}

/** Alarms on the API's 5xx and on each HTTP function's errors, if the template has an API. */
export function addAlarms(service: Serverless['service'], naming: Naming): boolean {
  const resources = service.provider.compiledCloudFormationTemplate.Resources;
  const actions = service.custom?.alarmActions;
  if (!resources.HttpApi || !actions) return false;
  const prefix = `${service.service}-${service.provider.stage}`;
  resources.HttpApi5xxAlarm = api5xxAlarm({
    name: `${prefix}-api`,
    apiLogicalId: 'HttpApi',
    actions,
  });
  for (const [functionName, fn] of Object.entries(service.functions ?? {})) {
    if (!fn.events?.some((event) => event.httpApi)) continue;
    resources[`${naming.getNormalizedFunctionName(functionName)}ErrorsAlarm`] = functionErrorsAlarm(
      {
        name: `${prefix}-${functionName}`,
        functionName,
        functionId: naming.getLambdaLogicalId(functionName),
        actions,
      },
    );
  }
  return true;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    throttle: {
      type: 'object',
      additionalProperties: false,
      required: ['burstLimit', 'rateLimit'],
      properties: {
        burstLimit: { type: 'integer', minimum: 1 },
        rateLimit: { type: 'number', minimum: 1 },
      },
    },
    jwt: {
      type: 'object',
      additionalProperties: false,
      properties: {
        issuer: { type: 'string', pattern: '^(https://.+)?$' },
        audience: { type: 'string' },
      },
    },
    public: { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] },
  },
};

export default class HttpApi {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    serverless.configSchemaHandler.defineCustomProperties({ properties: { httpApi: schema } });
    this.hooks = {
      initialize: () => {
        addJwtAuthorizer(serverless.service);
      },
      // Packaging (and so deploying) only: `serverless remove` or `info` of such a stage still work.
      'before:package:initialize': () => {
        try {
          requireAuthentication(serverless.service);
        } catch (error) {
          throw new serverless.classes.Error((error as Error).message);
        }
      },
      'after:package:compileEvents': () => {
        throttleStage(serverless.service);
        addAlarms(serverless.service, serverless.getProvider('aws').naming);
      },
    };
  }
}
