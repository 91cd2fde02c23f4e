// Scaling out on one PostgreSQL: `coffer serve --no-worker` (ready without a worker of its own) takes
// the deliveries and two `coffer worker` processes share the processing; every event is processed
// once and every product mirrored.
// PGlite is one process's embedded database, so this scenario exists only on PostgreSQL.
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { getProduct } from '../../src/billing/mirror/read.js';
import { openStore } from '../../src/billing/store/index.js';
import { postgresUrl } from '../support/store.js';
import { childEnv, cliDatabases, eventually, runCli, useEmulator } from './support.js';

vi.setConfig({ testTimeout: 120_000 });
const emulator = useEmulator();
const postgres = cliDatabases.find((d) => d.name === 'postgres');

// Skipped only when no PostgreSQL is configured (CI always sets DATABASE_URL); see the header.
describe.skipIf(!postgres)('several coffer worker processes on one PostgreSQL', () => {
  it('share the events of one service: all processed once, all mirrored, clean exits', async () => {
    const url = new URL(emulator.url);
    const stripe = new Stripe('sk_test_workers', {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
    });
    const endpoint = await stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/pending',
      enabled_events: ['*'],
    });
    const dbEnv = await postgres!.env();
    const env = childEnv({
      ...dbEnv,
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: endpoint.secret!,
    });

    const serve = runCli(['serve', '--port', '0', '--no-worker'], env);
    const [, serviceUrl] = await serve.waitFor(/listening on (http:\/\/\S+)/);
    await stripe.webhookEndpoints.update(endpoint.id, { url: `${serviceUrl}/webhooks/stripe` });
    const ready = await fetch(`${serviceUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, worker: { expected: false } });
    const workers = [runCli(['worker'], env), runCli(['worker'], env)];
    await Promise.all(workers.map((w) => w.waitFor(/Coffer worker running/)));

    const products = [];
    for (let i = 0; i < 12; i++) products.push(await stripe.products.create({ name: `Scaled product ${i}` }));

    const store = await openStore({ databaseUrl: postgresUrl, schema: dbEnv.COFFER_SCHEMA, poolSize: 1 });
    try {
      await eventually(async () => {
        const rows = await store.withSession((s) =>
          s.query<{ pending: number }>(
            "select count(*)::int as pending from webhook_events where status <> 'processed'",
          ),
        );
        return rows[0]?.pending === 0 ? true : undefined;
      }, 60_000);
      for (const product of products)
        expect(await getProduct(store.db, product.id)).toMatchObject({ id: product.id });
    } finally {
      await store.close();
    }

    for (const worker of workers) {
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(worker.output()).toContain('Coffer worker stopped');
    }
    expect(await serve.stop('SIGTERM')).toBe(0);
  });
});
