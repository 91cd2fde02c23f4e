// Coffer's side of the webhook benchmark: a whole `createBilling` (pipeline, mirror, the customer
// handlers it registers, stock options) on a fresh store, served through the standalone service's
// `POST /webhooks/stripe` (src/server, Hono on @hono/node-server), or with BENCH_COFFER_VIA=http through
// a plain node:http server calling `billing.webhooks.handle`. Its Stripe client points at a Coffer
// emulator in this process, so a refetch (which these events should never cause) stays on loopback;
// the report shows the refetch count.
import { createServer, type Server } from 'node:http';
import { type Billing, createBilling } from '../../src/billing/index.js';
import { openStore, type Store } from '../../src/billing/store/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startService } from '../../src/server/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { listen, readBody } from '../lib/http.js';
import type { MirrorProgress, SystemOptions, SystemUnderTest } from './system.js';

const MIRROR_TABLES = {
  cus: 'stripe_customers',
  pi: 'stripe_payment_intents',
  ch: 'stripe_charges',
} as const;

async function servePlain(billing: Billing): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers[name] = value;
    const result = await billing.webhooks.handle(body, headers);
    res.writeHead(result.status, result.headers).end(result.body);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function mirrored(store: Store, objectIds: string[]): Promise<MirrorProgress> {
  const found: MirrorProgress = {};
  for (const [prefix, table] of Object.entries(MIRROR_TABLES)) {
    const ids = objectIds.filter((id) => id.startsWith(`${prefix}_`));
    if (!ids.length) continue;
    const rows = await store.withSession((s) =>
      s.query(
        `select id, (extract(epoch from synced_at) * 1000)::float8 as at from ${table} where id = any($1)`,
        [ids],
      ),
    );
    for (const row of rows as { id: string; at: number | string }[]) found[row.id] = Number(row.at);
  }
  return found;
}

export async function startCoffer(options: SystemOptions): Promise<SystemUnderTest> {
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  const store = await openStore(
    options.engine === 'postgres'
      ? { databaseUrl: options.databaseUrl, schema: options.schema }
      : { dataDir: 'memory', schema: options.schema },
  );
  // createBilling migrates the store and starts its in-process worker with default options.
  const billing = await createBilling({
    store,
    stripe: { secretKey: 'sk_test_bench', webhookSecret: options.secret, emulatorUrl: emulator.url },
    logger: silentLogger,
    env: {},
  });
  const plain = process.env.BENCH_COFFER_VIA === 'http';
  const served = plain
    ? await servePlain(billing)
    : await startService({ port: 0, billing, store }).then((s) => ({
        url: `${s.url}/webhooks/stripe`,
        close: () => s.close(),
      }));
  let workerRunning = true;
  return {
    url: served.url,
    via: plain
      ? '`createBilling` behind a plain node:http server calling `billing.webhooks.handle` (BENCH_COFFER_VIA=http)'
      : '`createBilling` served by `startService` (src/server: Hono on @hono/node-server), route `POST /webhooks/stripe`',
    async startWorker() {
      if (!workerRunning) billing.worker.start();
      workerRunning = true;
    },
    async stopWorker() {
      if (workerRunning) await billing.worker.stop();
      workerRunning = false;
    },
    mirrored: (ids) => mirrored(store, ids),
    backlog: async () => (await billing.webhooks.health()).queueDepth,
    stats: async () => ({ ...billing.webhooks.stats }),
    async close() {
      await served.close();
      await billing.close();
      await store.close();
      await emulator.close();
    },
  };
}
