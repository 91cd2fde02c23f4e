// The operator commands beside `serve`, through the real program in-process: `coffer worker --once`,
// a port already in use, and argument errors naming what is wrong. (Worker processes of their own,
// several at once, are in workers.test.ts.)
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { runProgram, useEmulator } from './support.js';

const emulator = useEmulator();
const env = () => ({
  COFFER_DATA_DIR: 'memory',
  COFFER_EMULATOR_URL: emulator.url,
  STRIPE_WEBHOOK_SECRET: 'whsec_commands_test_secret',
});

describe('coffer worker --once', () => {
  it('processes what is due and returns', async () => {
    expect(await runProgram(['worker', '--once'], env())).toContain('Processed 0 event(s)');
  });
});

describe('coffer serve on a port in use', () => {
  it('says which port is taken and which flag changes it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(runProgram(['serve', '--port', String(port)], env())).rejects.toThrow(
        `port ${port} is already in use; pass --port`,
      );
    } finally {
      blocker.close();
    }
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
