// coffer dev's success page in each state the mirror can be in (the browser test sees it only on its way
// to "paid"): it refreshes itself while the webhook has not arrived, and shows nothing it was not told.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CheckoutStatus } from '../../src/billing/index.js';
import { DEMO_CANCEL_PATH, DEMO_SUCCESS_PATH, demoCheckoutPages } from '../../src/cli/dev/demo-pages.js';

/** The pages on an app of their own, over a checkout whose status is `answer` (or throws it). */
function app(answer: Partial<CheckoutStatus> | Error) {
  const asked: Array<{ sessionId: string; userId: string | undefined }> = [];
  const hono = new Hono();
  demoCheckoutPages(
    {
      checkout: {
        status: async (sessionId, options) => {
          asked.push({ sessionId, userId: options?.userId });
          if (answer instanceof Error) throw answer;
          return { status: 'unknown', sessionId, ...answer };
        },
      },
    },
    'demo_user',
  )(hono);
  const get = (sessionId: string, tries?: number) =>
    hono.request(
      `${DEMO_SUCCESS_PATH}?session_id=${encodeURIComponent(sessionId)}${tries === undefined ? '' : `&tries=${tries}`}`,
    );
  return { get, asked, hono };
}

describe('the demo success page', () => {
  it('while the mirror has not seen the payment: waiting, refreshing itself, not cached', async () => {
    const { get, asked } = app({ status: 'pending' });
    const response = await get('cs_test_abc');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('Waiting for confirmation');
    expect(html).toContain(
      '<meta http-equiv="refresh" content="1; url=/demo/checkout/success?session_id=cs_test_abc&amp;tries=1">',
    );
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'",
    );
    expect(html).not.toContain('Payment confirmed');
    expect(asked).toEqual([{ sessionId: 'cs_test_abc', userId: 'demo_user' }]);
  });

  it('paid: the amount in the currency, and no more refreshing', async () => {
    const { get } = app({ status: 'paid', amountTotal: 500, currency: 'jpy' });
    const html = await (await get('cs_test_abc')).text();
    expect(html).toContain('Payment confirmed');
    expect(html).toContain('500 JPY paid for checkout cs_test_abc.');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('stops refreshing after 120 tries and says where to look', async () => {
    const { get } = app({ status: 'pending' });
    expect(await (await get('cs_test_abc', 119)).text()).toContain('tries=120"');
    const html = await (await get('cs_test_abc', 120)).text();
    expect(html).toContain('Waiting for confirmation');
    expect(html).toContain('Stopped checking after 120 tries');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('a mirror that cannot be asked: 503, and the page keeps trying', async () => {
    const response = await app(new Error('connection refused')).get('cs_test_abc');
    expect(response.status).toBe(503);
    const html = await response.text();
    expect(html).toContain('Could not ask the mirror');
    expect(html).toContain('tries=1');
    expect(html).not.toContain('connection refused');
  });

  it('unknown to the mirror: not found, checking again, never paid', async () => {
    const html = await (await app({ status: 'unknown' }).get('cs_test_abc')).text();
    expect(html).toContain('Checkout not found');
    expect(html).toContain('tries=1');
    expect(html).not.toContain('Payment confirmed');
  });

  it('escapes what the mirror answers', async () => {
    const html = await (
      await app({ status: 'paid', sessionId: 'cs_test_<script>alert(1)</script>' }).get('cs_test_abc')
    ).text();
    expect(html).toContain('cs_test_&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('the cancel page says nothing was charged', async () => {
    const response = await app({ status: 'unknown' }).hono.request(DEMO_CANCEL_PATH);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Nothing was charged');
  });

  it('expired: says nothing was charged', async () => {
    const html = await (await app({ status: 'expired' }).get('cs_test_abc')).text();
    expect(html).toContain('Checkout expired');
    expect(html).toContain('Nothing was charged');
  });

  it('refuses an id that is not a Checkout Session id without asking the mirror', async () => {
    const { get, asked } = app({ status: 'paid' });
    for (const bad of ['', 'pi_123', 'cs_test_<b>x</b>', `cs_test_${'a'.repeat(201)}`]) {
      const response = await get(bad);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('Not a checkout session id');
    }
    expect(asked).toEqual([]);
  });
});
