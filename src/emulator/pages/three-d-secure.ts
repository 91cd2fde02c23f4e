// The 3D Secure test page a `redirect_to_url` next action points at: plain server-rendered HTML with
// two buttons that post the outcome back to the emulator. No script, so any browser (or a plain
// HTTP POST in a test) can drive it.

import { escapeHtml, layout } from './html.js';

export interface ThreeDSecurePage {
  /** The payment intent or setup intent being authenticated. */
  intentId: string;
  /** "Pay 20.00 USD" or "Set up card ending 3155". */
  summary: string;
  /** Where the form posts `outcome=complete|fail`. */
  actionUrl: string;
}

const STYLE = `form{display:flex;gap:.75rem;margin-top:2rem}button{flex:1}`;

/** The challenge page with "Complete authentication" and "Fail authentication". */
export function renderThreeDSecurePage(page: ThreeDSecurePage): string {
  return layout(
    '3D Secure test authentication',
    `<h1>3D Secure test authentication</h1>
<p>${escapeHtml(page.summary)}</p>
<p>This is the Coffer emulator's test page for <code>${escapeHtml(page.intentId)}</code>.
Choose the outcome of the authentication.</p>
<form method="post" action="${escapeHtml(page.actionUrl)}">
<button class="primary" type="submit" name="outcome" value="complete">Complete authentication</button>
<button type="submit" name="outcome" value="fail">Fail authentication</button>
</form>`,
    STYLE,
  );
}

/** Shown after the outcome was posted when the intent has no `return_url` to go back to. */
export function renderThreeDSecureDone(intentId: string, succeeded: boolean): string {
  const text = succeeded ? 'Authentication completed.' : 'Authentication failed.';
  return layout(
    text,
    `<h1>${escapeHtml(text)}</h1>
<p>You can close this window. Intent <code>${escapeHtml(intentId)}</code>.</p>`,
  );
}

/** A page for an intent that is not waiting for authentication (already done, or unknown). */
export function renderThreeDSecureGone(intentId: string): string {
  return layout(
    'Nothing to authenticate',
    `<h1>Nothing to authenticate</h1>
<p><code>${escapeHtml(intentId)}</code> is not waiting for 3D Secure authentication.</p>`,
  );
}
