// Coffer's side of the webhook benchmark: the pipeline (src/billing/webhooks) on a fresh store, served
// through the standalone service's `POST /webhooks/stripe` (src/server, Hono on @hono/node-server), or
// with BENCH_COFFER_VIA=http through a plain node:http server calling `pipeline.handle`. Stock pipeline
// options. Its Stripe client points at a Coffer emulator in this process, so a refetch (which these
// events should never cause) would stay on loopback; the report shows the refetch count.
import { createServer, type Server } from 'node:http';
import { openStore, type Store } from '../../src/billing/store/index.js';
import { createStripeClient } from '../../src/billing/stripe-client.js';
import { createWebhookPipeline, type WebhookPipeline } from '../../src/billing/webhooks/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startService } from '../../src/server/index.js';
import type { ServiceBilling } from '../../src/server/types.js';
import { listen, readBody } from '../lib/http.js';
import type { MirrorProgress, SystemOptions, SystemUnderTest } from './system.js';

const MIRROR_TABLES = {
  cus: 'stripe_customers',
  pi: 'stripe_payment_intents',
  ch: 'stripe_charges',
} as const;

/** The service needs a whole Billing; the benchmark only drives its webhook route. */
function webhookOnlyBilling(pipeline: WebhookPipeline): ServiceBilling {
  const notBenchmarked = async (): Promise<never> => {
    throw new Error('not part of the webhook benchmark');
  };
  return {
    webhooks: {
      handle: (body, headers) => pipeline.handle(body, headers),
      health: () => pipeline.health(),
    },
    customers: { ensure: notBenchmarked, get: notBenchmarked },
    checkout: { create: notBenchmarked, status: notBenchmarked },
    payments: { createIntent: notBenchmarked, refund: notBenchmarked },
  };
}

async function servePlain(pipeline: WebhookPipeline): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers[name] = value;
    const result = await pipeline.handle(body, headers);
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
  await store.migrate();
  const stripe = createStripeClient({
    stripe: { secretKey: 'sk_test_bench', webhookSecrets: [options.secret], emulatorUrl: emulator.url },
  });
  const pipeline = createWebhookPipeline({ store, stripe, webhookSecrets: [options.secret] });
  const plain = process.env.BENCH_COFFER_VIA === 'http';
  const served = plain
    ? await servePlain(pipeline)
    : await startService({ port: 0, billing: webhookOnlyBilling(pipeline), store }).then((s) => ({
        url: `${s.url}/webhooks/stripe`,
        close: () => s.close(),
      }));
  let workerRunning = false;
  return {
    url: served.url,
    via: plain
      ? 'plain node:http server calling `pipeline.handle` (BENCH_COFFER_VIA=http)'
      : "`startService` (src/server: Hono on @hono/node-server), route `POST /webhooks/stripe`, the pipeline as its billing's webhooks",
    async startWorker() {
      pipeline.worker.start();
      workerRunning = true;
    },
    async stopWorker() {
      if (workerRunning) await pipeline.worker.stop();
      workerRunning = false;
    },
    mirrored: (ids) => mirrored(store, ids),
    backlog: async () => (await pipeline.health()).queueDepth,
    stats: async () => ({ ...pipeline.stats }),
    async close() {
      if (workerRunning) await pipeline.worker.stop();
      await served.close();
      await store.close();
      await emulator.close();
    },
  };
}
