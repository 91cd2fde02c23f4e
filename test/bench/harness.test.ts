// The benchmark harness's pure parts: percentile maths, the webhook signer (checked by the official
// SDK's verifier), the generated events, and the load loops' bookkeeping (counts, not timings).
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { stripeSignatureHeader } from '../../bench/lib/signer.js';
import { percentile, ratePerSecond, summarize } from '../../bench/lib/stats.js';
import { closedLoop, openLoop } from '../../bench/load/loop.js';
import { mergeReports, runShape } from '../../bench/load/shapes.js';
import { buildEvent, EVENT_TYPES, objectIdFor } from '../../bench/webhooks/events.js';

const stripe = new Stripe('sk_test_harness');

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 26)).toBe(2);
  });

  it('is NaN for no samples and refuses a percentile outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
  });

  it('summarize sorts numerically, not as strings', () => {
    const s = summarize([100, 9, 20, 3]);
    expect(s).toMatchObject({ count: 4, p50: 9, max: 100, mean: 33 });
    expect(s.p99).toBe(100);
  });

  it('rate is per second of the elapsed milliseconds', () => {
    expect(ratePerSecond(3000, 1500)).toBe(2000);
    expect(ratePerSecond(10, 0)).toBe(0);
  });
});

describe('webhook signer', () => {
  const secret = 'whsec_harness_secret';
  const body = buildEvent('t0', 1, Math.floor(Date.now() / 1000));

  it('produces a Stripe-Signature header that stripe.webhooks.constructEvent accepts', () => {
    const header = stripeSignatureHeader(body, secret, Date.now() / 1000);
    const event = stripe.webhooks.constructEvent(body, header, secret);
    expect(event.type).toBe('payment_intent.succeeded');
    expect(event.data.object).toMatchObject({ id: objectIdFor('t0', 1), object: 'payment_intent' });
  });

  it('a header for another secret or another body is rejected', () => {
    const header = stripeSignatureHeader(body, secret, Date.now() / 1000);
    expect(() => stripe.webhooks.constructEvent(body, header, 'whsec_other')).toThrow();
    expect(() => stripe.webhooks.constructEvent(`${body} `, header, secret)).toThrow();
  });
});

describe('benchmark events', () => {
  it('rotate through the three types, each about an object of its own', () => {
    const events = [0, 1, 2, 3].map((i) => JSON.parse(buildEvent('t1', i, 1_800_000_000)));
    expect(events.map((e) => e.type)).toEqual([...EVENT_TYPES, EVENT_TYPES[0]]);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    expect(events.map((e) => e.data.object.id)).toEqual([0, 1, 2, 3].map((i) => objectIdFor('t1', i)));
  });
});

describe('load loops', () => {
  it('a closed loop runs each index once, records failures apart, and stops at maxOps', async () => {
    const seen: number[] = [];
    const result = await closedLoop({
      concurrency: 4,
      maxOps: 50,
      maxMs: 10_000,
      op: async (i) => {
        seen.push(i);
        if (i % 10 === 0) throw new Error(`boom ${i}`);
        return i % 2 ? 'odd' : 'even';
      },
      label: () => 'failed-op',
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(result.completed).toBe(45);
    expect(result.errors).toEqual({ 'failed-op': 5 });
    expect(result.latencies.odd).toHaveLength(25);
    expect(result.latencies.even).toHaveLength(20);
    expect(result.errorSamples[0]).toMatch(/boom/);
  });

  it('an open loop issues rate × duration operations and never more than maxInFlight at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await openLoop({
      ratePerSecond: 200,
      durationMs: 200,
      maxInFlight: 3,
      drainMs: 5_000,
      keepStarts: true,
      op: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
        return 'op';
      },
    });
    expect(result.completed + result.skipped).toBe(40);
    expect(peak).toBeLessThanOrEqual(3);
    expect(result.skipped).toBeGreaterThan(0);
    expect(result.startedAt?.filter((t) => t !== undefined)).toHaveLength(result.completed);
  });
});

describe('merging load reports', () => {
  it('adds counts and times and takes percentiles over every sample of every run', async () => {
    const shape = { kind: 'closed' as const, concurrency: 1, maxOps: 4, maxMs: 10_000 };
    const first = await runShape(shape, async (i) => (i === 3 ? Promise.reject(new Error('no')) : 'a'), {
      keepSamples: true,
    });
    const second = await runShape(shape, async () => 'b', { keepSamples: true });
    const merged = mergeReports([first, second]);
    expect(merged.completed).toBe(7);
    expect(merged.failed).toBe(1);
    expect(merged.elapsedMs).toBe(first.elapsedMs + second.elapsedMs);
    expect(merged.byLabel.a?.count).toBe(3);
    expect(merged.byLabel.b?.count).toBe(4);
    const every = [...(first.samples?.a ?? []), ...(second.samples?.b ?? [])];
    expect(merged.all).toEqual(summarize(every));
  });

  it('refuses reports run without their samples', async () => {
    const shape = { kind: 'closed' as const, concurrency: 1, maxOps: 1, maxMs: 1_000 };
    const report = await runShape(shape, async () => 'a');
    expect(() => mergeReports([report])).toThrow(/keepSamples/);
  });
});
