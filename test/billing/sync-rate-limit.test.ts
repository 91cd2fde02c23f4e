// Backfill keeps within `requestsPerSecond`: every HTTP request the SDK sends to the emulator is
// counted (list pages and the refetches that settle ties alike), and the token bucket's waits are
// checked in virtual time.
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenBucket } from '../../src/billing/mirror/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { createSync } from '../../src/billing/sync/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { storeTargets } from '../support/store.js';
import { type EmulatorClient, shutdown, startEmulatorClient } from '../support/webhook-flow.js';
import { emptyPipelineTables, openPipeline } from '../support/webhook-pipeline.js';

describe('the token bucket behind requestsPerSecond', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst of `rate` requests through, then one every 1/rate s', async () => {
    const bucket = createTokenBucket(50);
    let granted = 0;
    for (let i = 0; i < 60; i++) void bucket.take().then(() => granted++);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(50);
    await vi.advanceTimersByTimeAsync(19);
    expect(granted).toBe(50);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toBe(51);
    // 50 per second: the other nine come 20 ms apart.
    await vi.advanceTimersByTimeAsync(9 * 20 - 1);
    expect(granted).toBe(59);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toBe(60);
  });

  it('refills while idle, never beyond the burst', async () => {
    const bucket = createTokenBucket(10, { burst: 3 });
    let granted = 0;
    const takeMany = (n: number) => {
      for (let i = 0; i < n; i++) void bucket.take().then(() => granted++);
    };
    takeMany(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(3);
    // A long pause earns back only the burst.
    await vi.advanceTimersByTimeAsync(10_000);
    takeMany(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(6);
    await vi.advanceTimersByTimeAsync(99);
    expect(granted).toBe(6);
    await vi.advanceTimersByTimeAsync(101);
    expect(granted).toBe(8);
  });
});

let client: EmulatorClient;
beforeAll(async () => {
  client = await startEmulatorClient();
  for (let i = 0; i < 24; i++) await client.stripe.customers.create({ email: `rate${i}@example.com` });
});
afterAll(() => shutdown(client));

/** An SDK client for the emulator that records every request it sends (method, path, Date.now()). */
function countingStripe() {
  const requests: { method: string; path: string; at: number }[] = [];
  const fetchAndCount: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push({ method: init?.method ?? 'GET', path: url.pathname, at: Date.now() });
    return fetch(input, init);
  };
  const stripe = new Stripe('sk_test_rate_limit', {
    host: '127.0.0.1',
    port: client.emulator.port,
    protocol: 'http',
    httpClient: Stripe.createFetchHttpClient(fetchAndCount),
  });
  return { stripe, requests };
}

/**
 * The bucket starts full (`burst` = rate) and earns `rate` tokens a second, so the k-th request of a
 * run (1-based) cannot be sent before (k − burst) / rate s after the run started. Only lower bounds:
 * a slow machine cannot make this fail, a limit that is not kept does.
 */
function expectWithinRate(requests: { at: number }[], startedAt: number, rate: number) {
  requests.forEach((r, i) => {
    const earliest = startedAt + ((i + 1 - rate) / rate) * 1000;
    expect(r.at, `request ${i + 1} of ${requests.length}`).toBeGreaterThanOrEqual(Math.floor(earliest));
  });
}

describe.each(storeTargets)('backfill request rate on $name', (target) => {
  let shared: Store;
  beforeAll(async () => {
    shared = await target.open();
  });
  beforeEach(async () => {
    await shared.migrate();
    await emptyPipelineTables(shared);
  });

  it('sends list pages no faster than requestsPerSecond (after the first second’s burst)', async () => {
    const { stripe, requests } = countingStripe();
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe });
    const sync = createSync({ store, stripe, pipeline });
    const rate = 10;
    const startedAt = Date.now();
    const result = await sync.backfill({ types: ['customer'], pageSize: 1, requestsPerSecond: rate });
    expect(result.types[0]).toMatchObject({ fetched: 24, complete: true });
    // One request per page, each a list call: requests, not pages, are what the limit counts.
    expect(requests.length).toBe(result.types[0]?.pages);
    expect(requests.every((r) => r.method === 'GET' && r.path === '/v1/customers')).toBe(true);
    expect(requests.length).toBeGreaterThan(2 * rate);
    expectWithinRate(requests, startedAt, rate);
  });

  it('counts the refetches that settle ties against the same limit', async () => {
    const { stripe, requests } = countingStripe();
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe });
    // A clock that stands still: the second listing is stamped with the same second as the first,
    // so every object is a tie and is fetched again from the API.
    const sync = createSync({ store, stripe, pipeline, clock: new ManualClock(Date.now()) });
    const rate = 10;
    await sync.backfill({ types: ['customer'], pageSize: 6, requestsPerSecond: rate });
    requests.length = 0;
    const startedAt = Date.now();
    const result = await sync.backfill({ types: ['customer'], pageSize: 6, requestsPerSecond: rate });
    expect(result.types[0]).toMatchObject({ fetched: 24, written: 24, complete: true });
    const lists = requests.filter((r) => r.path === '/v1/customers');
    const refetches = requests.filter((r) => r.path.startsWith('/v1/customers/'));
    expect(lists.length).toBe(result.types[0]?.pages);
    expect(refetches.length).toBe(24);
    expectWithinRate(requests, startedAt, rate);
  });
});
