#!/usr/bin/env tsx
import { defaultChaosOptions, runChaos } from './chaos/engine.ts';
import { formatReport } from './chaos/report.ts';
import { applyLocalAwsEnv } from './emulator/local-env.ts';
// `npm run chaos`: the chaos proof (scripts/chaos/engine.ts, plus every scenario in
// scripts/chaos/scenarios/) against its own emulator stage, `chaos`. Prints the conservation
// table and, last, one summary line; exits 1 when anything was lost or applied twice.
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const d = defaultChaosOptions;
const usage = `usage: npm run chaos -- [options]

Publishes events of every type a consumer consumes (built from the contracts' examples, fresh
ids), with duplicates and poison, while the functions' AWS calls fail, crash and hang (a fault
proxy in front of the emulator); redrives the DLQs once faults are off; then checks per consumer
that every event was handled or dead-lettered with a reason, every queue drained, and no
idempotency record completed twice. Scenarios in scripts/chaos/scenarios/ add their own oracle.
Runs on the emulator stage \`chaos\` (deployed and emptied first); everything goes to 127.0.0.1.

  --events <n>          events to send, scenarios' included (default ${d.events})
  --duplicates <share>  share of inputs sent twice (default ${d.duplicates})
  --poison <share>      poison messages as a share of --events, at least 4 (default ${d.poison})
  --faults <p>          probability that an AWS call (and a webhook) fails (default ${d.faults})
  --crash-rate <p>      probability of a crash before a record completes / after a side effect (default ${d.crashRate})
  --hang-rate <p>       probability that an AWS call hangs past the function timeout (default ${d.hangRate})
  --outage-seconds <s>  how long DynamoDB and SNS (and a scenario's webhook target) are down (default ${d.outageSeconds})
  --concurrency <n>     publishes and requests in flight (default ${d.concurrency})
  -h, --help            this text

The 10,000-event proof:  npm run chaos -- --events 10000
Exit 0: lost=0, duplicate-effects=0 and no call a role would deny on AWS (IAM observed); 1
otherwise (the table lists what and where).`;

const flags = {
  events: 'events',
  duplicates: 'duplicates',
  poison: 'poison',
  faults: 'faults',
  'crash-rate': 'crashRate',
  'hang-rate': 'hangRate',
  'outage-seconds': 'outageSeconds',
  concurrency: 'concurrency',
} as const;
const shares = new Set(['duplicates', 'poison', 'faults', 'crash-rate', 'hang-rate']);
const whole = new Set(['events', 'concurrency']);

const cli = {
  usage,
  options: Object.fromEntries(
    Object.keys(flags).map((f) => [f, { type: 'string' as const }]),
  ) as Record<keyof typeof flags, { type: 'string' }>,
};

runMain(cli, async () => {
  const { values } = parseCli(cli);
  const options: Record<string, number> = {};
  for (const [flag, key] of Object.entries(flags)) {
    const text = values[flag as keyof typeof flags];
    if (text === undefined) continue;
    const value = Number(text);
    const ok =
      text.trim() !== '' &&
      Number.isFinite(value) &&
      value >= 0 &&
      (!shares.has(flag) || value <= 1) &&
      (!whole.has(flag) || (Number.isInteger(value) && value >= 1));
    if (!ok)
      throw new UsageError(
        `--${flag} must be ${shares.has(flag) ? 'a number from 0 to 1' : whole.has(flag) ? 'a whole number ≥ 1' : 'a number ≥ 0'}, not "${text}".`,
      );
    options[key] = value;
  }
  applyLocalAwsEnv();
  const report = await runChaos({ ...options, log: (line) => console.log(`[chaos] ${line}`) });
  console.log(formatReport(report));
  return report.lost === 0 && report.duplicateEffects === 0 && !report.iamDenied.length ? 0 : 1;
});
