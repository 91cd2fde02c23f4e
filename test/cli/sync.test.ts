// `coffer sync` through the real program, in-process, against the emulator and each database: a
// backfill mirrors what Stripe holds, and `--catch-up` feeds missed events through the pipeline.
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { getProduct } from '../../src/billing/mirror/read.js';
import { openStore } from '../../src/billing/store/index.js';
import { cliDatabases, runProgram, useEmulator } from './support.js';

vi.setConfig({ testTimeout: 60_000 });
const emulator = useEmulator();
async function mirroredProduct(env: NodeJS.ProcessEnv, id: string) {
  const store = await openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.COFFER_DATA_DIR,
    schema: env.COFFER_SCHEMA,
  });
  try {
    return await getProduct(store.db, id);
  } finally {
    await store.close();
  }
}

describe.each(cliDatabases)('coffer sync on $name', (database) => {
  it('backfills the mirror from the API, then catches up on missed events', async () => {
    const env = {
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_sync_test_secret',
    };
    const url = new URL(emulator.url);
    const stripe = new Stripe('sk_test_sync', {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
    });
    const early = await stripe.products.create({ name: 'Backfilled product' });

    const backfill = await runProgram(['sync', '--types', 'product', '--rate', '50'], env);
    expect(backfill).toContain('Backfill complete');
    expect(await mirroredProduct(env, early.id)).toMatchObject({ id: early.id });

    // No webhook endpoint is registered: this product's events reach Coffer only through catch-up.
    const late = await stripe.products.create({ name: 'Missed while down' });
    const caughtUp = await runProgram(['sync', '--catch-up'], env);
    expect(caughtUp).toMatch(/Caught up: .*processed \d+ event\(s\)/);
    expect(await mirroredProduct(env, late.id)).toMatchObject({ id: late.id });
  });
});
