// Catch-up: after downtime, the Events API (the emulator's, through the SDK) fills exactly the gap.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Billing, createBilling } from '../../src/billing/index.js';
import { getCustomer, getPaymentIntent } from '../../src/billing/mirror/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { createSync } from '../../src/billing/sync/index.js';
import type { WebhookPipeline } from '../../src/billing/webhooks/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { storeTargets } from '../support/store.js';
import { delivery } from '../support/webhook-events.js';
import { type EmulatorClient, shutdown, startEmulatorClient } from '../support/webhook-flow.js';
import { openPipeline } from '../support/webhook-pipeline.js';

let client: EmulatorClient;
beforeAll(async () => {
  client = await startEmulatorClient();
});
afterAll(() => shutdown(client));

const pay = (stripe: Stripe, customer: string, amount: number) =>
  stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    customer,
    payment_method: 'pm_card_visa',
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });

describe.each(storeTargets)('catch-up on $name', (target) => {
  let store: Store;
  let pipeline: WebhookPipeline;

  beforeAll(async () => {
    await fetch(`${client.emulator.url}/_emulator/reset`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_x' },
    });
    ({ store, pipeline } = await openPipeline(target, { stripe: client.stripe }));
  });

  const storedIds = async (source: string) =>
    (
      await store.withSession((s) =>
        s.query<{ id: string }>('select id from webhook_events where source = $1 order by id', [source]),
      )
    ).map((r) => r.id);

  it('picks up exactly the events missed during downtime, through the same pipeline', async () => {
    const sync = createSync({ store, stripe: client.stripe, pipeline });
    // Up: every event arrives by webhook.
    const ada = await client.stripe.customers.create({ email: 'ada@example.com' });
    await pay(client.stripe, ada.id, 1_000);
    const delivered = await client.allEvents();
    for (const event of delivered) {
      const d = delivery(event);
      expect((await pipeline.handle(d.body, d.headers)).status).toBe(200);
    }
    const first = await sync.catchUp();
    expect(first).toMatchObject({
      fetched: delivered.length,
      stored: 0,
      duplicates: delivered.length,
      complete: true,
    });
    expect(first.cursor?.created).toBe(Math.max(...delivered.map((e) => e.created)));

    // Down: these events are never delivered.
    const bob = await client.stripe.customers.create({ email: 'bob@example.com' });
    const bobPaid = await pay(client.stripe, bob.id, 2_500);
    await client.stripe.customers.update(ada.id, { name: 'Ada' });
    const missed = (await client.allEvents()).filter((e) => !delivered.some((d) => d.id === e.id));
    expect(missed.length).toBeGreaterThanOrEqual(5);

    const second = await sync.catchUp();
    expect(second.stored).toBe(missed.length);
    expect(await storedIds('events_api')).toEqual(missed.map((e) => e.id).sort());
    await pipeline.worker.processAvailable();
    expect((await getCustomer(store.db, bob.id))?.email).toBe('bob@example.com');
    expect((await getPaymentIntent(store.db, bobPaid.id))?.status).toBe('succeeded');
    expect((await getCustomer(store.db, ada.id))?.name).toBe('Ada');

    // Nothing new: a further pass stores nothing and the cursor stays on the newest event.
    const third = await sync.catchUp();
    expect(third.stored).toBe(0);
    expect(third.cursor?.created).toBe(Math.max(...missed.map((e) => e.created)));
    expect((await sync.status()).eventsCursor).toEqual(third.cursor);
  });

  it('does not advance the cursor when a pass stops early', async () => {
    const sync = createSync({ store, stripe: client.stripe, pipeline });
    const before = (await sync.status()).eventsCursor;
    await client.stripe.customers.create({ email: 'carol@example.com' });
    const partial = await sync.catchUp({ maxEvents: 0 });
    expect(partial.complete).toBe(false);
    expect((await sync.status()).eventsCursor).toEqual(before);
    const full = await sync.catchUp();
    expect(full.stored).toBe(1);
  });

  it('on a schedule, picks up missed events without being called, until stopped', async () => {
    const sync = createSync({ store, stripe: client.stripe, pipeline });
    await sync.catchUp();
    const schedule = sync.scheduleCatchUp({ everyMs: 50 });
    try {
      const dave = await client.stripe.customers.create({ email: 'dave@example.com' });
      const created = (await client.allEvents()).find(
        (e) => e.type === 'customer.created' && (e.data.object as { id: string }).id === dave.id,
      );
      const stored = async () =>
        (await store.withSession((s) => s.query('select 1 from webhook_events where id = $1', [created?.id])))
          .length;
      for (let i = 0; i < 200 && (await stored()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await stored()).toBe(1);
    } finally {
      await schedule.stop();
    }
    // Stopped: later events wait for the next explicit pass.
    const erin = await client.stripe.customers.create({ email: 'erin@example.com' });
    await new Promise((r) => setTimeout(r, 150));
    await pipeline.worker.processAvailable();
    expect(await getCustomer(store.db, erin.id)).toBeUndefined();
  });
});

describe.each(storeTargets)('billing.sync.catchUp() on $name', (target) => {
  let billing: Billing;
  const seen: string[] = [];

  beforeAll(async () => {
    await fetch(`${client.emulator.url}/_emulator/reset`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_x' },
    });
    billing = await createBilling({
      stripe: {
        emulatorUrl: client.emulator.url,
        secretKey: 'sk_test_catch_up',
        webhookSecret: 'whsec_catch_up_test',
      },
      store: await target.open(),
      logger: silentLogger,
      worker: false,
      env: {},
    });
    billing.on('*', async (event) => {
      seen.push(event.id);
    });
  });
  afterAll(async () => {
    await billing?.close();
    // Back to wall time for whatever runs next against this emulator.
    await fetch(`${client.emulator.url}/_emulator/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer sk_test_x' },
      body: 'clock=',
    });
  });

  it('after downtime, mirrors the missed events and runs app handlers once; the cursor is kept', async () => {
    expect(await billing.sync.catchUp()).toMatchObject({ fetched: 0, stored: 0, complete: true });

    // Down for ten minutes: no webhook endpoint is registered at the emulator, nothing is delivered.
    const now = Math.floor(Date.now() / 1000);
    await client.setClock(now - 600);
    const customer = await billing.stripe.customers.create({ email: 'down@example.com' });
    const paid = await pay(billing.stripe, customer.id, 4_200);
    await client.setClock(now);
    const product = await billing.stripe.products.create({ name: 'Made while down' });
    const missed = await client.allEvents();
    expect(missed.length).toBeGreaterThanOrEqual(4);
    expect(await billing.mirror.customer(customer.id)).toBeUndefined();

    const first = await billing.sync.catchUp();
    expect(first).toMatchObject({ fetched: missed.length, stored: missed.length, complete: true });
    expect(await billing.worker.processAvailable()).toBe(missed.length);
    expect((await billing.mirror.customer(customer.id))?.email).toBe('down@example.com');
    expect((await billing.mirror.paymentIntent(paid.id))?.status).toBe('succeeded');
    expect((await billing.mirror.product(product.id))?.name).toBe('Made while down');
    expect([...seen].sort()).toEqual(missed.map((e) => e.id).sort());
    expect((await billing.sync.status()).eventsCursor?.created).toBe(now);

    // Nothing new: the next pass reads only from the stored cursor (less its 60 s overlap), and what
    // it re-reads is dropped as known.
    const second = await billing.sync.catchUp();
    const recent = missed.filter((e) => e.created >= now - 60);
    expect(recent.length).toBeLessThan(missed.length);
    expect(second).toMatchObject({ fetched: recent.length, stored: 0, duplicates: recent.length });
    expect(await billing.worker.processAvailable()).toBe(0);
    expect(seen).toHaveLength(missed.length);
  });
});
