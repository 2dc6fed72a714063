import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cloudFormationTags } from '../../scripts/serverless/cloudformation-yaml.ts';
import { ConfigError } from '../../shared/config.ts';
import { parseWebhookTargets } from './config.ts';

const options = { parameter: '/shop/dev/webhook-targets', allowHttp: false };
const text = (targets: object[]) => JSON.stringify(targets);

describe('parseWebhookTargets', () => {
  it('takes https targets', () => {
    expect(
      parseWebhookTargets(text([{ name: 'crm', url: 'https://crm.example.com/hooks' }]), options),
    ).toEqual([{ name: 'crm', url: 'https://crm.example.com/hooks' }]);
  });

  it('refuses a URL with credentials in one sentence that does not repeat them', () => {
    const load = () =>
      parseWebhookTargets(
        text([{ name: 'crm', url: 'https://admin:hunter2@crm.example.com/hooks' }]),
        options,
      );
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /SSM parameter \/shop\/dev\/webhook-targets \(0\.url: its URL carries credentials/,
    );
    expect(load).not.toThrow(/hunter2/);
  });

  it('refuses plain http outside the emulator stages', () => {
    const targets = text([{ name: 'local', url: 'http://127.0.0.1:4599/webhooks' }]);
    expect(() => parseWebhookTargets(targets, options)).toThrow(/"local" not https/);
    expect(parseWebhookTargets(targets, { ...options, allowHttp: true })).toHaveLength(1);
  });

  it('refuses what is not a JSON list of targets', () => {
    expect(() => parseWebhookTargets('nope', options)).toThrow(/JSON array of \{name, url\}/);
  });
});

describe('the notifier in serverless.yml', () => {
  it('finds its targets in SSM: no webhook URL is written into the template', () => {
    const yaml = parse(readFileSync('serverless.yml', 'utf8'), { customTags: cloudFormationTags });
    const environment = yaml.custom.consumers.notifier.environment;
    expect(environment).not.toHaveProperty('WEBHOOK_TARGETS');
    expect(environment.WEBHOOK_TARGETS_PARAMETER).toMatch(/\/webhook-targets$/);
    expect(JSON.stringify(yaml.params)).not.toMatch(/webhookTargets/);
  });
});
