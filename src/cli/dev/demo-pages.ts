// The pages `coffer dev`'s demo checkout returns to. The success page grants nothing on the redirect
// (anyone can open a success URL): it asks `checkout.status`, which answers from the mirror the
// webhook pipeline fills, and refreshes itself until the mirror has the answer.
import type { Hono } from 'hono';
import type { CheckoutStatus } from '../../billing/index.js';
import { formatMoney } from '../../shared/currency.js';

export const DEMO_SUCCESS_PATH = '/demo/checkout/success';
export const DEMO_CANCEL_PATH = '/demo/checkout/cancelled';

/** Stripe's Checkout Session ids; anything else is refused before it reaches the store or the page. */
const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9_]{1,200}$/;
const REFRESH_SECONDS = 1;

interface DemoCheckout {
  checkout: { status(sessionId: string, options?: { userId?: string }): Promise<CheckoutStatus> };
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

function page(title: string, lines: string[], refresh = false): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Coffer dev</title>
${refresh ? `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` : ''}
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}.muted{color:#555}</style></head>
<body><main><h1 data-state>${escapeHtml(title)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
</main></body></html>`;
}

function successPage(status: CheckoutStatus): { title: string; lines: string[]; refresh: boolean } {
  const money =
    typeof status.amountTotal === 'number' && status.currency
      ? formatMoney({ amount: status.amountTotal, currency: status.currency })
      : undefined;
  switch (status.status) {
    case 'paid':
      return {
        title: 'Payment confirmed',
        lines: [
          `${money ? `${money} paid` : 'Paid'} for checkout ${status.sessionId}.`,
          'Confirmed from the mirror, which the signed checkout.session.completed webhook filled — not from this redirect.',
        ],
        refresh: false,
      };
    case 'pending':
      return {
        title: 'Waiting for confirmation',
        lines: [
          `Checkout ${status.sessionId} is not confirmed yet: its webhook has not reached the mirror.`,
          `This page checks again every ${REFRESH_SECONDS} s.`,
        ],
        refresh: true,
      };
    case 'expired':
      return {
        title: 'Checkout expired',
        lines: ['Nothing was charged. Start a new checkout.'],
        refresh: false,
      };
    default:
      return {
        title: 'Checkout not found',
        lines: [
          'No checkout of the demo user has this id yet; if you have just paid, this page checks again.',
        ],
        refresh: true,
      };
  }
}

/** Mounts the demo's success and cancel pages on the service app (for `userId`'s sessions only). */
export function demoCheckoutPages(billing: DemoCheckout, userId: string): (app: Hono) => void {
  return (app) => {
    app.get(DEMO_SUCCESS_PATH, async (c) => {
      const sessionId = c.req.query('session_id') ?? '';
      if (!SESSION_ID.test(sessionId))
        return c.html(
          page('Not a checkout session id', ['The link should carry ?session_id=cs_test_… from Checkout.']),
          400,
        );
      const shown = successPage(await billing.checkout.status(sessionId, { userId }));
      c.header('cache-control', 'no-store');
      return c.html(page(shown.title, shown.lines, shown.refresh));
    });
    app.get(DEMO_CANCEL_PATH, (c) =>
      c.html(
        page('Checkout cancelled', ['Nothing was charged. The checkout link still works until it expires.']),
      ),
    );
  };
}
