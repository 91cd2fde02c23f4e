// coffer dev's success page in each state the mirror can be in (the browser test sees it only on its way
// to "paid"): it refreshes itself while the webhook has not arrived, and shows nothing it was not told.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { CheckoutStatus } from '../../src/billing/index.js';
import { DEMO_SUCCESS_PATH, demoCheckoutPages } from '../../src/cli/dev/demo-pages.js';

function app(status: Omit<CheckoutStatus, 'sessionId'>) {
  const asked: Array<{ sessionId: string; userId: string | undefined }> = [];
  const hono = new Hono();
  demoCheckoutPages(
    {
      checkout: {
        status: async (sessionId, options) => {
          asked.push({ sessionId, userId: options?.userId });
          return { ...status, sessionId };
        },
      },
    },
    'demo_user',
  )(hono);
  const get = (sessionId: string) =>
    hono.request(`${DEMO_SUCCESS_PATH}?session_id=${encodeURIComponent(sessionId)}`);
  return { get, asked };
}

describe('the demo success page', () => {
  it('while the mirror has not seen the payment: waiting, refreshing itself, not cached', async () => {
    const { get, asked } = app({ status: 'pending' });
    const response = await get('cs_test_abc');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('Waiting for confirmation');
    expect(html).toContain('<meta http-equiv="refresh" content="1">');
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
      expect(await response.text()).not.toContain('<b>');
    }
    expect(asked).toEqual([]);
  });
});
