// Checkout in payment mode end to end: createBilling → checkout.create → the emulator completes the
// session → signed webhooks reach billing.webhooks.handle → the mirror says paid → the app handler ran once.
import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { withSessionId } from '../../src/billing/checkout/index.js';
import { eventually, useBillingApp } from '../support/billing-app.js';
import { uniqueUser, useTestEmulator } from '../support/billing-emulator.js';
import { storeTargets } from '../support/store.js';

const emu = useTestEmulator();
let price: Stripe.Price;
const lookupKey = `coffee_${Math.random().toString(36).slice(2, 8)}`;
beforeAll(async () => {
  const product = await emu.stripe.products.create({ name: 'A bag of coffee' });
  price = await emu.stripe.prices.create({
    product: product.id,
    unit_amount: 1800,
    currency: 'usd',
    lookup_key: lookupKey,
  });
});

const urls = { successUrl: 'https://shop.example/thanks', cancelUrl: 'https://shop.example/cart' };

describe('withSessionId', () => {
  it('adds the session placeholder once, before any fragment', () => {
    expect(withSessionId('https://a.example/ok')).toBe(
      'https://a.example/ok?session_id={CHECKOUT_SESSION_ID}',
    );
    expect(withSessionId('https://a.example/ok?x=1#top')).toBe(
      'https://a.example/ok?x=1&session_id={CHECKOUT_SESSION_ID}#top',
    );
    expect(withSessionId('https://a.example/ok?s={CHECKOUT_SESSION_ID}')).toBe(
      'https://a.example/ok?s={CHECKOUT_SESSION_ID}',
    );
  });
});

describe.each(storeTargets)('checkout on $name', (target) => {
  const billing = useBillingApp(emu, target);
  const completedFor: string[] = [];
  beforeAll(() => {
    billing.on('checkout.session.completed', (event) => {
      completedFor.push((event.data.object as Stripe.Checkout.Session).id);
    });
  });
  it('creates a session with the seed defaults for an ensured customer', async () => {
    const userId = uniqueUser('buyer');
    const created = await billing.checkout.create({
      userId,
      email: 'buyer@example.com',
      price: price.id,
      quantity: 2,
      metadata: { order: 'o-1' },
      ...urls,
    });
    expect(created.url).toMatch(/^http/);
    const customer = await billing.customers.get(userId);
    expect(created.customerId).toBe(customer?.customerId);

    const session = await emu.stripe.checkout.sessions.retrieve(created.id);
    expect(session).toMatchObject({
      mode: 'payment',
      customer: customer?.customerId,
      client_reference_id: userId,
      metadata: { order: 'o-1', user_id: userId },
      billing_address_collection: 'auto',
      success_url: 'https://shop.example/thanks?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: urls.cancelUrl,
    });
    const items = await emu.stripe.checkout.sessions.listLineItems(created.id);
    expect(items.data[0]).toMatchObject({ quantity: 2, price: { id: price.id } });
  });

  it('is idempotent per operation: a repeat returns the open session, a new attempt makes another', async () => {
    const userId = uniqueUser('twice');
    const first = await billing.checkout.create({ userId, lookupKey, ...urls });
    const repeat = await billing.checkout.create({ userId, lookupKey, ...urls });
    expect(repeat.id).toBe(first.id);
    const fresh = await billing.checkout.create({ userId, lookupKey, ...urls, newAttempt: true });
    expect(fresh.id).not.toBe(first.id);
    const sessions = await emu.stripe.checkout.sessions.list({ customer: first.customerId, limit: 10 });
    expect(sessions.data).toHaveLength(2);
  });

  it('completing through the emulator makes status paid from the mirror and runs the handler once', async () => {
    const userId = uniqueUser('payer');
    const created = await billing.checkout.create({ userId, lookupKey, ...urls });
    // Before any webhook, the success page learns nothing from the redirect alone.
    expect((await billing.checkout.status(created.id)).status).toBe('unknown');

    await emu.control(`/_emulator/checkout/sessions/${created.id}/complete`, {
      payment_method: 'pm_card_visa',
    });
    const paid = await eventually(async () => {
      const s = await billing.checkout.status(created.id);
      return s.status === 'paid' ? s : undefined;
    }, 'checkout status paid');
    expect(paid).toMatchObject({ amountTotal: 1800, currency: 'usd', userId, paymentStatus: 'paid' });
    expect(paid.paymentIntentId).toMatch(/^pi_/);
    // The payment carries the user too (seed rule 5).
    const intent = await emu.stripe.paymentIntents.retrieve(paid.paymentIntentId!);
    expect(intent.metadata.user_id).toBe(userId);

    // Another user asking about this session learns nothing.
    expect((await billing.checkout.status(created.id, { userId: 'someone_else' })).status).toBe('unknown');

    await eventually(async () => completedFor.includes(created.id), 'the app handler');
    // Stripe delivering the same event again must not run the handler again.
    const events = await emu.stripe.events.list({ type: 'checkout.session.completed', limit: 100 });
    const event = events.data.find((e) => (e.data.object as Stripe.Checkout.Session).id === created.id)!;
    await emu.control(`/_emulator/events/${event.id}/resend`);
    await eventually(async () => {
      const deliveries = (await (
        await fetch(`${emu.url}/_emulator/deliveries?event=${event.id}`)
      ).json()) as {
        data: { status?: number; response_status?: number }[];
      };
      return deliveries.data.length >= 2;
    }, 'the second delivery');
    await billing.worker.processAvailable();
    expect(completedFor.filter((id) => id === created.id)).toHaveLength(1);

    // A paid session is never handed out again: the same purchase starts a new session.
    const next = await billing.checkout.create({ userId, lookupKey, ...urls });
    expect(next.id).not.toBe(created.id);
  });

  it('after the user’s customer is deleted, a repeat purchase gets a new session and intent for the new customer', async () => {
    const userId = uniqueUser('reborn');
    const session = await billing.checkout.create({ userId, lookupKey, ...urls });
    const intent = await billing.payments.createIntent({ userId, amount: 900, currency: 'usd' });
    await emu.stripe.customers.del(session.customerId);
    await eventually(async () => (await billing.customers.get(userId)) === undefined, 'the tombstone');

    const next = await billing.checkout.create({ userId, lookupKey, ...urls });
    expect(next.id).not.toBe(session.id);
    expect(next.customerId).not.toBe(session.customerId);
    expect((await emu.stripe.checkout.sessions.retrieve(next.id)).customer).toBe(next.customerId);
    const nextIntent = await billing.payments.createIntent({ userId, amount: 900, currency: 'usd' });
    expect(nextIntent.id).not.toBe(intent.id);
    expect(nextIntent.customerId).toBe(next.customerId);
  });

  it('an expired session reads expired from the mirror and is not handed out again', async () => {
    const userId = uniqueUser('late');
    const created = await billing.checkout.create({ userId, lookupKey, ...urls });
    await emu.stripe.checkout.sessions.expire(created.id);
    await eventually(
      async () => (await billing.checkout.status(created.id)).status === 'expired',
      'checkout status expired',
    );
    const next = await billing.checkout.create({ userId, lookupKey, ...urls });
    expect(next.id).not.toBe(created.id);
  });

  it('a named checkout whose session expired is an error naming the operationId, never a dead link', async () => {
    const userId = uniqueUser('named-late');
    const named = { userId, lookupKey, ...urls, operationId: 'cart-5' };
    const created = await billing.checkout.create(named);
    expect((await billing.checkout.create(named)).id).toBe(created.id);
    await expect(billing.checkout.create({ ...named, quantity: 2 })).rejects.toMatchObject({
      field: 'operationId',
    });
    await emu.stripe.checkout.sessions.expire(created.id);
    await eventually(
      async () => (await billing.checkout.status(created.id)).status === 'expired',
      'checkout status expired',
    );
    await expect(billing.checkout.create(named)).rejects.toThrow(
      new RegExp(`${created.id} of operationId cart-5 is expired; use a new operationId`),
    );
  });

  it('rejects bad input naming the field', async () => {
    const base = { userId: 'u_bad', ...urls };
    await expect(billing.checkout.create({ ...base })).rejects.toMatchObject({ field: 'price' });
    await expect(billing.checkout.create({ ...base, price: 'prod_x' })).rejects.toMatchObject({
      field: 'price',
    });
    // Well-formed but unknown to Stripe: refused by Stripe, reported as the caller's price.
    await expect(billing.checkout.create({ ...base, price: 'price_doesnotexist' })).rejects.toMatchObject({
      field: 'price',
      message: expect.stringContaining('price_doesnotexist'),
    });
    await expect(billing.checkout.create({ ...base, lookupKey: 'no_such_key' })).rejects.toMatchObject({
      field: 'lookupKey',
    });
    await expect(billing.checkout.create({ ...base, price: price.id, quantity: 0 })).rejects.toMatchObject({
      field: 'quantity',
    });
    await expect(
      billing.checkout.create({ ...base, price: price.id, successUrl: '/thanks' }),
    ).rejects.toMatchObject({
      field: 'successUrl',
    });
    await expect(
      billing.checkout.create({ ...base, price: price.id, mode: 'subscription' }),
    ).rejects.toMatchObject({ field: 'mode' });
    await expect(
      billing.checkout.create({ ...base, price: price.id, metadata: { user_id: 'other' } }),
    ).rejects.toMatchObject({ field: 'metadata.user_id' });
    await expect(billing.checkout.status('pi_123')).rejects.toMatchObject({ field: 'sessionId' });
  });
});

describe.each(storeTargets)(
  'a customer deleted in Stripe before its webhook is processed, on $name',
  (target) => {
    // worker: false — the customer.deleted event is stored but not applied, as during a webhook backlog.
    const billing = useBillingApp(emu, target, { worker: false });

    it('checkout and payments notice, tombstone the mapping and use a new customer', async () => {
      const userId = uniqueUser('gone');
      const first = await billing.customers.ensure({ userId, email: 'gone@example.com' });
      await emu.stripe.customers.del(first.customerId);

      const session = await billing.checkout.create({ userId, price: price.id, ...urls });
      expect(session.customerId).not.toBe(first.customerId);
      expect((await emu.stripe.checkout.sessions.retrieve(session.id)).customer).toBe(session.customerId);
      expect(await billing.customers.byCustomerId(first.customerId)).toMatchObject({
        deletedAt: expect.any(Date),
      });

      await emu.stripe.customers.del(session.customerId);
      const intent = await billing.payments.createIntent({ userId, amount: 700, currency: 'usd' });
      expect([first.customerId, session.customerId]).not.toContain(intent.customerId);
    });
  },
);
