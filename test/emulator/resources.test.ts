// Customers, products, one-time prices and the events they emit, through the SDK.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
beforeEach(() => h.control('/_emulator/reset', {}));
afterAll(() => h.emulator.close());

describe('customers', () => {
  it('create, retrieve, update, delete in the endive shape', async () => {
    const c = await h.stripe.customers.create({
      email: 'ann@example.com',
      name: 'Ann',
      address: { line1: '1 Main St', country: 'US' },
      shipping: { name: 'Ann', address: { city: 'Boston' } },
      metadata: { user_id: 'u_1' },
    });
    expect(c).toMatchObject({
      object: 'customer',
      livemode: false,
      balance: 0,
      delinquent: false,
      email: 'ann@example.com',
      invoice_settings: { default_payment_method: null, custom_fields: null, footer: null },
      shipping: { name: 'Ann', address: { city: 'Boston', line1: null }, phone: null },
      tax_exempt: 'none',
    });
    expect(c.id).toMatch(/^cus_/);
    expect(c.invoice_prefix).toMatch(/^[A-Z0-9]{8}$/);
    const { lastResponse: _a, ...created } = c;
    const { lastResponse: _b, ...fetched } = await h.stripe.customers.retrieve(c.id);
    expect(fetched).toEqual(created);
    const u = await h.stripe.customers.update(c.id, { name: 'Ann B', phone: '+1555', shipping: '' as never });
    expect(u).toMatchObject({ name: 'Ann B', phone: '+1555', shipping: null, email: 'ann@example.com' });
    const del = await h.stripe.customers.del(c.id);
    expect(del).toMatchObject({ id: c.id, object: 'customer', deleted: true });
    // As on Stripe, a deleted customer still retrieves, as a stub; changing it is a 404.
    const { lastResponse: _c, ...stub } = await h.stripe.customers.retrieve(c.id);
    expect(stub).toEqual({ id: c.id, object: 'customer', deleted: true });
    await expect(h.stripe.customers.update(c.id, { name: 'x' })).rejects.toMatchObject({
      code: 'resource_missing',
    });
    await expect(h.stripe.customers.del(c.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await h.stripe.customers.list()).data).toEqual([]);
  });

  it('emits created, updated (with previous_attributes) and deleted events', async () => {
    const c = await h.stripe.customers.create({ email: 'e@example.com', metadata: { a: '1' } });
    await h.stripe.customers.update(c.id, { email: 'f@example.com', metadata: { a: '', b: '2' } });
    await h.stripe.customers.update(c.id, { email: 'f@example.com' }); // no change → no event
    await h.stripe.customers.del(c.id);
    const events = await h.stripe.events.list();
    expect(events.data.map((e) => e.type)).toEqual([
      'customer.deleted',
      'customer.updated',
      'customer.created',
    ]);
    const updated = events.data[1]!;
    expect(updated.data.previous_attributes).toEqual({
      email: 'e@example.com',
      metadata: { a: '1', b: null },
    });
    expect(updated.data.object).toMatchObject({ id: c.id, email: 'f@example.com', metadata: { b: '2' } });
    const created = events.data[2]!;
    expect(created).toMatchObject({
      object: 'event',
      api_version: '2026-10-28.endive',
      livemode: false,
      pending_webhooks: 0,
    });
    // The creation snapshot does not change when the customer does.
    expect(created.data.object).toMatchObject({ email: 'e@example.com', metadata: { a: '1' } });
    expect(created.id).toMatch(/^evt_/);
  });

  it('sets an attached payment method as default and expands it, also inside lists', async () => {
    const c = await h.stripe.customers.create({ email: 'pm@example.com' });
    const pm = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: c.id });
    const updated = await h.stripe.customers.update(c.id, {
      invoice_settings: { default_payment_method: pm.id },
      expand: ['invoice_settings.default_payment_method'],
    });
    expect(updated.invoice_settings.default_payment_method).toMatchObject({
      id: pm.id,
      object: 'payment_method',
    });
    const stored = await h.stripe.customers.retrieve(c.id);
    expect((stored as Stripe.Customer).invoice_settings.default_payment_method).toBe(pm.id);
    const intent = await h.stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: c.id });
    const list = await h.stripe.paymentIntents.list({
      expand: ['data.customer', 'data.customer.invoice_settings.default_payment_method'],
    });
    const expanded = list.data.find((x) => x.id === intent.id)!.customer as Stripe.Customer;
    expect(expanded).toMatchObject({ id: c.id, email: 'pm@example.com' });
    expect(expanded.invoice_settings.default_payment_method).toMatchObject({ id: pm.id });
    const cleared = await h.stripe.customers.update(c.id, {
      invoice_settings: { default_payment_method: '' },
    });
    expect(cleared.invoice_settings.default_payment_method).toBeNull();
    // Another customer's payment method cannot be the default.
    const other = await h.stripe.customers.create();
    await expect(
      h.stripe.customers.update(other.id, { invoice_settings: { default_payment_method: pm.id } }),
    ).rejects.toThrow(/must be attached to the customer/);
  });

  it('rejects a default payment method that is not attached', async () => {
    const c = await h.stripe.customers.create();
    await expect(
      h.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: 'pm_nope' } }),
    ).rejects.toMatchObject({
      statusCode: 404,
      param: 'invoice_settings[default_payment_method]',
    });
  });
});

describe('products and one-time prices', () => {
  it('creates a product with default_price_data and expands the default price', async () => {
    const product = await h.stripe.products.create({
      name: 'Pro',
      description: 'The pro plan',
      default_price_data: { currency: 'USD', unit_amount: 2000 },
      expand: ['default_price'],
    });
    const price = product.default_price as Stripe.Price;
    expect(price).toMatchObject({
      object: 'price',
      currency: 'usd',
      unit_amount: 2000,
      type: 'one_time',
      recurring: null,
      billing_scheme: 'per_unit',
      product: product.id,
      active: true,
      tax_behavior: 'unspecified',
    });
    expect(String(price.unit_amount_decimal)).toBe('2000');
    expect(product).toMatchObject({
      object: 'product',
      active: true,
      name: 'Pro',
      type: 'service',
      images: [],
    });
    const types = (await h.stripe.events.list()).data.map((e) => e.type).sort();
    expect(types).toEqual(['price.created', 'product.created']);
  });

  it('custom product ids, update, list filters and delete rules', async () => {
    const p = await h.stripe.products.create({ id: 'prod_custom', name: 'Custom' });
    expect(p.id).toBe('prod_custom');
    await expect(h.stripe.products.create({ id: 'prod_custom', name: 'Again' })).rejects.toMatchObject({
      code: 'resource_already_exists',
    });
    const inactive = await h.stripe.products.update(p.id, { active: false, metadata: { k: 'v' } });
    expect(inactive).toMatchObject({ active: false, metadata: { k: 'v' } });
    await h.stripe.products.create({ name: 'Other' });
    expect((await h.stripe.products.list({ active: false })).data.map((x) => x.id)).toEqual(['prod_custom']);
    expect((await h.stripe.products.list({ ids: ['prod_custom'] })).data).toHaveLength(1);
    await h.stripe.prices.create({ product: p.id, currency: 'usd', unit_amount: 1 });
    await expect(h.stripe.products.del(p.id)).rejects.toThrow(/has one or more user-created prices/);
    const other = (await h.stripe.products.list({ active: true })).data[0]!;
    expect(await h.stripe.products.del(other.id)).toMatchObject({ deleted: true, object: 'product' });
  });

  it('prices: product_data, unit_amount_decimal, exclusivity and unsupported kinds', async () => {
    const price = await h.stripe.prices.create({
      currency: 'eur',
      unit_amount_decimal: Stripe.Decimal.from('12.50'),
      product_data: { name: 'Seat' },
    });
    expect(price).toMatchObject({ unit_amount: null, currency: 'eur' });
    // The SDK wraps decimal strings in its Decimal type; the wire value is the trimmed string.
    expect(String(price.unit_amount_decimal)).toBe('12.5');
    const product = await h.stripe.products.retrieve(price.product as string);
    expect(product.name).toBe('Seat');
    const whole = await h.stripe.prices.create({
      currency: 'jpy',
      unit_amount_decimal: Stripe.Decimal.from('500'),
      product: product.id,
    });
    expect(whole.unit_amount).toBe(500);
    await expect(
      h.stripe.prices.create({
        currency: 'usd',
        unit_amount: 1,
        unit_amount_decimal: Stripe.Decimal.from('1'),
        product: product.id,
      }),
    ).rejects.toMatchObject({
      code: 'parameters_exclusive',
    });
    await expect(h.stripe.prices.create({ currency: 'usd', product: product.id })).rejects.toMatchObject({
      code: 'parameter_missing',
    });
    await expect(h.stripe.prices.create({ currency: 'usd', unit_amount: 1 })).rejects.toMatchObject({
      param: 'product',
    });
    await expect(
      h.stripe.prices.create({ currency: 'usdollar', unit_amount: 1, product: product.id }),
    ).rejects.toMatchObject({ param: 'currency' });
    await expect(
      h.stripe.prices.create({
        currency: 'usd',
        unit_amount: 1,
        product: product.id,
        recurring: { interval: 'month' },
      }),
    ).rejects.toThrow(/does not support recurring prices yet/);
    // A failed price with product_data leaves no orphan product behind.
    const before = (await h.stripe.products.list()).data.length;
    await expect(
      h.stripe.prices.create({ currency: 'usd', product_data: { name: 'Orphan' } }),
    ).rejects.toMatchObject({ code: 'parameter_missing' });
    expect((await h.stripe.products.list()).data.length).toBe(before);
  });

  it('lookup keys are unique and move with transfer_lookup_key', async () => {
    const product = await h.stripe.products.create({ name: 'Plan' });
    const v1 = await h.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1000,
      lookup_key: 'plan_standard',
    });
    await expect(
      h.stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 1200,
        lookup_key: 'plan_standard',
      }),
    ).rejects.toThrow(/already uses that lookup key/);
    const v2 = await h.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1200,
      lookup_key: 'plan_standard',
      transfer_lookup_key: true,
    });
    expect((await h.stripe.prices.retrieve(v1.id)).lookup_key).toBeNull();
    const found = await h.stripe.prices.list({ lookup_keys: ['plan_standard', 'other'] });
    expect(found.data.map((x) => x.id)).toEqual([v2.id]);
    const moved = (await h.stripe.events.list({ type: 'price.updated' })).data[0]!;
    expect(moved.data.previous_attributes).toEqual({ lookup_key: 'plan_standard' });
    const updated = await h.stripe.prices.update(v1.id, { active: false, nickname: 'old' });
    expect(updated).toMatchObject({ active: false, nickname: 'old' });
    expect((await h.stripe.prices.list({ active: true, product: product.id })).data.map((x) => x.id)).toEqual(
      [v2.id],
    );
    expect((await h.stripe.prices.list({ currency: 'eur' })).data).toEqual([]);
  });
});

describe('events API', () => {
  it('lists with type, wildcard, types[] and created filters, and retrieves by id', async () => {
    await h.stripe.customers.create();
    const product = await h.stripe.products.create({ name: 'X' });
    await h.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 5 });
    expect((await h.stripe.events.list({ type: 'product.created' })).data).toHaveLength(1);
    expect((await h.stripe.events.list({ type: 'pr*' })).data).toHaveLength(2);
    const two = await h.stripe.events.list({ types: ['customer.created', 'price.created'] });
    expect(two.data.map((e) => e.type).sort()).toEqual(['customer.created', 'price.created']);
    const now = Math.floor(Date.now() / 1000);
    expect((await h.stripe.events.list({ created: { gt: now + 10 } })).data).toEqual([]);
    const one = two.data[0]!;
    expect(await h.stripe.events.retrieve(one.id)).toMatchObject({ id: one.id, type: one.type });
    await expect(h.stripe.events.retrieve('evt_nope')).rejects.toMatchObject({ statusCode: 404 });
    const tooMany = Array.from({ length: 21 }, (_, i) => `customer.t${i}`) as Stripe.Event.Type[];
    await expect(h.stripe.events.list({ types: tooMany })).rejects.toMatchObject({ param: 'types' });
    await expect(
      h.stripe.events.list({ type: 'customer.created', types: ['price.created'] }),
    ).rejects.toMatchObject({ code: 'parameters_exclusive' });
  });

  it('filters created with gt, gte, lt and lte', async () => {
    const t = 1_800_000_000;
    try {
      for (const at of [t, t + 100, t + 200]) {
        await h.control('/_emulator/settings', { clock: { fixed: at } });
        await h.stripe.customers.create();
      }
      const createdAt = async (created: Stripe.RangeQueryParam) =>
        (await h.stripe.events.list({ type: 'customer.created', created })).data.map((e) => e.created);
      expect(await createdAt({ gt: t + 100 })).toEqual([t + 200]);
      expect(await createdAt({ gte: t + 100 })).toEqual([t + 200, t + 100]);
      expect(await createdAt({ lt: t + 100 })).toEqual([t]);
      expect(await createdAt({ lte: t + 100 })).toEqual([t + 100, t]);
      expect(await createdAt({ gte: t, lt: t + 200 })).toEqual([t + 100, t]);
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });

  it('serves events of the last 30 days only, like Stripe', async () => {
    const t = 1_800_000_000;
    try {
      await h.control('/_emulator/settings', { clock: { fixed: t } });
      await h.stripe.customers.create();
      const old = (await h.stripe.events.list({ type: 'customer.created' })).data[0]!;
      await h.control('/_emulator/settings', { clock: { fixed: t + 29 * 86_400 } });
      expect((await h.stripe.events.retrieve(old.id)).id).toBe(old.id);
      await h.control('/_emulator/settings', { clock: { fixed: t + 30 * 86_400 + 1 } });
      await h.stripe.customers.create();
      const listed = await h.stripe.events.list({ type: 'customer.created' });
      expect(listed.data.map((e) => e.id)).not.toContain(old.id);
      expect(listed.data).toHaveLength(1);
      await expect(h.stripe.events.retrieve(old.id)).rejects.toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
      });
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });

  it('uses the emulator clock for created, which tests can fix', async () => {
    await h.control('/_emulator/settings', { clock: { fixed: 1_800_000_000 } });
    try {
      const c = await h.stripe.customers.create();
      expect(c.created).toBe(1_800_000_000);
      const e = (await h.stripe.events.list({ type: 'customer.created' })).data[0]!;
      expect(e.created).toBe(1_800_000_000);
      await h.control('/_emulator/settings', { clock: { offset_seconds: 86_400 } });
      const later = await h.stripe.customers.create();
      expect(later.created).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 86_400 - 5);
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });
});
