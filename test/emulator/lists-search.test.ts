// Lists, pagination (manual and the SDK's auto-pagination), expand and the Search API.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let ids: string[]; // creation order
beforeAll(async () => {
  h = await startHarness();
  ids = [];
  // 1,000 customers, 16 at a time; every 100th has a marker email and metadata.
  for (let batch = 0; batch < 1000; batch += 16) {
    const made = await Promise.all(
      Array.from({ length: Math.min(16, 1000 - batch) }, (_, j) => batch + j).map((i) =>
        h.stripe.customers.create({
          email: i % 100 === 0 ? `hundred${i}@example.com` : `user${i}@example.com`,
          name: `User ${i}`,
          metadata: { n: String(i), tier: i % 2 === 0 ? 'even' : 'odd' },
        }),
      ),
    );
    ids.push(...made.map((c) => c.id));
  }
}, 60_000);
afterAll(() => h.emulator.close());

describe('pagination', () => {
  it('auto-pagination walks 1,000 customers exactly once each', async () => {
    const seen: string[] = [];
    for await (const c of h.stripe.customers.list({ limit: 100 })) seen.push(c.id);
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it('pages newest first with has_more, url and both cursors', async () => {
    const first = await h.stripe.customers.list({ limit: 3 });
    expect(first).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
    const created = first.data.map((c) => c.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const next = await h.stripe.customers.list({ limit: 3, starting_after: first.data[2]!.id });
    expect(next.data.map((c) => c.id)).not.toContain(first.data[2]!.id);
    const back = await h.stripe.customers.list({ limit: 3, ending_before: next.data[0]!.id });
    expect(back.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
    expect(back.has_more).toBe(false);
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await h.stripe.customers.list({ limit: 100, ...(after ? { starting_after: after } : {}) });
      count += page.data.length;
      if (!page.has_more) break;
      after = page.data.at(-1)!.id;
    }
    expect(count).toBe(1000);
  });

  it('auto-pagination backwards from ending_before visits every newer object once', async () => {
    const newestFirst = await h.stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    const cursor = newestFirst[60]!.id;
    const seen: string[] = [];
    for await (const c of h.stripe.customers.list({ limit: 7, ending_before: cursor })) seen.push(c.id);
    expect(seen).toHaveLength(60);
    expect(new Set(seen)).toEqual(new Set(newestFirst.slice(0, 60).map((c) => c.id)));
  });

  it('each list names its own path in url, including nested and search lists', async () => {
    const customer = ids[0]!;
    const pi = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const charge = await h.stripe.charges.retrieve(pi.latest_charge as string, { expand: ['refunds'] });
    const query = { query: "status:'succeeded'" };
    const urls = [
      (await h.stripe.paymentIntents.list()).url,
      (await h.stripe.charges.list()).url,
      (await h.stripe.refunds.list()).url,
      (await h.stripe.balanceTransactions.list()).url,
      (await h.stripe.events.list()).url,
      (await h.stripe.checkout.sessions.list()).url,
      (await h.stripe.customers.listPaymentMethods(customer)).url,
      (charge.refunds as Stripe.ApiList<Stripe.Refund>).url,
      (await h.stripe.paymentIntents.search(query)).url,
      (await h.stripe.charges.search(query)).url,
    ];
    expect(urls).toEqual([
      '/v1/payment_intents',
      '/v1/charges',
      '/v1/refunds',
      '/v1/balance_transactions',
      '/v1/events',
      '/v1/checkout/sessions',
      `/v1/customers/${customer}/payment_methods`,
      `/v1/charges/${charge.id}/refunds`,
      '/v1/payment_intents/search',
      '/v1/charges/search',
    ]);
  });

  it('validates limit and cursors', async () => {
    await expect(h.stripe.customers.list({ limit: 0 })).rejects.toMatchObject({ param: 'limit' });
    await expect(h.stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ param: 'limit' });
    await expect(h.stripe.customers.list({ starting_after: 'cus_nope' })).rejects.toMatchObject({
      param: 'starting_after',
      statusCode: 404,
    });
    expect((await h.stripe.customers.list()).data).toHaveLength(10);
  });

  it('filters by email and by created', async () => {
    const byEmail = await h.stripe.customers.list({ email: 'hundred300@example.com' });
    expect(byEmail.data.map((c) => c.id)).toEqual([ids[300]]);
    const now = Math.floor(Date.now() / 1000);
    expect((await h.stripe.customers.list({ created: { gt: now + 60 } })).data).toEqual([]);
    expect((await h.stripe.customers.list({ created: { lte: now + 60 }, limit: 5 })).data).toHaveLength(5);
  });
});

describe('expand', () => {
  it('expands ids into objects, nested up to four levels, and inside lists', async () => {
    const product = await h.stripe.products.create({
      name: 'Pro',
      default_price_data: { currency: 'usd', unit_amount: 900 },
    });
    const price = await h.stripe.prices.retrieve(product.default_price as string, { expand: ['product'] });
    expect(price.product).toMatchObject({ id: product.id, object: 'product' });
    // price → product → default_price → product → default_price: four levels.
    const deep = await h.stripe.prices.retrieve(price.id, {
      expand: ['product.default_price.product.default_price'],
    });
    const p1 = deep.product as Stripe.Product;
    const p2 = p1.default_price as Stripe.Price;
    const p3 = p2.product as Stripe.Product;
    expect((p3.default_price as Stripe.Price).id).toBe(price.id);
    await expect(
      h.stripe.prices.retrieve(price.id, { expand: ['product.default_price.product.default_price.product'] }),
    ).rejects.toThrow(/more than 4 levels/);
    const list = await h.stripe.prices.list({ expand: ['data.product'] });
    expect(list.data[0]!.product).toMatchObject({ object: 'product', id: product.id });
    // The stored object is untouched by expansion.
    expect((await h.stripe.prices.retrieve(price.id)).product).toBe(product.id);
    await expect(h.stripe.prices.list({ expand: ['product'] })).rejects.toMatchObject({ param: 'expand' });
  });

  it('works on create and update responses too', async () => {
    const product = await h.stripe.products.create({ name: 'Basic' });
    const price = await h.stripe.prices.create({
      currency: 'usd',
      unit_amount: 100,
      product: product.id,
      expand: ['product'],
    });
    expect((price.product as Stripe.Product).name).toBe('Basic');
  });
});

describe('search', () => {
  const q = (query: string, extra: Partial<Stripe.CustomerSearchParams> = {}) =>
    h.stripe.customers.search({ query, ...extra });

  it('field:value, case-insensitive, with single or double quotes', async () => {
    expect((await q("email:'HUNDRED200@example.com'")).data.map((c) => c.id)).toEqual([ids[200]]);
    expect((await q('email:"hundred200@example.com"')).data.map((c) => c.id)).toEqual([ids[200]]);
  });

  it("metadata['key']:'value', AND, OR, negation and substring", async () => {
    expect((await q("metadata['n']:'7'")).data.map((c) => c.id)).toEqual([ids[7]]);
    const and = await q("metadata['tier']:'even' AND email~'hundred'", { limit: 100 });
    expect(and.data).toHaveLength(10);
    const or = await q("email:'hundred100@example.com' OR email:'hundred900@example.com'");
    expect(new Set(or.data.map((c) => c.id))).toEqual(new Set([ids[100], ids[900]]));
    const not = await q("email~'hundred' AND -email:'hundred0@example.com'", { limit: 100 });
    expect(not.data).toHaveLength(9);
    expect((await q('phone:null', { limit: 1, expand: ['total_count'] })).total_count).toBe(1000);
    expect((await q('-phone:null')).data).toEqual([]);
    await expect(q("email:'a' AND name:'b' OR name:'c'")).rejects.toMatchObject({ param: 'query' });
    await expect(q("colour:'red'")).rejects.toThrow(/unsupported search field/);
  });

  it('numeric created comparisons, next_page, total_count and auto-pagination', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await q(`created>${now + 100}`)).data).toEqual([]);
    const page1 = await q(`created<=${now + 100}`, { limit: 100, expand: ['total_count'] });
    expect(page1).toMatchObject({
      object: 'search_result',
      has_more: true,
      url: '/v1/customers/search',
      total_count: 1000,
    });
    const page2 = await q(`created<=${now + 100}`, { limit: 100, page: page1.next_page! });
    expect(page2.data.map((c) => c.id)).not.toContain(page1.data[99]!.id);
    const seen = new Set<string>();
    for await (const c of h.stripe.customers.search({ query: "metadata['tier']:'odd'", limit: 100 }))
      seen.add(c.id);
    expect(seen.size).toBe(500);
  });

  it('prices and products are searchable too', async () => {
    const product = await h.stripe.products.create({ name: 'Searchable', metadata: { plan: 'gold' } });
    const price = await h.stripe.prices.create({
      currency: 'eur',
      unit_amount: 4200,
      product: product.id,
      lookup_key: 'gold_eur',
    });
    expect(
      (await h.stripe.prices.search({ query: "lookup_key:'gold_eur' AND currency:'eur'" })).data.map(
        (x) => x.id,
      ),
    ).toEqual([price.id]);
    expect(
      (await h.stripe.prices.search({ query: `product:'${product.id}' AND active:'true'` })).data,
    ).toHaveLength(1);
    expect(
      (await h.stripe.products.search({ query: "metadata['plan']:'gold'" })).data.map((x) => x.id),
    ).toEqual([product.id]);
  });
});
