// Webhook endpoints and signed delivery: signatures the SDK verifies, retries on a compressed
// schedule, a hanging receiver that does not slow the API, enabled_events filtering, resend.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from './helpers.js';

interface Received {
  body: string;
  signature: string;
  userAgent: string | undefined;
}

/** A local receiver whose answer to each request is decided by `respond`. */
async function receiver(respond: (n: number, req: IncomingMessage, res: ServerResponse) => void) {
  const received: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
        userAgent: req.headers['user-agent'],
      });
      respond(++n, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const ok = (_n: number, _req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end('{}');

let h: Harness;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  h = await startHarness({ webhookRetrySchedule: [50, 100], deliveryTimeoutMs: 300 });
});
beforeEach(() => h.control('/_emulator/reset', {}));
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => h.emulator.close());

describe('webhook endpoints API', () => {
  it('returns the secret on create only, updates, lists and deletes', async () => {
    const we = await h.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/x',
      enabled_events: ['customer.created'],
    });
    expect(we).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      enabled_events: ['customer.created'],
    });
    expect(we.secret).toMatch(/^whsec_/);
    expect(we.id).toMatch(/^we_/);
    expect((await h.stripe.webhookEndpoints.retrieve(we.id)).secret).toBeUndefined();
    const disabled = await h.stripe.webhookEndpoints.update(we.id, { disabled: true, enabled_events: ['*'] });
    expect(disabled).toMatchObject({ status: 'disabled', enabled_events: ['*'] });
    expect(disabled.secret).toBeUndefined();
    expect((await h.stripe.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([we.id]);
    expect(await h.stripe.webhookEndpoints.del(we.id)).toMatchObject({ id: we.id, deleted: true });
    await expect(
      h.stripe.webhookEndpoints.create({ url: 'ftp://x', enabled_events: ['*'] }),
    ).rejects.toMatchObject({ param: 'url' });
    await expect(
      h.stripe.webhookEndpoints.create({ url: 'http://x.test', enabled_events: [] as never }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});

describe('delivery', () => {
  it('signs each delivery so stripe.webhooks.constructEvent accepts it', async () => {
    const r = await receiver(ok);
    cleanups.push(r.close);
    const we = await h.stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
    const customer = await h.stripe.customers.create({ email: 'signed@example.com' });
    await waitFor(() => r.received.length === 1);
    const got = r.received[0]!;
    const event = h.stripe.webhooks.constructEvent(got.body, got.signature, we.secret!);
    expect(event).toMatchObject({
      type: 'customer.created',
      data: { object: { id: customer.id } },
      pending_webhooks: 1,
    });
    expect(got.userAgent).toMatch(/^Stripe\/1\.0/);
    expect(() => h.stripe.webhooks.constructEvent(got.body, got.signature, 'whsec_wrong')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => h.stripe.webhooks.constructEvent(`${got.body} `, got.signature, we.secret!)).toThrow();
    // Once delivered, the event has no pending webhooks left.
    await waitFor(async () => (await h.stripe.events.retrieve(event.id)).pending_webhooks === 0);
  });

  it('a receiver failing twice gets exactly one successful delivery after two retries', async () => {
    const r = await receiver((n, _req, res) => res.writeHead(n <= 2 ? 500 : 200).end());
    cleanups.push(r.close);
    await h.stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
    await h.stripe.customers.create();
    const event = (await h.stripe.events.list({ type: 'customer.created' })).data[0]!;
    const log = await waitFor(async () => {
      const d = await h.control(`/_emulator/deliveries?event=${event.id}`);
      return d.data.length === 3 ? d.data : null;
    });
    expect(
      log.map((a: { status: number; attempt: number; succeeded: boolean }) => [
        a.attempt,
        a.status,
        a.succeeded,
      ]),
    ).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    expect(log[0].next_retry_at).not.toBeNull();
    expect(log[2].next_retry_at).toBeNull();
    // Nothing more arrives after the success.
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((x) => JSON.parse(x.body).id))).toEqual(new Set([event.id]));
  });

  it('gives up after the last retry of the schedule', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(503).end());
    cleanups.push(r.close);
    await h.stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
    await h.stripe.products.create({ name: 'P' });
    await waitFor(() => r.received.length === 3);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(3); // the first try plus the two retries of [50, 100]
    const event = (await h.stripe.events.list()).data[0]!;
    expect(event.pending_webhooks).toBe(1);
    expect((await h.stripe.events.list({ delivery_success: false })).data.map((e) => e.id)).toEqual([
      event.id,
    ]);
  });

  it('a hanging endpoint never holds up API calls', async () => {
    const r = await receiver(() => {
      /* never answers */
    });
    cleanups.push(r.close);
    await h.control('/_emulator/settings', { delivery_timeout_ms: 20_000 });
    try {
      await h.stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
      for (let i = 0; i < 20; i++) await h.stripe.customers.create();
      await waitFor(() => r.received.length === 20);
      // All 20 calls have answered while every one of their deliveries is still waiting on the receiver.
      expect((await h.control('/_emulator/deliveries')).data).toEqual([]);
      expect((await h.stripe.customers.list({ limit: 100 })).data).toHaveLength(20);
    } finally {
      await h.control('/_emulator/settings', { delivery_timeout_ms: 300 });
    }
  });

  it('a receiver that does not answer in time is logged as a timeout and retried', async () => {
    const r = await receiver(() => {
      /* never answers */
    });
    cleanups.push(r.close);
    await h.stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
    await h.stripe.customers.create();
    const log = await waitFor(async () => {
      const d = await h.control('/_emulator/deliveries');
      return d.data.length >= 2 ? d.data : null;
    });
    expect(log[0]).toMatchObject({
      attempt: 1,
      status: null,
      succeeded: false,
      error: 'timed out after 300 ms',
    });
    expect(log[1]).toMatchObject({ attempt: 2, succeeded: false });
  });

  it('only sends the event types an endpoint enabled, and nothing to disabled endpoints', async () => {
    const a = await receiver(ok);
    const b = await receiver(ok);
    const c = await receiver(ok);
    cleanups.push(a.close, b.close, c.close);
    await h.stripe.webhookEndpoints.create({ url: a.url, enabled_events: ['customer.created'] });
    await h.stripe.webhookEndpoints.create({
      url: b.url,
      enabled_events: ['product.created', 'price.created'],
    });
    const off = await h.stripe.webhookEndpoints.create({ url: c.url, enabled_events: ['*'] });
    await h.stripe.webhookEndpoints.update(off.id, { disabled: true });
    await h.stripe.customers.create();
    await h.stripe.products.create({ name: 'P', default_price_data: { currency: 'usd', unit_amount: 1 } });
    await waitFor(() => a.received.length === 1 && b.received.length === 2);
    await new Promise((res) => setTimeout(res, 100));
    const types = (x: { received: Received[] }) => x.received.map((m) => JSON.parse(m.body).type).sort();
    expect(types(a)).toEqual(['customer.created']);
    expect(types(b)).toEqual(['price.created', 'product.created']);
    expect(c.received).toEqual([]);
  });

  it('connected-account events reach platform endpoints created with connect=true', async () => {
    const platform = await receiver(ok);
    const connect = await receiver(ok);
    cleanups.push(platform.close, connect.close);
    await h.stripe.webhookEndpoints.create({ url: platform.url, enabled_events: ['*'] });
    await h.stripe.webhookEndpoints.create({ url: connect.url, enabled_events: ['*'], connect: true });
    await h.stripe.customers.create({}, { stripeAccount: 'acct_connected9' });
    await waitFor(() => connect.received.length === 1);
    expect(JSON.parse(connect.received[0]!.body)).toMatchObject({
      account: 'acct_connected9',
      type: 'customer.created',
    });
    await new Promise((res) => setTimeout(res, 100));
    expect(platform.received).toEqual([]);
  });

  it('resends an event through the control API', async () => {
    const r = await receiver(ok);
    cleanups.push(r.close);
    const we = await h.stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
    await h.stripe.customers.create();
    await waitFor(() => r.received.length === 1);
    const eventId = JSON.parse(r.received[0]!.body).id;
    const resent = await h.control(`/_emulator/events/${eventId}/resend`, { endpoint: we.id });
    expect(resent).toEqual({ event: eventId, deliveries: 1 });
    await waitFor(() => r.received.length === 2);
    expect(JSON.parse(r.received[1]!.body).id).toBe(eventId);
    const log = await h.control(`/_emulator/deliveries?endpoint=${we.id}`);
    expect(log.data.map((a: { resend: boolean }) => a.resend)).toEqual([false, true]);
    const missing = await fetch(`${h.emulator.url}/_emulator/events/evt_nope/resend`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });
});
