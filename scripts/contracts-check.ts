#!/usr/bin/env tsx
// `npm run contracts:check -- [--update [--allow-removal | --allow-breaking]]`: today's event
// contracts against events/contracts.lock.json. Fails (exit 1) with one sentence per change a
// producer or consumer of a recorded major could not survive (a recorded example refused
// included); compatible changes pass and are listed — widenings apart, as consumers must deploy
// first — and --update records them. docs/events.md#evolving-a-contract says what breaks.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contracts } from '../events/registry.ts';
import {
  compareWithLock,
  LOCK_FILE,
  lockOf,
  lockToRecord,
  readLock,
  writeLock,
} from './contracts/contracts-lock.ts';
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run contracts:check -- [--update [--allow-removal | --allow-breaking]]
Compares every registered event type and major with ${LOCK_FILE} and fails on each change
a producer or consumer of a recorded major could not survive, one sentence each, with the way out,
and lists widenings apart: compatible once every consumer runs the new schema (deploy them first).
  --update          record today's contracts in the lock (compatible changes; refuses breaks)
  --allow-removal   with --update: also record that a type or major is no longer registered
  --allow-breaking  with --update: record breaking changes too — only for a major nobody has
                    published or consumed yet`,
  options: {
    update: { type: 'boolean', default: false },
    'allow-removal': { type: 'boolean', default: false },
    'allow-breaking': { type: 'boolean', default: false },
  },
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const indent = (lines: string[]) => lines.map((line) => `  ${line}`).join('\n');

function main(): number {
  const { values } = parseCli(cli);
  const allowRemoval = values['allow-removal'];
  const allowBreaking = values['allow-breaking'];
  if (allowRemoval && allowBreaking)
    throw new UsageError('--allow-removal and --allow-breaking exclude each other: pick one.');
  if ((allowRemoval || allowBreaking) && !values.update)
    throw new UsageError(
      `--${allowBreaking ? 'allow-breaking' : 'allow-removal'} only goes with --update.`,
    );
  const recorded = readLock(root);
  if (!recorded) {
    if (!values.update) {
      console.error(
        `${LOCK_FILE} does not exist: npm run contracts:check -- --update records every contract, then commit it.`,
      );
      return 1;
    }
    writeLock(root, lockOf(contracts));
    console.log(`Recorded ${contracts.length} contracts in ${LOCK_FILE}.`);
    return 0;
  }

  const { breaks, widenings, unrecorded } = compareWithLock(recorded, contracts);
  const refused = breaks.filter((b) => !(allowBreaking || (allowRemoval && b.removal)));
  if (refused.length || !values.update) {
    if (breaks.length)
      console.error(
        `${breaks.length} breaking change${breaks.length > 1 ? 's' : ''} against ${LOCK_FILE}:\n${indent(breaks.map((b) => b.sentence))}`,
      );
  }
  if (!values.update) {
    if (unrecorded.length)
      console.log(
        `Compatible, not recorded yet (npm run contracts:check -- --update records them):\n${indent(unrecorded)}`,
      );
    if (widenings.length)
      console.log(
        `Widened, not recorded yet — every consumer validates against its own copy of the schema and dead-letters what it does not accept:\n${indent(widenings)}`,
      );
    if (!breaks.length)
      console.log(
        `${contracts.length} contracts: nothing a producer or consumer could not survive.`,
      );
    return breaks.length ? 1 : 0;
  }

  if (refused.length) {
    console.error(
      `Nothing recorded: --update records compatible changes only (--allow-removal also retired majors; --allow-breaking anything, for a major nobody has published or consumed yet).`,
    );
    return 1;
  }
  const next = lockToRecord(recorded, contracts);
  if (JSON.stringify(recorded) === JSON.stringify(next)) {
    console.log(`${LOCK_FILE} is up to date.`);
    return 0;
  }
  writeLock(root, next);
  const recordedNow = [
    ...unrecorded,
    ...widenings,
    ...breaks.map((b) => (b.removal ? b.summary : `${b.summary} (--allow-breaking)`)),
  ];
  console.log(
    `Recorded in ${LOCK_FILE}${recordedNow.length ? `:\n${indent(recordedNow)}` : ' (descriptions only)'}`,
  );
  return 0;
}

runMain(cli, main);
