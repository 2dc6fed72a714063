import type { TestProject } from 'vitest/node';
import { startEmulator, stopEmulator } from '../../scripts/emulator/emulator.ts';

// Runs once per `vitest run`. Integration tests must fail, not skip, without an emulator:
// a start failure throws here and fails the run.
export default async function setup(project: TestProject) {
  const wantsEmulator = project.vitest.projects.some((p) => p.name !== 'unit');
  if (!wantsEmulator) return;
  const status = await startEmulator((line) => console.log(`[emulator] ${line}`));
  console.log(
    `[emulator] ${status.startedNow ? 'started' : 'using'} ${status.backend} at ${status.endpoint}`,
  );
  return async () => {
    if (status.startedNow) console.log(`[emulator] ${await stopEmulator()}`);
  };
}
