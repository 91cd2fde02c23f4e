// Checkout Sessions (payment and setup modes) through the official SDK, completed with the control
// route that stands in for the hosted page.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

async function complete(sessionId: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${h.emulator.url}/_emulator/checkout/sessions/${sessionId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Event types since `sinceId` (exclusive), oldest first. */
async function typesSince(sinceId: string | undefined): Promise<string[]> {
  const events = await h.stripe.events.list({ limit: 100, ...(sinceId ? { ending_before: sinceId } : {}) });
  return events.data.map((e) => e.type).reverse();
}
const latestEventId = async () => (await h.stripe.events.list({ limit: 1 })).data[0]?.id;

const paymentSession = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  h.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 2 },
    ],
    success_url: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cart',
    ...extra,
  });

describe('payment mode', () => {
  it('creates an open, unpaid session with a URL on the emulator and its line items', async () => {
    const product = await h.stripe.products.create({ name: 'Mug' });
    const price = await h.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 800 });
    const session = await paymentSession({
      line_items: [
        { price: price.id, quantity: 1 },
        {
          price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } },
          quantity: 2,
        },
      ],
      metadata: { cart: 'c1' },
      client_reference_id: 'user-9',
    });
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 3800,
      currency: 'usd',
      metadata: { cart: 'c1' },
      client_reference_id: 'user-9',
      payment_intent: null,
    });
    expect(session.id.startsWith('cs_test_')).toBe(true);
    expect(session.url?.startsWith(h.emulator.url)).toBe(true);
    const items = await h.stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data.map((li) => [li.description, li.quantity, li.amount_total])).toEqual([
      ['Mug', 1, 800],
      ['T-shirt', 2, 3000],
    ]);
    const expanded = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
    expect(expanded.line_items?.data).toHaveLength(2);
  });

  it('pages line_items in the order given, with limit, both cursors and the SDK auto-pagination', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `Item ${i}`);
    const session = await paymentSession({
      line_items: names.map((name) => ({
        price_data: { currency: 'usd', unit_amount: 100, product_data: { name } },
        quantity: 1,
      })),
    });
    const first = await h.stripe.checkout.sessions.listLineItems(session.id);
    expect(first.data.map((li) => li.description)).toEqual(names.slice(0, 10));
    expect(first).toMatchObject({ has_more: true, url: `/v1/checkout/sessions/${session.id}/line_items` });
    const next = await h.stripe.checkout.sessions.listLineItems(session.id, {
      limit: 5,
      starting_after: first.data[9]!.id,
    });
    expect(next.data.map((li) => li.description)).toEqual(names.slice(10));
    expect(next.has_more).toBe(false);
    const back = await h.stripe.checkout.sessions.listLineItems(session.id, {
      limit: 3,
      ending_before: next.data[0]!.id,
    });
    expect(back.data.map((li) => li.description)).toEqual(names.slice(7, 10));
    expect(back.has_more).toBe(true);
    const all = await h.stripe.checkout.sessions.listLineItems(session.id, { limit: 4 }).autoPagingToArray({
      limit: 100,
    });
    expect(all.map((li) => li.description)).toEqual(names);
    await expect(
      h.stripe.checkout.sessions.listLineItems(session.id, { starting_after: 'li_nope' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'starting_after' });
  });

  it('completes with a test card: payment events, then checkout.session.completed, and the success URL', async () => {
    const session = await paymentSession({
      customer_creation: 'always',
      payment_intent_data: { metadata: { order: '42' } },
    });
    const since = await latestEventId();
    const done = await complete(session.id, { payment_method: 'pm_card_visa', email: 'buyer@example.com' });
    expect(done.status).toBe(200);
    expect(done.body.redirect_url).toBe(`https://shop.example/thanks?session=${session.id}`);
    const after = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(after).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    expect(after.customer_details?.email).toBe('buyer@example.com');
    const pi = after.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({
      status: 'succeeded',
      amount: 3000,
      metadata: { order: '42' },
      customer: after.customer,
    });
    expect(await typesSince(since)).toEqual([
      'customer.created',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    // No API request of the merchant caused them: the customer acted on the (stand-in) hosted page.
    const caused = await h.stripe.events.list({ limit: 100, ...(since ? { ending_before: since } : {}) });
    expect(caused.data.map((e) => e.request?.id ?? null)).toEqual(caused.data.map(() => null));
    const customer = await h.stripe.customers.retrieve(after.customer as string);
    expect(customer).toMatchObject({
      email: 'buyer@example.com',
      invoice_settings: { default_payment_method: null },
    });
    // The session keeps the template; only the redirect gets the id.
    expect(after.success_url).toBe('https://shop.example/thanks?session={CHECKOUT_SESSION_ID}');
  });

  it('saving the card for later creates the customer and attaches the card to it', async () => {
    const session = await paymentSession({
      customer_email: 'saver@example.com',
      payment_intent_data: { setup_future_usage: 'off_session', capture_method: 'manual' },
    });
    const done = await complete(session.id, { payment_method: 'pm_card_visa' });
    expect(done.body.session).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    const customerId = done.body.session.customer as string;
    expect((await h.stripe.customers.retrieve(customerId)) as Stripe.Customer).toMatchObject({
      email: 'saver@example.com',
    });
    const pms = await h.stripe.customers.listPaymentMethods(customerId);
    expect(pms.data).toHaveLength(1);
    const pi = await h.stripe.paymentIntents.retrieve(done.body.session.payment_intent);
    expect(pi).toMatchObject({ status: 'requires_capture', setup_future_usage: 'off_session' });
  });

  it('a decline card fails the same way and leaves the session open; another card then completes it', async () => {
    const session = await paymentSession();
    const declined = await complete(session.id, {
      payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    });
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
    });
    const open = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(open.status).toBe('open');
    const ok = await complete(session.id, { payment_method: '4242424242424242' });
    expect(ok.status).toBe(200);
    expect(ok.body.session.status).toBe('complete');
  });

  it('a 3D Secure card completes the session once authenticated', async () => {
    const session = await paymentSession();
    const pending = await complete(session.id, { payment_method: 'pm_card_authenticationRequired' });
    expect(pending.body.session.status).toBe('open');
    const pi = await h.stripe.paymentIntents.retrieve(pending.body.session.payment_intent);
    expect(pi.status).toBe('requires_action');
    // The customer completes 3D Secure on the test page and is sent on to the success URL.
    const posted = await fetch(pi.next_action!.redirect_to_url!.url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=complete',
      redirect: 'manual',
    });
    expect(posted.headers.get('location')).toBe(`https://shop.example/thanks?session=${session.id}`);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
  });

  it('expires on request, and then cannot be completed', async () => {
    const session = await paymentSession();
    const expired = await h.stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    const again = await h.stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const late = await complete(session.id);
    expect(late.status).toBe(400);
    const events = await h.stripe.events.list({ type: 'checkout.session.expired', limit: 5 });
    expect(events.data.map((e) => (e.data.object as Stripe.Checkout.Session).id)).toContain(session.id);
  });

  it('expires by itself once expires_at has passed on the emulator clock', async () => {
    const now = Math.floor(Date.now() / 1000);
    const session = await paymentSession({ expires_at: now + 31 * 60 });
    await h.control('/_emulator/settings', { clock: { offset_seconds: 32 * 60 } });
    try {
      expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });

  it('expires_at defaults to 24 hours and accepts 30 minutes to 24 hours, no more', async () => {
    const t = 1_800_000_000;
    await h.control('/_emulator/settings', { clock: { fixed: t } });
    try {
      expect((await paymentSession()).expires_at).toBe(t + 24 * 3600);
      expect((await paymentSession({ expires_at: t + 30 * 60 })).expires_at).toBe(t + 30 * 60);
      expect((await paymentSession({ expires_at: t + 24 * 3600 })).expires_at).toBe(t + 24 * 3600);
      for (const bad of [t + 30 * 60 - 1, t + 24 * 3600 + 1]) {
        await expect(paymentSession({ expires_at: bad })).rejects.toMatchObject({
          statusCode: 400,
          param: 'expires_at',
        });
      }
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });

  it('rejects subscription mode, bad expires_at and customer with customer_email, naming the parameter', async () => {
    const sub = await h.stripe.checkout.sessions
      .create({
        mode: 'subscription',
        line_items: [{ price: 'price_x', quantity: 1 }],
        success_url: 'https://x',
      })
      .catch((e: unknown) => e as Stripe.errors.StripeInvalidRequestError);
    expect((sub as Stripe.errors.StripeInvalidRequestError).message).toContain('subscription mode');
    const soon = await paymentSession({ expires_at: Math.floor(Date.now() / 1000) + 60 }).catch(
      (e: unknown) => e,
    );
    expect((soon as Stripe.errors.StripeInvalidRequestError).param).toBe('expires_at');
    const customer = await h.stripe.customers.create();
    const both = await paymentSession({ customer: customer.id, customer_email: 'a@b.c' }).catch(
      (e: unknown) => e,
    );
    expect((both as Stripe.errors.StripeInvalidRequestError).code).toBe('parameters_exclusive');
  });

  it('lists sessions by status and customer', async () => {
    const customer = await h.stripe.customers.create({ email: 'l@example.com' });
    const a = await paymentSession({ customer: customer.id });
    const b = await paymentSession({ customer: customer.id });
    await complete(b.id);
    const open = await h.stripe.checkout.sessions.list({ customer: customer.id, status: 'open' });
    expect(open.data.map((s) => s.id)).toEqual([a.id]);
    const all = await h.stripe.checkout.sessions.list({ customer: customer.id });
    expect(all.data.map((s) => s.id)).toEqual([b.id, a.id]);
  });
});

describe('setup mode', () => {
  it('saves the card to the customer: no_payment_required, payment_method.attached', async () => {
    const customer = await h.stripe.customers.create();
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      customer: customer.id,
      success_url: 'https://shop.example/saved',
    });
    expect(session.payment_status).toBe('no_payment_required');
    const since = await latestEventId();
    const done = await complete(session.id, { payment_method: 'pm_card_mastercard' });
    expect(done.body.session).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    const pms = await h.stripe.customers.listPaymentMethods(customer.id);
    expect(pms.data[0]?.card?.brand).toBe('mastercard');
    expect(await typesSince(since)).toEqual([
      'setup_intent.created',
      'payment_method.attached',
      'setup_intent.succeeded',
      'checkout.session.completed',
    ]);
  });

  it('an issuer-decline card cannot be set up; the session stays open', async () => {
    const customer = await h.stripe.customers.create();
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      customer: customer.id,
    });
    const declined = await complete(session.id, { payment_method: 'pm_card_visa_chargeDeclined' });
    expect(declined.status).toBe(402);
    expect(declined.body.error.setup_intent.status).toBe('requires_payment_method');
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });
});
