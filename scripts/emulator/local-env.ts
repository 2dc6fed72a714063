// The one place that says how this project talks to a *local* emulator. Tests, scripts and the
// `local` stage all read it; nothing else hard-codes a region, endpoint or credential.
export const LOCAL_ENDPOINT = 'http://127.0.0.1:4566';

export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  // Dummy credentials: emulators accept any; real AWS rejects them, so they can never leak anywhere.
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
} as const;

/** Environment for talking to the emulator; an AWS_ENDPOINT_URL already set by the user wins. */
export function localAwsEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL || LOCAL_ENDPOINT,
  };
}

/** Apply the local environment to this process without overriding what the user set. */
export function applyLocalAwsEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(localAwsEnv(env))) env[key] ??= value;
}

/** The webhook target of the `local` stage: `npm run webhooks`, the demo and the e2e tests listen here. */
export const LOCAL_WEBHOOK = {
  name: 'local',
  host: '127.0.0.1',
  port: 4599,
  path: '/webhooks',
} as const;
export const LOCAL_WEBHOOK_URL = `http://${LOCAL_WEBHOOK.host}:${LOCAL_WEBHOOK.port}${LOCAL_WEBHOOK.path}`;
