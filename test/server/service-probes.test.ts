// The service's own routes, on each store: health probes, the webhook route end to end (emulator →
// signed delivery → worker → mirror), the OpenAPI document, request ids and what reaches the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBilling } from '../../src/billing/create-billing.js';
import { openStore } from '../../src/billing/store/index.js';
import { createService } from '../../src/server/index.js';
import { closeStores, postgresUrl, storeTargets, uniqueSchema } from '../support/store.js';
import { API_KEY, eventually, type ServiceHarness, startHarness } from './support/service.js';
import { signedHeaders } from './support/signing.js';

afterAll(closeStores);

/** A minimal `product.created` event body. */
const productEvent = (id: string) =>
  JSON.stringify({ id, object: 'event', type: 'product.created', created: 1 });

describe.each(storeTargets)('service probes and webhook route on $name', (target) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startHarness(target);
  });
  afterAll(() => h?.close());

  it('answers /healthz while the process is alive', async () => {
    const response = await fetch(`${h.service.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('reports readiness with database, migrations, worker, lag, backlog and dead letters', async () => {
    const body = await eventually(async () => {
      const response = await fetch(`${h.service.url}/readyz`);
      return response.status === 200 ? response.json() : undefined;
    });
    expect(body).toMatchObject({
      ready: true,
      database: { reachable: true, migrationsApplied: true, pendingMigrations: [] },
      worker: { alive: true, expected: true },
      webhooks: { queueDepth: expect.any(Number), deadLetters: 0 },
    });
    expect(body.webhooks).toHaveProperty('lastEventAgeSeconds');
  });

  it('takes signed deliveries from the emulator on POST /webhooks/stripe into the mirror', async () => {
    const product = await h.stripe.products.create({ name: 'Webhook route product' });
    const mirrored = await eventually(() => h.billing.mirror.product(product.id));
    expect(mirrored).toMatchObject({ id: product.id });
    const deliveries = (await (await fetch(`${h.emulator.url}/_emulator/deliveries`)).json()) as {
      data: { event: string; status: number | null }[];
    };
    expect(deliveries.data.some((d) => d.status === 200)).toBe(true);
  });

  it('refuses a tampered delivery with 400 and needs no API key for the route', async () => {
    const payload = productEvent('evt_tampered_route');
    const response = await fetch(`${h.service.url}/webhooks/stripe`, {
      method: 'POST',
      headers: signedHeaders(payload, h.webhookSecret),
      body: payload.replace('product.created', 'product.deleted'),
    });
    expect(response.status).toBe(400);
  });

  it('refuses bodies over the caps with 413: 1 MB on the webhook route, 100 KB on the REST API', async () => {
    const webhook = await fetch(`${h.service.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'stripe-signature': 't=1,v1=00', 'content-type': 'application/json' },
      body: `{"pad":"${'x'.repeat(1024 * 1024)}"}`,
    });
    expect(webhook.status).toBe(413);
    const rest = await h.api('/v1/customers/ensure', {
      body: { userId: 'u_big', name: 'x'.repeat(200 * 1024) },
    });
    expect(rest.status).toBe(413);
    expect(await rest.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    // The unread rest of a refused upload makes the connection unusable: the client is told not to
    // reuse it (otherwise its next request on that socket fails with "other side closed").
    expect(webhook.headers.get('connection')).toBe('close');
    expect(rest.headers.get('connection')).toBe('close');
  });

  it('gives every response a request id and keeps the API key and signatures out of the log', async () => {
    const response = await h.api('/v1/customers/nobody_here');
    expect(response.headers.get('x-request-id')).toMatch(/\S+/);
    const log = h.logs.join('');
    expect(log).toContain('"path":"/v1/customers/nobody_here"');
    expect(log).toContain('"path":"/webhooks/stripe"');
    expect(log).not.toContain(API_KEY);
    expect(log.toLowerCase()).not.toContain('authorization');
    expect(log).not.toContain(h.webhookSecret);
    expect(log).not.toMatch(/t=\d+,v1=/);
  });

  it('describes every REST route in an OpenAPI 3.1 document, each one served', async () => {
    const doc = (await (await fetch(`${h.service.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m, path]));
    expect(routes.length).toBeGreaterThanOrEqual(9);
    for (const [method, path] of routes) {
      const concrete = path!.replace(/\{[^}]+\}/g, 'x_1');
      const response = await fetch(`${h.service.url}${concrete}`, { method: method!.toUpperCase() });
      const body = await response.text();
      expect(body, `${method} ${path}`).not.toContain('No route for');
    }
  });

  it('answers /readyz 503 naming the migrations not applied yet', async () => {
    const store = await target.open();
    const billing = await createBilling({
      store,
      migrate: false,
      env: {},
      stripe: { secretKey: 'sk_test_x', emulatorUrl: h.emulator.url, webhookSecret: 'whsec_unmigrated' },
      worker: false,
    });
    const app = createService({ billing, apiKey: API_KEY, expectWorker: false });
    const response = await app.request('/readyz');
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      database: { reachable: boolean; migrationsApplied: boolean; pendingMigrations: string[] };
    };
    expect(body.database).toMatchObject({ reachable: true, migrationsApplied: false });
    expect(body.database.pendingMigrations).toContain('0010_webhook_events');
    await store.migrate();
    expect((await app.request('/readyz')).status).toBe(200);
    await billing.close();
  });

  it('answers /readyz and the webhook route 503 when the database is unreachable', async () => {
    // A store of its own (not the target's, which closes its stores after the file): closed mid-test.
    const schema = uniqueSchema();
    const store = await openStore(
      target.name === 'postgres'
        ? { databaseUrl: postgresUrl, schema, poolSize: 2 }
        : { dataDir: 'memory', schema },
    );
    const billing = await createBilling({
      store,
      env: {},
      stripe: { secretKey: 'sk_test_x', emulatorUrl: h.emulator.url, webhookSecret: 'whsec_unreachable' },
      worker: false,
    });
    const app = createService({ billing, apiKey: API_KEY, expectWorker: false });
    expect((await app.request('/readyz')).status).toBe(200);
    if (target.name === 'postgres') await store.withSession((s) => s.exec(`drop schema "${schema}" cascade`));
    await store.close();
    const response = await app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false, database: { reachable: false } });
    expect((await app.request('/healthz')).status).toBe(200);
    // A valid delivery that cannot be stored is answered 503, so Stripe retries it later.
    const payload = productEvent('evt_db_down');
    const webhook = await app.request('/webhooks/stripe', {
      method: 'POST',
      headers: signedHeaders(payload, 'whsec_unreachable'),
      body: payload,
    });
    expect(webhook.status).toBe(503);
    await billing.close();
  });
});
