// Child process hosting one Stripe emulator for the emulator benchmark: Coffer's (in-process
// `startEmulator`) or stripe-stateful-mock (its Express app), each on an ephemeral 127.0.0.1 port.
import { createServer, type RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import { startEmulator } from '../../src/emulator/index.js';
import { serveParent } from '../lib/child.js';
import { listen } from '../lib/http.js';

export type EmulatorName = 'coffer' | 'stateful-mock';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

let close: (() => Promise<void>) | undefined;

async function startStatefulMock(): Promise<number> {
  // Its CLI listens on every interface; we mount its app on loopback instead. Quiet its per-request log.
  const require = createRequire(import.meta.url);
  require('loglevel').setLevel('silent');
  const mock = require('stripe-stateful-mock') as { createExpressApp(): RequestListener };
  const server = createServer(mock.createExpressApp());
  const port = await listen(server);
  close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return port;
}

serveParent(
  {
    start: async (name: EmulatorName) => {
      if (name === 'stateful-mock') return { port: await startStatefulMock() };
      const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
      close = () => emulator.close();
      return { port: emulator.port };
    },
    /** Memory after a full garbage collection (needs --expose-gc). */
    memory: async (): Promise<MemorySample> => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) throw new Error('memory: start this process with --expose-gc');
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      return { rss, heapUsed, external, arrayBuffers };
    },
  },
  async () => close?.(),
);
