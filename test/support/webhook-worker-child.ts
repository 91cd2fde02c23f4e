// A worker process for the kill test: claims events from the shared PostgreSQL schema with a short
// lease, prints "STARTED <event id>" from inside the handler and then hangs until it is killed.
import Stripe from 'stripe';
import { openStore } from '../../src/billing/store/index.js';
import { createWebhookPipeline } from '../../src/billing/webhooks/index.js';

const databaseUrl = process.env.WEBHOOK_CHILD_DATABASE_URL;
const schema = process.env.WEBHOOK_CHILD_SCHEMA;
if (!databaseUrl || !schema)
  throw new Error('WEBHOOK_CHILD_DATABASE_URL and WEBHOOK_CHILD_SCHEMA are required');

const store = await openStore({ databaseUrl, schema, poolSize: 2 });
const pipeline = createWebhookPipeline({
  store,
  stripe: new Stripe('sk_test_child', { host: '127.0.0.1', port: 9, protocol: 'http' }),
  webhookSecrets: ['whsec_child_unused'],
  worker: { leaseMs: Number(process.env.WEBHOOK_CHILD_LEASE_MS ?? 1000) },
});
pipeline.on(
  'charge.succeeded',
  async (event) => {
    process.stdout.write(`STARTED ${event.id}\n`);
    await new Promise(() => undefined); // hang: the parent kills this process here
  },
  { name: 'fulfil' },
);
await pipeline.worker.processAvailable();
