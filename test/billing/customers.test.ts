// One Stripe customer per user (seed rule 4), against the emulator over HTTP, on each store engine.
import { beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_CREATE } from '../../src/billing/customers/index.js';
import { mappingRow } from '../../src/billing/customers/tables.js';
import { createBilling } from '../../src/billing/index.js';
import { scopeKey } from '../../src/billing/operations/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { createStripeClient } from '../../src/billing/stripe-client.js';
import { StripeUpstreamError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';
import { eventually, fileStore, useBillingApp } from '../support/billing-app.js';
import { uniqueUser, useTestEmulator } from '../support/billing-emulator.js';
import { billingServices } from '../support/billing-services.js';
import { postgresUrl, storeTargets } from '../support/store.js';

const emu = useTestEmulator();

const customersOf = async (userId: string) =>
  (await emu.stripe.customers.search({ query: `metadata['user_id']:'${userId}'`, limit: 100 })).data;

describe.each(storeTargets)('customers.ensure on $name', (target) => {
  let store: Store;
  let services: ReturnType<typeof billingServices>;
  beforeAll(async () => {
    store = await fileStore(target);
    await store.migrate();
    services = billingServices(store, emu.stripe);
  });

  it('creates one customer with metadata.user_id and created_via, and stores the mapping', async () => {
    const userId = uniqueUser();
    const ensured = await services.customers.ensure({ userId, email: 'ada@example.com', name: 'Ada' });
    expect(ensured).toMatchObject({ userId, created: true, source: 'created', email: 'ada@example.com' });
    const customer = await emu.stripe.customers.retrieve(ensured.customerId);
    expect(customer).toMatchObject({ metadata: { user_id: userId, created_via: 'coffer' }, name: 'Ada' });

    const again = await services.customers.ensure({ userId, email: 'ada@example.com' });
    expect(again).toMatchObject({ customerId: ensured.customerId, created: false });
    expect(await services.customers.get(userId)).toMatchObject({ customerId: ensured.customerId });
    expect(await customersOf(userId)).toHaveLength(1);
  });

  it('a crash after the create request left (answer lost) is finished by the next ensure under the same key', async () => {
    const userId = uniqueUser('crash');
    const request = { email: 'crash@example.com', metadata: { user_id: userId, created_via: 'coffer' } };
    const attempt = await services.operations.begin({
      kind: CUSTOMER_CREATE,
      scope: scopeKey({ user: userId }),
      userId,
      request,
    });
    const lost = await emu.stripe.customers.create(request, { idempotencyKey: attempt.idempotencyKey });
    const ensured = await services.customers.ensure({ userId, email: 'crash@example.com' });
    expect(ensured).toMatchObject({ customerId: lost.id, created: true });
    expect(await customersOf(userId)).toHaveLength(1);
  });

  it('a create answered 500 after Stripe made the customer is recovered by its key, not made twice', async () => {
    const userId = uniqueUser('fivehundred');
    const request = { metadata: { user_id: userId, created_via: 'coffer' } };
    // Stripe created the customer, then answered 500 (and replays that 500 for the key).
    const made: string[] = [];
    await expect(
      services.operations.run({
        kind: CUSTOMER_CREATE,
        scope: scopeKey({ user: userId }),
        userId,
        request,
        call: async (params, idempotencyKey) => {
          made.push((await emu.stripe.customers.create(params, { idempotencyKey })).id);
          throw new StripeUpstreamError('customers.create', { statusCode: 500, message: 'api_error' });
        },
      }),
    ).rejects.toBeInstanceOf(StripeUpstreamError);
    // Search lags writes (here: unavailable) and the user gave no email to list by.
    await emu.control('/_emulator/settings', {
      failures: [{ method: 'GET', path: '/v1/customers/search', status: 500, count: 20 }],
    });
    try {
      const ensured = await services.customers.ensure({ userId });
      expect(ensured).toMatchObject({ customerId: made[0], source: 'recovered_operation' });
    } finally {
      await emu.control('/_emulator/settings', { failures: null });
    }
    expect(await customersOf(userId)).toHaveLength(1);
  });

  it('reports created (and source created) even when the customer.created webhook mapped it first', async () => {
    const userId = uniqueUser('webhook-first');
    // A Stripe client whose customers.create returns only after the webhook handler adopted the customer.
    const adoptingFirst = new Proxy(emu.stripe, {
      get(target, prop) {
        if (prop !== 'customers') return Reflect.get(target, prop);
        return new Proxy(target.customers, {
          get(customers, method) {
            if (method !== 'create') return Reflect.get(customers, method);
            return async (...args: Parameters<typeof customers.create>) => {
              const customer = await customers.create(...args);
              await store.db
                .insertInto('customers_by_user')
                .values(mappingRow(userId, customer, 'webhook', new Date()))
                .execute();
              return customer;
            };
          },
        });
      },
    });
    const ensured = await billingServices(store, adoptingFirst).customers.ensure({ userId });
    expect(ensured).toMatchObject({ created: true, source: 'created' });
    expect(await services.customers.get(userId)).toMatchObject({ source: 'created' });
  });

  it('concurrent ensure calls for one user create one customer', async () => {
    const userId = uniqueUser('race');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => services.customers.ensure({ userId, email: 'race@example.com' })),
    );
    expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
    expect(await customersOf(userId)).toHaveLength(1);
  });

  it('a lost mapping (and lost attempts) is recovered by searching Stripe, not by creating again', async () => {
    const userId = uniqueUser('lost');
    const first = await services.customers.ensure({ userId, email: 'lost@example.com' });
    await store.db.deleteFrom('customers_by_user').where('user_id', '=', userId).execute();
    await store.db.deleteFrom('operations').where('user_id', '=', userId).execute();

    const recovered = await services.customers.ensure({ userId, email: 'lost@example.com' });
    expect(recovered).toMatchObject({
      customerId: first.customerId,
      created: false,
      source: 'recovered_search',
    });
    expect(await customersOf(userId)).toHaveLength(1);
  });

  it('a lost mapping whose attempt is still recorded is recovered from the attempt', async () => {
    const userId = uniqueUser('oplog');
    const first = await services.customers.ensure({ userId });
    await store.db.deleteFrom('customers_by_user').where('user_id', '=', userId).execute();
    const recovered = await services.customers.ensure({ userId });
    expect(recovered).toMatchObject({ customerId: first.customerId, source: 'recovered_operation' });
  });

  it('falls back to the email list when search fails, adopting only a customer carrying the user id', async () => {
    const userId = uniqueUser('email');
    const email = `${userId}@example.com`;
    // A customer with this user id exists in Stripe, plus another with the same email but no user id.
    const mine = await emu.stripe.customers.create({ email, metadata: { user_id: userId } });
    await emu.stripe.customers.create({ email });
    await emu.control('/_emulator/settings', {
      delays: [{ method: 'GET', path: '/v1/customers/search', ms: 1500 }],
    });
    try {
      const impatient = createStripeClient(
        { stripe: { secretKey: 'sk_test_x', webhookSecrets: [], emulatorUrl: emu.url } },
        { timeoutMs: 300, maxNetworkRetries: 0 },
      );
      const ensured = await billingServices(store, impatient).customers.ensure({ userId, email });
      expect(ensured).toMatchObject({ customerId: mine.id, source: 'recovered_email', created: false });
    } finally {
      await emu.control('/_emulator/settings', { delays: [] });
    }
  });

  it('after the mapped customer is deleted, ensure creates a new one', async () => {
    const userId = uniqueUser('deleted');
    const first = await services.customers.ensure({ userId });
    await emu.stripe.customers.del(first.customerId);
    // What the customer.deleted handler does when the event arrives.
    await store.db
      .updateTable('customers_by_user')
      .set({ deleted_at: new Date() })
      .where('customer_id', '=', first.customerId)
      .execute();
    const second = await services.customers.ensure({ userId });
    expect(second.customerId).not.toBe(first.customerId);
    expect(second.created).toBe(true);
    expect(await services.customers.byCustomerId(first.customerId)).toMatchObject({
      deletedAt: expect.any(Date),
    });
  });

  it('rejects bad input naming the field', async () => {
    await expect(services.customers.ensure({ userId: '' })).rejects.toMatchObject({ field: 'userId' });
    await expect(services.customers.ensure({ userId: 'u1', email: 'nope' })).rejects.toMatchObject({
      field: 'email',
    });
  });
});

describe.runIf(postgresUrl)('customers.ensure across two Billing instances on one PostgreSQL', () => {
  it('two instances sharing a schema create one customer for one user', async () => {
    const [postgres] = storeTargets.filter((t) => t.name === 'postgres');
    const first = await postgres!.open();
    const second = await postgres!.open({ schema: first.schema });
    const instance = (store: Store) =>
      createBilling({
        stripe: { emulatorUrl: emu.url, secretKey: 'sk_test_pair', webhookSecret: 'whsec_pair' },
        store,
        worker: false,
        logger: silentLogger,
        env: {},
      });
    const [one, two] = [await instance(first), await instance(second)];
    try {
      for (let round = 0; round < 5; round++) {
        const userId = uniqueUser(`pair${round}`);
        const results = await Promise.all([
          one.customers.ensure({ userId }),
          two.customers.ensure({ userId }),
          one.customers.ensure({ userId }),
          two.customers.ensure({ userId }),
        ]);
        expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
        expect(await customersOf(userId)).toHaveLength(1);
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe.each(storeTargets)('customer webhooks keep the mapping right on $name', (target) => {
  const billing = useBillingApp(emu, target);

  it('customer.updated refreshes the mapping; customer.deleted tombstones it and the next ensure creates anew', async () => {
    const userId = uniqueUser('hooks');
    const first = await billing.customers.ensure({ userId, email: 'old@example.com' });
    await emu.stripe.customers.update(first.customerId, { email: 'new@example.com' });
    await eventually(
      async () => (await billing.customers.get(userId))?.email === 'new@example.com',
      'the updated email',
    );

    await emu.stripe.customers.del(first.customerId);
    await eventually(async () => (await billing.customers.get(userId)) === undefined, 'the tombstone');
    const second = await billing.customers.ensure({ userId, email: 'new@example.com' });
    expect(second).toMatchObject({ created: true });
    expect(second.customerId).not.toBe(first.customerId);
  });

  it('a customer created elsewhere with metadata.user_id is adopted for a user without one', async () => {
    const userId = uniqueUser('adopt');
    const made = await emu.stripe.customers.create({
      email: 'made@example.com',
      metadata: { user_id: userId },
    });
    const adopted = await eventually(async () => billing.customers.get(userId), 'the adopted mapping');
    expect(adopted).toMatchObject({ customerId: made.id, source: 'webhook' });
    expect(await billing.customers.ensure({ userId })).toMatchObject({ customerId: made.id, created: false });
  });
});
