// The v1 wire protocol through the official SDK and raw HTTP: form encoding, auth, headers, errors.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

describe('form encoding', () => {
  it('decodes nested objects, indexed and [] arrays, and literal or encoded brackets', async () => {
    const res = await h.raw(
      '/v1/customers',
      form(
        'email=a%40example.com&address[city]=Paris&address%5Bcountry%5D=FR&preferred_locales[]=fr&preferred_locales[]=en' +
          '&invoice_settings[custom_fields][1][name]=PO&invoice_settings[custom_fields][1][value]=42' +
          '&invoice_settings[custom_fields][0][name]=VAT&invoice_settings[custom_fields][0][value]=FR1',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.email).toBe('a@example.com');
    expect(res.body.address).toMatchObject({ city: 'Paris', country: 'FR', line1: null });
    expect(res.body.preferred_locales).toEqual(['fr', 'en']);
    // Indexes give the order, whatever order they were sent in.
    expect(res.body.invoice_settings.custom_fields).toEqual([
      { name: 'VAT', value: 'FR1' },
      { name: 'PO', value: '42' },
    ]);
  });

  it('treats an empty string as unset, for one metadata key, all metadata and a scalar', async () => {
    const c = await h.stripe.customers.create({ description: 'd', metadata: { a: '1', b: '2', c: '3' } });
    let res = await h.raw(`/v1/customers/${c.id}`, form('metadata[a]=&description='));
    expect(res.body.metadata).toEqual({ b: '2', c: '3' });
    expect(res.body.description).toBeNull();
    res = await h.raw(`/v1/customers/${c.id}`, form('metadata='));
    expect(res.body.metadata).toEqual({});
  });

  it('accepts JSON bodies and GET parameters in the query string', async () => {
    const res = await h.raw('/v1/customers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'json@example.com', balance: 250, metadata: { n: 5 } }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'json@example.com', balance: 250, metadata: { n: '5' } });
    const list = await h.raw('/v1/customers?email=json%40example.com&limit=1');
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
  });

  it('refuses an empty string where a field cannot be unset', async () => {
    const res = await h.raw('/v1/customers', form('balance='));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_invalid_empty',
      param: 'balance',
    });
  });
});

describe('authentication', () => {
  const keyed = (key: string) =>
    new Stripe(key, { host: '127.0.0.1', port: h.emulator.port, protocol: 'http', maxNetworkRetries: 0 });

  it('accepts any sk_test_ and rk_test_ key, Bearer or Basic', async () => {
    await expect(keyed('sk_test_anything').customers.list()).resolves.toMatchObject({ object: 'list' });
    await expect(keyed('rk_test_restricted').customers.list()).resolves.toMatchObject({ object: 'list' });
    const basic = await h.raw('/v1/customers', {
      authorization: `Basic ${Buffer.from('sk_test_basic:').toString('base64')}`,
    });
    expect(basic.status).toBe(200);
  });

  it('answers 401 with Stripe’s body for a missing, malformed, live or publishable key', async () => {
    const missing = await h.raw('/v1/customers', { authorization: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error.type).toBe('invalid_request_error');
    expect(missing.body.error.message).toMatch(/You did not provide an API key/);
    const malformed = await h.raw('/v1/customers', { authorization: 'Bearer not-a-key-1234' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.message).toMatch(/Invalid API Key provided: \*+1234/);
    await expect(keyed('sk_live_abcdef1234').customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
    await expect(keyed('sk_live_abcdef1234').customers.list()).rejects.toThrow(
      /sk_live_\*+1234.*only accepts test-mode keys/,
    );
    await expect(keyed('pk_test_abc').customers.list()).rejects.toThrow(/publishable API key/);
  });
});

describe('headers and routes', () => {
  it('sends a Request-Id on every response and echoes Stripe-Version', async () => {
    const ok = await h.raw('/v1/customers', { headers: { 'stripe-version': '2025-03-31.basil' } });
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    expect(ok.headers.get('stripe-version')).toBe('2025-03-31.basil');
    const c = await h.stripe.customers.create();
    expect(c.lastResponse.requestId).toMatch(/^req_/);
    expect(c.lastResponse.apiVersion).toBe('2026-10-28.endive');
    const unauth = await h.raw('/v1/customers', { authorization: null });
    expect(unauth.headers.get('request-id')).toMatch(/^req_/);
  });

  it('answers unknown routes with a JSON 404 in Stripe’s error shape', async () => {
    const res = await h.raw('/v1/unicorns/u_1', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringContaining('DELETE: /v1/unicorns/u_1'),
    });
    await expect(h.stripe.rawRequest('GET', '/v1/unicorns')).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });

  it('scopes state by the Stripe-Account header', async () => {
    const connected = await h.stripe.customers.create(
      { email: 'c@acct.test' },
      { stripeAccount: 'acct_connected1' },
    );
    await expect(h.stripe.customers.retrieve(connected.id)).rejects.toMatchObject({
      code: 'resource_missing',
    });
    const again = await h.stripe.customers.retrieve(connected.id, {}, { stripeAccount: 'acct_connected1' });
    expect((again as Stripe.Customer).email).toBe('c@acct.test');
  });
});

describe('errors raise the SDK’s error classes', () => {
  it('unknown, missing and mistyped parameters', async () => {
    const unknown = h.stripe.customers.create({ colour: 'red' } as never);
    await expect(unknown).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(unknown).rejects.toMatchObject({
      code: 'parameter_unknown',
      param: 'colour',
      statusCode: 400,
    });
    const nested = await h.raw('/v1/customers', form('address[planet]=Mars'));
    expect(nested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'address[planet]' });
    await expect(h.stripe.products.create({} as never)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'name',
    });
    const badInt = await h.raw('/v1/customers', form('balance=12abc'));
    expect(badInt.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'balance' });
    const badBool = await h.raw('/v1/products', form('name=x&active=maybe'));
    expect(badBool.status).toBe(400);
    expect(badBool.body.error).toMatchObject({
      param: 'active',
      message: expect.stringContaining('Invalid boolean'),
    });
    const badEnum = await h.raw('/v1/customers', form('tax_exempt=sometimes'));
    expect(badEnum.body.error).toMatchObject({
      param: 'tax_exempt',
      message: expect.stringContaining('none, exempt, reverse'),
    });
  });

  it('a missing object is a 404 resource_missing naming the id', async () => {
    const err = await h.stripe.customers.retrieve('cus_missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_missing'",
    });
    await expect(
      h.stripe.prices.create({ currency: 'usd', unit_amount: 5, product: 'prod_nope' }),
    ).rejects.toMatchObject({
      statusCode: 404,
      param: 'product',
    });
  });

  it('enforces metadata limits', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const c = await h.stripe.customers.create({ metadata: fifty });
    expect(Object.keys(c.metadata)).toHaveLength(50);
    await expect(h.stripe.customers.update(c.id, { metadata: { one_more: 'x' } })).rejects.toMatchObject({
      param: 'metadata',
      statusCode: 400,
    });
    await expect(h.stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } })).rejects.toThrow(
      /up to 40 characters/,
    );
    await expect(h.stripe.customers.create({ metadata: { k: 'v'.repeat(501) } })).rejects.toThrow(
      /up to 500 characters/,
    );
    const brackets = await h.raw('/v1/customers', form('metadata[a%5Bb%5D]=1'));
    expect(brackets.status).toBe(400);
    // A full replacement within the limit works: delete one key, add another.
    const swapped = await h.stripe.customers.update(c.id, { metadata: { k0: '', new_key: 'x' } });
    expect(swapped.metadata).toMatchObject({ new_key: 'x' });
    expect(swapped.metadata.k0).toBeUndefined();
  });

  it('a rehearsed outage answers 5xx (StripeAPIError) or 429 (StripeRateLimitError) and changes nothing', async () => {
    const before = (await h.stripe.customers.list({ limit: 100 })).data.length;
    try {
      await h.control('/_emulator/settings', {
        failures: [{ method: 'POST', path: '/v1/customers', status: 503, count: 1 }],
      });
      const down = await h.stripe.customers.create({ email: 'outage@example.com' }).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(down).toMatchObject({ statusCode: 503, type: 'StripeAPIError' });
      expect((await h.stripe.customers.list({ limit: 100 })).data).toHaveLength(before);
      // count: 1 — the next request goes through.
      await expect(h.stripe.customers.create()).resolves.toMatchObject({ object: 'customer' });

      await h.control('/_emulator/settings', {
        failures: [{ path: '/v1/customers', status: 429, count: 1 }],
      });
      await expect(h.stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);

      // The failure happens before the request runs, so the SDK's retry with the same key executes it once.
      await h.control('/_emulator/settings', {
        failures: [{ method: 'POST', path: '/v1/customers', status: 500, count: 1 }],
      });
      const retrying = new Stripe('sk_test_retry', {
        host: '127.0.0.1',
        port: h.emulator.port,
        protocol: 'http',
        maxNetworkRetries: 1,
      });
      const created = await retrying.customers.create({ email: 'retried@example.com' });
      expect(created.lastResponse.headers['idempotent-replayed']).toBeUndefined();
      expect((await h.stripe.customers.list({ email: 'retried@example.com' })).data).toHaveLength(1);
    } finally {
      await h.control('/_emulator/settings', { failures: null });
    }
    const bad = await fetch(`${h.emulator.url}/_emulator/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failures: [{ path: '/v1/customers', status: 418 }] }),
    });
    expect(bad.status).toBe(400);
  });

  it('expanding a field that is not expandable is a 400 naming expand', async () => {
    await expect(h.stripe.customers.create({ expand: ['nothing_here'] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'expand',
    });
  });
});
