// Load child for the emulator benchmark: the official `stripe` SDK (v23) in its own process, running a
// round-robin mix of operations against an emulator over loopback.
import { Agent } from 'node:http';
import Stripe from 'stripe';
import { serveParent } from '../lib/child.js';
import { SDK_OPERATIONS, type SdkLoadJob, type SdkOperation } from './sdk-operations.js';
import { runShape } from './shapes.js';

interface Fixtures {
  customers: string[];
  products: string[];
}

function client(port: number, concurrency: number): Stripe {
  return new Stripe('sk_test_bench', {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeout: 10_000,
    telemetry: false,
    httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }),
  });
}

function operation(stripe: Stripe, name: SdkOperation, i: number, fixtures: Fixtures): Promise<unknown> {
  const pick = (list: string[]) => list[i % list.length] as string;
  switch (name) {
    case 'customers.create':
      return stripe.customers.create({
        email: `bench-${i}@example.com`,
        name: `Bench Customer ${i}`,
        metadata: { user_id: `user_${i}` },
      });
    case 'customers.retrieve':
      return stripe.customers.retrieve(pick(fixtures.customers));
    case 'customers.list':
      return stripe.customers.list({ limit: 10 });
    case 'products.create':
      return stripe.products.create({ name: `Bench product ${i}`, metadata: { tier: String(i % 3) } });
    case 'prices.create':
      return stripe.prices.create({
        product: pick(fixtures.products),
        unit_amount: 100 + (i % 50),
        currency: 'usd',
      });
    case 'payment_intents.create+confirm':
      return stripe.paymentIntents.create({
        amount: 1000 + (i % 100),
        currency: 'usd',
        customer: pick(fixtures.customers),
        payment_method: 'pm_card_visa',
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        confirm: true,
      });
  }
}

serveParent({
  /** Runs one operation of each kind once, so the caller learns which the emulator supports. */
  probe: async ({ port }: { port: number }) => {
    const stripe = client(port, 4);
    const fixtures = await prepare(stripe, 2);
    const supported: Partial<Record<SdkOperation, string | null>> = {};
    for (const name of SDK_OPERATIONS) {
      try {
        await operation(stripe, name, 0, fixtures);
        supported[name] = null;
      } catch (error) {
        supported[name] = error instanceof Error ? error.message : String(error);
      }
    }
    return supported;
  },
  run: async (job: SdkLoadJob) => {
    const concurrency = job.shape.kind === 'closed' ? job.shape.concurrency : 256;
    const stripe = client(job.port, concurrency);
    const fixtures = job.operations.some((o) => o !== 'customers.create' && o !== 'products.create')
      ? await prepare(stripe, 50)
      : { customers: [], products: [] };
    const label = (i: number) => job.operations[i % job.operations.length] as SdkOperation;
    return runShape(
      job.shape,
      async (i) => {
        await operation(stripe, label(i), i, fixtures);
        return label(i);
      },
      { label },
    );
  },
});

async function prepare(stripe: Stripe, count: number): Promise<Fixtures> {
  const customers: string[] = [];
  const products: string[] = [];
  for (let i = 0; i < count; i++) {
    customers.push((await stripe.customers.create({ email: `fixture-${i}@example.com` })).id);
    products.push((await stripe.products.create({ name: `Fixture ${i}` })).id);
  }
  return { customers, products };
}
