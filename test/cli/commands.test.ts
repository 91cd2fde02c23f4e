// The operator commands beside `serve`: `coffer worker --once` as a real process on each database, and
// argument errors (parsed in-process through the real program) naming what is wrong.
import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { childEnv, cliDatabases, runCli, useEmulator } from './support.js';

// Each child opens its own database (PGlite init on a busy 2-core machine can take seconds).
vi.setConfig({ testTimeout: 90_000 });
const emulator = useEmulator();

describe.each(cliDatabases)('coffer worker on $name', (database) => {
  it('processes what is due once and exits 0', async () => {
    const env = childEnv({
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_worker_test_secret',
    });
    const worker = runCli(['worker', '--once'], env);
    await worker.waitFor(/Processed \d+ event\(s\)/);
    const code =
      worker.child.exitCode ?? (await new Promise((resolve) => worker.child.once('exit', resolve)));
    expect(code).toBe(0);
  });
});

describe('argument errors', () => {
  it.each([
    [['replay'], /an event id \(coffer replay evt_…\) or --failed/],
    [['replay', 'evt_1', '--failed'], /either an event id or --failed, not both/],
    [['sync', '--rate', 'fast'], /--rate must be a positive number/],
    [['serve', '--port', '70000'], /--port must be an integer between 0 and 65535/],
    [['dev', '--emulator-port', 'x'], /--emulator-port must be an integer/],
  ])('coffer %j is refused naming the problem', async (args, message) => {
    const program = buildProgram().exitOverride();
    await expect(program.parseAsync(args, { from: 'user' })).rejects.toThrow(message);
  });
});

describe('coffer serve on a port in use', () => {
  it('says which port is taken and which flag changes it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const saved = { ...process.env };
    process.env = {
      ...saved,
      DATABASE_URL: '',
      COFFER_DATA_DIR: 'memory',
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_port_test_secret',
      COFFER_LOG_LEVEL: 'silent',
    };
    try {
      const program = buildProgram().exitOverride();
      await expect(program.parseAsync(['serve', '--port', String(port)], { from: 'user' })).rejects.toThrow(
        `port ${port} is already in use; pass --port`,
      );
    } finally {
      process.env = saved;
      blocker.close();
    }
  });
});
