// A Serverless Framework plugin (serverless.yml → plugins): the one switch that lets a
// fault-injection run (npm run chaos) sit between the deployed functions and AWS. When a stage
// listed in EMULATOR_STAGES is deployed to an emulator (AWS_ENDPOINT_URL set) with
// LOCAL_FUNCTIONS_AWS_ENDPOINT in the environment, every function gets that endpoint as its
// AWS_ENDPOINT_URL — the SDK's own setting, so no fault code is bundled — and names itself to that
// endpoint in the SDK's user agent (AWS_SDK_UA_APP_ID = its function name), so the IAM observer
// (scripts/iam/observer.ts) knows whose role judges each call. Any other stage, or a
// deployment to AWS, is left untouched: dev and prod templates carry no fault setting
// (serverless.test.ts checks).

export const EMULATOR_STAGES = ['local', 'chaos', 'bench', 'bare'];
export const SWITCH = 'LOCAL_FUNCTIONS_AWS_ENDPOINT';

interface Serverless {
  service: {
    provider: { stage: string; environment?: Record<string, unknown> };
    functions: Record<string, { name?: string; environment?: Record<string, unknown> }>;
    service: string;
  };
}

/** The endpoint the functions should call, or undefined when the switch does not apply. */
export function functionsEndpoint(stage: string, env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = env[SWITCH];
  if (!endpoint || !env.AWS_ENDPOINT_URL || !EMULATOR_STAGES.includes(stage)) return undefined;
  const { hostname } = new URL(endpoint);
  // Faults only ever go to this machine.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
    throw new Error(`${SWITCH} must point at this machine (127.0.0.1), not ${hostname}`);
  }
  return endpoint;
}

export default class LocalFaults {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    this.hooks = {
      // After event-consumers has added its functions (plugins run in the order listed).
      initialize: () => {
        const { provider, functions } = serverless.service;
        const endpoint = functionsEndpoint(provider.stage, process.env);
        if (!endpoint) return;
        for (const [key, fn] of Object.entries(functions)) {
          const name = fn.name ?? `${serverless.service.service}-${provider.stage}-${key}`;
          fn.environment = {
            ...fn.environment,
            AWS_ENDPOINT_URL: endpoint,
            AWS_SDK_UA_APP_ID: name,
          };
        }
      },
    };
  }
}
