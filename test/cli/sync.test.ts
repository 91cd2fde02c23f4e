// `coffer sync` through the real program, against the emulator and each database: a backfill mirrors
// what Stripe holds and shows per-type counts and a summary, and `--catch-up` feeds missed events
// through the pipeline.
import { once } from 'node:events';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { getProduct } from '../../src/billing/mirror/read.js';
import { openStore } from '../../src/billing/store/index.js';
import { childEnv, cliDatabases, runCli, runProgram, useEmulator } from './support.js';

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

const emulatorStripe = () => {
  const url = new URL(emulator.url);
  return new Stripe('sk_test_sync', { host: url.hostname, port: Number(url.port), protocol: 'http' });
};

describe.each(cliDatabases)('coffer sync on $name', (database) => {
  it('backfills the mirror from the API, then catches up on missed events', async () => {
    const env = {
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_sync_test_secret',
    };
    const stripe = emulatorStripe();
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

  describe('with its output piped (not a terminal)', () => {
    // What the API holds, and everything `coffer sync` printed on stdout and stderr.
    const listed = { customer: 0, product: 0 };
    let output = '';
    let exitCode: number | null = null;
    beforeAll(async () => {
      const stripe = emulatorStripe();
      for (let i = 0; i < 3; i++) await stripe.customers.create({ email: `piped${i}@example.com` });
      await stripe.products.create({ name: 'Piped product' });
      listed.customer = (await stripe.customers.list({ limit: 100 })).data.length;
      listed.product = (await stripe.products.list({ limit: 100 })).data.length;
      const env = childEnv({
        ...(await database.env()),
        COFFER_EMULATOR_URL: emulator.url,
        STRIPE_WEBHOOK_SECRET: 'whsec_sync_test_secret',
      });
      const sync = runCli(['sync', '--types', 'customer,product'], env);
      // 'close', not 'exit': only then have its stdout and stderr been read to the end.
      [exitCode] = await once(sync.child, 'close');
      output = sync.output();
    });
    const barLines = () => [...output.matchAll(/^ (\S+) +\S* (\d+) fetched, (\d+) written (done)?$/gm)];

    it('prints each type’s final counts once and a summary', () => {
      expect(exitCode, output).toBe(0);
      // Progress bars are not redrawn into a pipe: one final line per type, in the order synced.
      expect(barLines().map(([, , fetched, written, done]) => [fetched, written, done])).toEqual([
        [`${listed.customer}`, `${listed.customer}`, 'done'],
        [`${listed.product}`, `${listed.product}`, 'done'],
      ]);
      expect(output).toContain('Backfill complete');
      const summary = JSON.parse(output.split('\n').find((l) => l.startsWith('{"types"')) ?? '{}');
      expect(summary).toMatchObject({
        aborted: false,
        types: [
          { type: 'customer', fetched: listed.customer, written: listed.customer, complete: true },
          { type: 'product', fetched: listed.product, written: listed.product, complete: true },
        ],
      });
    });

    // Off a terminal cli-progress never starts the bar; each line must still name its type.
    it('names the type on each line', () => {
      expect(barLines().map(([, type]) => type)).toEqual(['customer', 'product']);
    });
  });
});
