// A real customer-and-payment life played against the emulator through the SDK, with the emulator's
// clock stepped so some events share a second (ties) and others do not.
import Stripe from 'stripe';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { closeStores } from './store.js';

export interface EmulatorClient {
  emulator: RunningEmulator;
  stripe: Stripe;
  /** Freezes the emulator's clock at `seconds` (Unix). */
  setClock(seconds: number): Promise<void>;
  /** Pays a Checkout Session as the hosted page would, with the Visa test card. */
  completeCheckout(sessionId: string): Promise<void>;
  /** Every event the emulator holds, oldest first. */
  allEvents(): Promise<Stripe.Event[]>;
  close(): Promise<void>;
}

export async function startEmulatorClient(): Promise<EmulatorClient> {
  const emulator = await startEmulator({ port: 0 });
  const stripe = new Stripe('sk_test_webhook_flow', {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
  });
  return {
    emulator,
    stripe,
    async setClock(seconds) {
      const res = await fetch(`${emulator.url}/_emulator/settings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: 'Bearer sk_test_webhook_flow',
        },
        body: `clock[fixed]=${seconds}`,
      });
      if (res.status !== 200)
        throw new Error(`setting the emulator clock failed: ${res.status} ${await res.text()}`);
    },
    async completeCheckout(sessionId) {
      const res = await fetch(`${emulator.url}/_emulator/checkout/sessions/${sessionId}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk_test_webhook_flow' },
        body: JSON.stringify({ payment_method: 'pm_card_visa' }),
      });
      if (res.status !== 200)
        throw new Error(`completing checkout failed: ${res.status} ${await res.text()}`);
    },
    async allEvents() {
      const events: Stripe.Event[] = [];
      for await (const event of stripe.events.list({ limit: 100 })) events.push(event);
      return events.reverse();
    },
    close: () => emulator.close(),
  };
}

/**
 * A customer signs up, is renamed, pays twice (one payment refunded in two parts, one disputed),
 * a product and price are created and changed, the customer buys it through Checkout, and finally
 * the customer is deleted.
 */
export async function customerAndPaymentLife(client: EmulatorClient, start: number): Promise<void> {
  const { stripe } = client;
  let t = start;
  const step = async (seconds: number) => {
    t += seconds;
    await client.setClock(t);
  };
  await step(0);
  const customer = await stripe.customers.create({
    email: 'ada@example.com',
    metadata: { user_id: 'user_ada' },
  });
  await stripe.customers.update(customer.id, { name: 'Ada' }); // same second: a tie
  await step(5);
  const paid = await stripe.paymentIntents.create({
    amount: 4_200,
    currency: 'eur',
    customer: customer.id,
    payment_method: 'pm_card_visa',
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  await step(3);
  await stripe.refunds.create({ payment_intent: paid.id, amount: 1_000 });
  await step(2);
  await stripe.refunds.create({ payment_intent: paid.id });
  await step(4);
  await stripe.customers.update(customer.id, { name: 'Ada Lovelace', metadata: { plan: 'pro' } });
  await stripe.paymentIntents.create({
    amount: 990,
    currency: 'eur',
    customer: customer.id,
    payment_method: 'pm_card_createDispute',
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  await step(1);
  const product = await stripe.products.create({ name: 'Coffee beans' });
  const price = await stripe.prices.create({
    product: product.id,
    unit_amount: 1_500,
    currency: 'eur',
    lookup_key: 'beans',
  });
  await stripe.products.update(product.id, { name: 'Coffee beans, 1 kg' });
  await step(2);
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    customer: customer.id,
    client_reference_id: 'user_ada',
    line_items: [{ price: price.id, quantity: 2 }],
    success_url: 'https://example.com/thanks',
    cancel_url: 'https://example.com/cart',
  });
  await client.completeCheckout(session.id);
  await step(6);
  await stripe.customers.del(customer.id);
}

/** For afterAll: stops the emulator (if it started) and closes the test stores. */
export async function shutdown(client: EmulatorClient | undefined): Promise<void> {
  await client?.close();
  await closeStores();
}
