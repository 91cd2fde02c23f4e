// PostgreSQL unreachable behind the running service: deliveries to the real HTTP route are answered
// 503 (so Stripe retries them) and /readyz says why, while the in-process worker keeps running; once
// the database is back, every acknowledged and every retried event is processed exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import { createBilling } from '../../src/billing/create-billing.js';
import { openStore } from '../../src/billing/store/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startService } from '../../src/server/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { postgresUrl, uniqueSchema } from '../support/store.js';
import { startProxy } from '../support/tcp-proxy.js';
import { delivery, makeEvent, SECRET } from '../support/webhook-events.js';
import { eventually } from './support/http.js';

/** Polls `read` until `ok` holds of its value (errors count as not yet); `what` names it on timeout. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<void> {
  try {
    await eventually(async () => (ok(await read()) ? true : undefined));
  } catch (error) {
    throw new Error(`timed out waiting for ${what} (${String(error)})`);
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const customerCreated = (tag: string, i: number) =>
  makeEvent('customer.created', {
    id: `cus_outage_${tag}_${i}`,
    object: 'customer',
    livemode: false,
    created: 1,
    metadata: {},
  });

describe('PostgreSQL unreachable behind the running service', () => {
  // Needs a real server to cut off; PGlite runs inside this process (its close-and-reopen case is in
  // test/billing/pipeline-crash.test.ts).
  it.skipIf(!postgresUrl)(
    'the route answers 503 while it is down; after recovery every event is processed once, the worker running throughout',
    async () => {
      const url = new URL(postgresUrl ?? '');
      const proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) });
      cleanups.push(proxy.close);
      const proxied = new URL(url);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const schema = uniqueSchema('outage');
      const store = await openStore({ databaseUrl: proxied.toString(), schema, poolSize: 4 });
      cleanups.push(async () => {
        // A test that failed mid-outage leaves the proxy cut: restore it so the schema can be dropped.
        await proxy.restore();
        try {
          await store.withSession((s) => s.exec(`drop schema if exists "${schema}" cascade`));
        } finally {
          await store.close();
        }
      });
      const emulator = await startEmulator({ port: 0 });
      cleanups.push(() => emulator.close());
      const billing = await createBilling({
        store,
        env: {},
        logger: silentLogger,
        stripe: { secretKey: 'sk_test_outage', emulatorUrl: emulator.url, webhookSecret: SECRET },
        worker: { pollMs: 50, leaseMs: 1_000, backoff: { baseMs: 50, maxMs: 200 } },
        intake: { storeTimeoutMs: 3_000 },
      });
      cleanups.push(() => billing.close());
      const handled = new Map<string, number>();
      billing.on('customer.created', (event) => {
        handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
      });
      const service = await startService({ port: 0, billing, store });
      cleanups.push(() => service.close());
      const deliver = (event: ReturnType<typeof makeEvent>) => {
        const { body, headers } = delivery(event);
        return fetch(`${service.url}/webhooks/stripe`, { method: 'POST', headers, body });
      };

      const before = Array.from({ length: 10 }, (_, i) => customerCreated('before', i));
      for (const event of before) expect((await deliver(event)).status).toBe(200);
      await until(
        async () => handled.size,
        (n) => n === 10,
        'the first ten events to be handled',
      );

      await proxy.cut();
      const during = Array.from({ length: 10 }, (_, i) => customerCreated('during', i));
      const refused = await Promise.all(during.map(deliver));
      expect(refused.map((r) => r.status)).toEqual(Array(10).fill(503));
      expect(refused[0]?.headers.get('retry-after')).toBe('10');
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, database: { reachable: false } });

      await proxy.restore();
      // Stripe retries what was not acknowledged; the first retries may meet a pool still reconnecting.
      for (const event of during)
        await until(
          async () => (await deliver(event)).status,
          (status) => status === 200,
          `a retry of ${event.id} to be acknowledged`,
        );
      await until(
        async () => handled.size,
        (n) => n === 20,
        'all twenty events to be handled',
      );
      await until(
        async () => (await billing.webhooks.health()).queueDepth,
        (depth) => depth === 0,
        'the queue to drain',
      );
      expect([...handled.values()].every((runs) => runs === 1)).toBe(true);
      const [mirrored] = await store.withSession((s) =>
        s.query<{ n: number }>(
          "select count(*)::int as n from stripe_customers where id like 'cus_outage_%'",
        ),
      );
      expect(mirrored?.n).toBe(20);
      const health = await billing.webhooks.health();
      expect(health.workerAlive).toBe(true);
      expect(health.deadLetters).toBe(0);
      await until(
        async () => (await fetch(`${service.url}/readyz`)).status,
        (status) => status === 200,
        '/readyz to recover',
      );
    },
    60_000,
  );
});
