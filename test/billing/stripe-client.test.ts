// What the Stripe client sends, observed on the wire: a stand-in server records the requests.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callStripe,
  createStripeClient,
  isOutcomeUnknown,
  STRIPE_API_VERSION,
} from '../../src/billing/stripe-client.js';
import { StripeUpstreamError } from '../../src/shared/errors.js';

const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const server = createServer((req, res) => {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
  req.resume();
  req.on('end', () => {
    res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': 'req_test_1' });
    res.end(JSON.stringify(answer.body));
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const key = 'sk_test_51SecretValueNeverShown';
const client = () => createStripeClient({ stripe: { secretKey: key, webhookSecrets: [], emulatorUrl: url } });

describe('the Stripe client', () => {
  it('pins the SDK’s API version, names Coffer in the user agent and sends no telemetry', async () => {
    expect(STRIPE_API_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}\.endive$/);
    seen.length = 0;
    answer = { status: 200, body: { id: 'cus_1', object: 'customer' } };
    await client().customers.create({ email: 'a@example.com' });
    await client().customers.retrieve('cus_1');
    const [first, second] = seen;
    expect(first?.url).toBe('/v1/customers');
    expect(first?.headers['stripe-version']).toBe(STRIPE_API_VERSION);
    expect(first?.headers['user-agent']).toMatch(/coffer\/\d+\.\d+\.\d+/);
    expect(JSON.parse(String(first?.headers['x-stripe-client-user-agent'])).application).toMatchObject({
      name: 'coffer',
    });
    expect(second?.headers['x-stripe-client-telemetry']).toBeUndefined();
  });

  it('retries a 5xx twice with the same idempotency key, then reports an error without the key', async () => {
    seen.length = 0;
    answer = { status: 500, body: { error: { type: 'api_error', message: `boom for ${key}` } } };
    const error = await callStripe('customers.create', () =>
      client().customers.create({}, { idempotencyKey: 'coffer_test_key' }),
    ).catch((e: unknown) => e);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['coffer_test_key']));
    expect(error).toBeInstanceOf(StripeUpstreamError);
    expect(error).toMatchObject({ stripeType: 'api_error', statusCode: 500, requestId: 'req_test_1' });
    expect((error as Error).message).toContain('customers.create');
    expect(
      JSON.stringify({ message: (error as Error).message, cause: (error as Error).cause }),
    ).not.toContain(key);
    expect(isOutcomeUnknown(error)).toBe(false);
  }, 20_000);

  it('keeps a card decline’s code and decline code', async () => {
    answer = {
      status: 402,
      body: {
        error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'x',
        },
      },
    };
    const error = await callStripe('paymentIntents.confirm', () =>
      client().paymentIntents.confirm('pi_1'),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      stripeType: 'card_error',
      stripeCode: 'card_declined',
      declineCode: 'insufficient_funds',
    });
  });

  it('treats an unreachable Stripe as an unknown outcome', async () => {
    const closed = createStripeClient(
      { stripe: { secretKey: key, webhookSecrets: [], emulatorUrl: 'http://127.0.0.1:1' } },
      { maxNetworkRetries: 0 },
    );
    const error = await callStripe('customers.create', () => closed.customers.create({})).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StripeUpstreamError);
    expect(isOutcomeUnknown(error)).toBe(true);
  });
});
