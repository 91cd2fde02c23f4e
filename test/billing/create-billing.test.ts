// The composition root: configuration checks, what the instance exposes, worker and store lifecycles.
import { describe, expect, it } from 'vitest';
import { type BillingOptions, ConfigurationError, createBilling } from '../../src/billing/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { fileStore, startBillingApp } from '../support/billing-app.js';
import { uniqueUser, useTestEmulator } from '../support/billing-emulator.js';
import { storeTargets, uniqueSchema } from '../support/store.js';

const emu = useTestEmulator();

const base = {
  stripe: { emulatorUrl: '', secretKey: 'sk_test_coffer_tests', webhookSecret: 'whsec_test_secret' },
  logger: silentLogger,
  env: {},
};

/** An embedded in-memory instance against the emulator, worker not started. */
const memoryBilling = (extra: Partial<BillingOptions> = {}) =>
  createBilling({
    ...base,
    stripe: { ...base.stripe, emulatorUrl: emu.url },
    dataDir: 'memory',
    schema: uniqueSchema(),
    worker: false,
    ...extra,
  });

describe('createBilling configuration', () => {
  it('refuses to start without a webhook signing secret, naming the variable', async () => {
    const error = await createBilling({ ...base, stripe: { emulatorUrl: emu.url }, dataDir: 'memory' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/STRIPE_WEBHOOK_SECRET/);
  });

  it('refuses a live key outside live mode without echoing it', async () => {
    const key = 'sk_live_abcdefghijklmnop';
    const error = await createBilling({
      ...base,
      stripe: { secretKey: key, webhookSecret: 'whsec_x' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).not.toContain(key);
  });

  it('opens, migrates and closes its own embedded store', async () => {
    const billing = await memoryBilling();
    expect(billing.store.kind).toBe('pglite');
    const health = await billing.health();
    expect(health).toMatchObject({ database: 'ok', emulator: true, mode: 'test' });
    expect(health.webhooks).toMatchObject({ queueDepth: 0, deadLetters: 0 });
    const ensured = await billing.customers.ensure({ userId: uniqueUser('own') });
    expect(ensured.customerId).toMatch(/^cus_/);
    await billing.close();
    await billing.close(); // idempotent
    await expect(billing.store.ping()).rejects.toThrow();
  });

  it('hands its intake options to the webhook pipeline', async () => {
    const billing = await memoryBilling({ intake: { maxBodyBytes: 64 } });
    try {
      const res = await billing.webhooks.handle('x'.repeat(65), { 'stripe-signature': 't=1,v1=00' });
      expect(res.status).toBe(413);
      expect(res.body).toContain('the limit is 64');
    } finally {
      await billing.close();
    }
  });
});

describe.each(storeTargets)('createBilling on $name', (target) => {
  it('leaves a store it was given open, and worker:false processes only when asked', async () => {
    const store = await fileStore(target);
    const app = await startBillingApp(emu, store, { worker: false });
    const { billing } = app;
    const seen: string[] = [];
    billing.on('customer.created', (event) => {
      seen.push(event.id);
    });
    const userId = uniqueUser('manual');
    await billing.customers.ensure({ userId });
    // Delivered and stored, but nobody processes it until the worker is asked to.
    const queued = async () => (await billing.webhooks.health()).queueDepth;
    for (let i = 0; i < 100 && (await queued()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await queued()).toBeGreaterThan(0);
    expect(seen).toEqual([]);
    await billing.worker.processAvailable();
    expect(seen).toHaveLength(1);
    expect((await billing.mirror.customerForUser(userId))?.id).toBe(
      (await billing.customers.get(userId))?.customerId,
    );

    await app.close();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
