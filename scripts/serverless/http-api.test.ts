import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import HttpApi, {
  addAlarms,
  addJwtAuthorizer,
  type Naming,
  requireAuthentication,
  throttleStage,
} from './http-api.ts';

const require = createRequire(import.meta.url);

const service = (httpApi: object, resources: Record<string, object> = {}) => ({
  service: 'shop',
  custom: { httpApi, alarmActions: [{ Ref: 'AlertsTopic' }] },
  provider: { stage: 'dev', compiledCloudFormationTemplate: { Resources: resources } },
  functions: {
    api: { events: [{ httpApi: { method: 'POST', path: '/orders' } }, { sqs: 'arn' }] },
    reader: { events: [{ httpApi: 'GET /orders/{id}' }] },
    'list-orders': { events: [{ httpApi: 'GET /orders' }] },
  },
});

describe('custom.httpApi', () => {
  it('puts a JWT authorizer on every route once an issuer is set', () => {
    const s = service({ jwt: { issuer: 'https://issuer.example', audience: 'app-1, app-2' } });
    expect(addJwtAuthorizer(s)).toBe(true);
    expect(s.functions.api.events[0]).toEqual({
      httpApi: { method: 'POST', path: '/orders', authorizer: { name: 'jwt' } },
    });
    expect(s.functions.reader.events[0]).toEqual({
      httpApi: { method: 'GET', path: '/orders/{id}', authorizer: { name: 'jwt' } },
    });
    expect(s.functions.api.events[1]).toEqual({ sqs: 'arn' });
    expect((s.provider as { httpApi?: object }).httpApi).toEqual({
      authorizers: {
        jwt: {
          type: 'jwt',
          identitySource: '$request.header.Authorization',
          issuerUrl: 'https://issuer.example',
          audience: ['app-1', 'app-2'],
        },
      },
    });
  });

  it('adds no authorizer without an issuer, and refuses an issuer without audience', () => {
    const off = service({ jwt: { issuer: '', audience: '' } });
    expect(addJwtAuthorizer(off)).toBe(false);
    expect(off.functions.api.events[0]).toEqual({ httpApi: { method: 'POST', path: '/orders' } });
    expect(() =>
      addJwtAuthorizer(service({ jwt: { issuer: 'https://issuer.example', audience: ' ' } })),
    ).toThrow('the issuer https://issuer.example needs an audience (param apiJwtAudience)');
  });

  it('throttles the API stage, and leaves a template without HTTP API alone', () => {
    const stage = { Properties: { DefaultRouteSettings: { DetailedMetricsEnabled: false } } };
    const s = service({ throttle: { burstLimit: 100, rateLimit: 50 } }, { HttpApiStage: stage });
    expect(throttleStage(s)).toBe(true);
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingBurstLimit: 100,
      ThrottlingRateLimit: 50,
    });
    expect(throttleStage(service({ throttle: { burstLimit: 1, rateLimit: 1 } }))).toBe(false);
  });

  it("alarms on the API's 5xx and on each HTTP function's errors, and on nothing without an API", () => {
    // The framework's own naming (osls), so a name with - or _ gets the ids it will really have.
    const naming = require('osls/lib/plugins/aws/lib/naming.js') as Naming;
    expect(addAlarms(service({}), naming)).toBe(false);
    const s = service({}, { HttpApi: {} });
    expect(addAlarms(s, naming)).toBe(true);
    const resources = s.provider.compiledCloudFormationTemplate.Resources as Record<
      string,
      { Properties: Record<string, unknown> }
    >;
    expect(Object.keys(resources).sort()).toEqual([
      'ApiErrorsAlarm',
      'HttpApi',
      'HttpApi5xxAlarm',
      'ListDashordersErrorsAlarm',
      'ReaderErrorsAlarm',
    ]);
    expect(resources.ListDashordersErrorsAlarm?.Properties).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'ListDashordersLambdaFunction' } }],
    });
    expect(resources.HttpApi5xxAlarm?.Properties).toMatchObject({
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }],
      AlarmActions: [{ Ref: 'AlertsTopic' }],
    });
    expect(resources.ReaderErrorsAlarm?.Properties).toMatchObject({
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'ReaderLambdaFunction' } }],
    });
  });

  it('refuses an HTTP API without authentication on a stage that is not public', () => {
    expect(() => requireAuthentication(service({ public: false }))).toThrow(
      'Stage dev would deploy the HTTP API without authentication: set apiJwtIssuer and apiJwtAudience, or --param="apiPublic=true" if it is meant to be public.',
    );
    for (const settings of [
      { public: true },
      { public: 'true' }, // params from the command line are strings
      { public: false, jwt: { issuer: 'https://issuer.example', audience: 'app' } },
    ])
      expect(() => requireAuthentication(service(settings))).not.toThrow();
    const noHttp = { ...service({ public: false }), functions: { worker: { events: [] } } };
    expect(() => requireAuthentication(noHttp)).not.toThrow();
  });

  it('runs the refusal when packaging: a stage that is not public never packages an open API', () => {
    const fake = {
      service: service({ public: false }),
      configSchemaHandler: { defineCustomProperties: () => undefined },
      classes: { Error },
      getProvider: () => ({ naming: require('osls/lib/plugins/aws/lib/naming.js') }),
    };
    const plugin = new HttpApi(fake as never);
    expect(() => plugin.hooks['before:package:initialize']?.()).toThrow(/without authentication/);
  });
});
