// The pages `coffer dev`'s demo checkout returns to. The success page grants nothing on the redirect
// (anyone can open a success URL): it asks `checkout.status`, which answers from the mirror the
// webhook pipeline fills, and refreshes itself until the mirror has the answer.
import type { Hono } from 'hono';
import type { CheckoutStatus } from '../../billing/index.js';
import { formatMoney } from '../../shared/currency.js';
import { type Logger, silentLogger } from '../../shared/logger.js';

export const DEMO_SUCCESS_PATH = '/demo/checkout/success';
export const DEMO_CANCEL_PATH = '/demo/checkout/cancelled';

/** Stripe's Checkout Session ids; anything else is refused before it reaches the store or the page. */
const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9_]{1,200}$/;
const REFRESH_SECONDS = 1;
/** Refreshes before the page stops waiting (about two minutes). */
const MAX_TRIES = 120;
/** Nothing but the inline style loads; no script runs. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

interface DemoCheckout {
  checkout: { status(sessionId: string, options?: { userId?: string }): Promise<CheckoutStatus> };
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

/** The page; with `refreshTo`, it loads that URL again after REFRESH_SECONDS. */
function page(title: string, lines: string[], refreshTo?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Coffer dev</title>
${refreshTo ? `<meta http-equiv="refresh" content="${REFRESH_SECONDS}; url=${escapeHtml(refreshTo)}">` : ''}
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
          `Checkout ${status.sessionId} is not confirmed yet: the mirror holds no paid completion of it ` +
            '(its webhook is on the way, or the payment is still processing).',
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

const STOPPED_WAITING = [
  `Stopped checking after ${MAX_TRIES} tries. Is the worker running? \`/readyz\` and the service log say.`,
  'Reload this page to check again.',
];

/** Mounts the demo's success and cancel pages on the service app (for `userId`'s sessions only). */
export function demoCheckoutPages(
  billing: DemoCheckout,
  userId: string,
  logger: Logger = silentLogger,
): (app: Hono) => void {
  return (app) => {
    app.use('/demo/*', async (c, next) => {
      await next();
      c.header('cache-control', 'no-store');
      c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    });
    app.get(DEMO_SUCCESS_PATH, async (c) => {
      const sessionId = c.req.query('session_id') ?? '';
      if (!SESSION_ID.test(sessionId))
        return c.html(
          page('Not a checkout session id', ['The link should carry ?session_id=cs_test_… from Checkout.']),
          400,
        );
      const tries = Math.max(0, Math.trunc(Number(c.req.query('tries')))) || 0;
      const again =
        tries < MAX_TRIES
          ? `${DEMO_SUCCESS_PATH}?session_id=${encodeURIComponent(sessionId)}&tries=${tries + 1}`
          : undefined;
      let status: CheckoutStatus;
      try {
        status = await billing.checkout.status(sessionId, { userId });
      } catch (error) {
        // Logged for the developer; the page keeps trying as it would while waiting.
        logger.error({ err: error, sessionId }, 'demo success page: checkout status failed');
        return c.html(
          page(
            'Could not ask the mirror',
            again ? ['The database did not answer; trying again.'] : STOPPED_WAITING,
            again,
          ),
          503,
        );
      }
      const shown = successPage(status);
      if (shown.refresh && !again)
        return c.html(page(shown.title, [...shown.lines.slice(0, 1), ...STOPPED_WAITING]));
      return c.html(page(shown.title, shown.lines, shown.refresh ? again : undefined));
    });
    app.get(DEMO_CANCEL_PATH, (c) =>
      c.html(
        page('Checkout cancelled', ['Nothing was charged. The checkout link still works until it expires.']),
      ),
    );
  };
}
