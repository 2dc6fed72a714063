#!/usr/bin/env tsx
// `npm run emulator -- start|stop|status|logs`: the local AWS emulator, whichever backend is available.
import { existsSync, readFileSync } from 'node:fs';
import {
  EmulatorError,
  emulatorStatus,
  logFile,
  startEmulator,
  stopEmulator,
} from './emulator/emulator.ts';

const usage = 'usage: npm run emulator -- start|stop|status|logs';

async function main(command: string | undefined): Promise<number> {
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
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof EmulatorError ? error.message : error);
    process.exit(1);
  },
);
