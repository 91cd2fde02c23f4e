// The operator commands beside `serve`, as real processes: `coffer worker --once` on each database,
// and `coffer replay` / `coffer sync` refusing bad arguments with a message naming the problem.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { childEnv, cleanDatabases, cliDatabases, killLeftovers, runCli } from './support.js';

// Each child opens its own database (PGlite init on a busy 2-core machine can take seconds).
vi.setConfig({ testTimeout: 90_000 });

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  killLeftovers();
  await cleanDatabases();
  await emulator?.close();
});

const exitCode = (cli: ReturnType<typeof runCli>) =>
  cli.child.exitCode ?? new Promise((resolve) => cli.child.once('exit', resolve));

describe.each(cliDatabases)('coffer worker on $name', (database) => {
  it('processes what is due once and exits 0', async () => {
    const env = childEnv({
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_worker_test_secret',
    });
    const worker = runCli(['worker', '--once'], env);
    await worker.waitFor(/Processed \d+ event\(s\)/);
    expect(await exitCode(worker)).toBe(0);
  });
});

describe('argument errors', () => {
  it.each([
    [['replay'], /an event id \(coffer replay evt_…\) or --failed/],
    [['replay', 'evt_1', '--failed'], /either an event id or --failed, not both/],
    [['sync', '--rate', 'fast'], /--rate must be a positive number/],
  ])('coffer %j exits 1 naming the problem', async (args, message) => {
    const cli = runCli(args, childEnv({}));
    await cli.waitFor(message);
    expect(await exitCode(cli)).toBe(1);
  });
});
