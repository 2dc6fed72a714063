#!/usr/bin/env tsx
// `npm run emulator -- start|stop|status|logs`: the local AWS emulator, whichever backend is available.
import { existsSync, readFileSync } from 'node:fs';
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run emulator -- start|stop|status|logs
  start   start the local AWS emulator (installed into .emulator/ on first use) unless one answers
  stop    stop the emulator this project started
  status  say whether one runs and where (exit 3 when none does)
  logs    print MiniStack's log
  --help  this text`,
  allowPositionals: true,
};

async function main(): Promise<number> {
  const { positionals } = parseCli(cli);
  const [command, ...extra] = positionals;
  if (extra.length) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  // Imported after the arguments are read: --help and a bad flag load no AWS SDK.
  const { emulatorStatus, logFile, startEmulator, stopEmulator } = await import(
    './emulator/emulator.ts'
  );
  switch (command) {
    case 'start': {
      const s = await startEmulator((line) => console.log(line));
      console.log(
        `${s.startedNow ? 'started' : 'already running'}: ${s.backend} at ${s.endpoint} (${s.detail})`,
      );
      return 0;
    }
    case 'stop':
      console.log(await stopEmulator());
      return 0;
    case 'status': {
      const s = await emulatorStatus();
      console.log(
        s.running
          ? `running: ${s.backend} at ${s.endpoint} (${s.detail})`
          : `not running (${s.endpoint})`,
      );
      return s.running ? 0 : 3;
    }
    case 'logs':
      if (!existsSync(logFile)) {
        console.log('no MiniStack log yet (docker: `docker compose logs`)');
        return 0;
      }
      process.stdout.write(readFileSync(logFile, 'utf8'));
      return 0;
    case undefined:
      throw new UsageError('Name a command: start, stop, status or logs.');
    default:
      throw new UsageError(`Unknown command "${command}": use start, stop, status or logs.`);
  }
}

runMain(cli, main);
