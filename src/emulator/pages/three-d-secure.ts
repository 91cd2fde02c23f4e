// The 3D Secure test page a `redirect_to_url` next action points at: plain server-rendered HTML with
// two buttons that post the outcome back to the emulator. No script, so any browser (or a plain
// HTTP POST in a test) can drive it.

export interface ThreeDSecurePage {
  /** The payment intent or setup intent being authenticated. */
  intentId: string;
  /** "Pay 20.00 USD" or "Set up card ending 3155". */
  summary: string;
  /** Where the form posts `outcome=complete|fail`. */
  actionUrl: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.25rem}p{color:#4f566b}form{display:flex;gap:.75rem;margin-top:2rem}
button{flex:1;padding:.75rem;border-radius:6px;border:1px solid #c1c9d2;font-size:1rem;cursor:pointer}
button[value=complete]{background:#635bff;color:#fff;border-color:#635bff}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body>
</html>
`;
}

/** The challenge page with "Complete authentication" and "Fail authentication". */
export function renderThreeDSecurePage(page: ThreeDSecurePage): string {
  return layout(
    '3D Secure test authentication',
    `<h1>3D Secure test authentication</h1>
<p>${escapeHtml(page.summary)}</p>
<p>This is the Coffer emulator's test page for <code>${escapeHtml(page.intentId)}</code>.
Choose the outcome of the authentication.</p>
<form method="post" action="${escapeHtml(page.actionUrl)}">
<button type="submit" name="outcome" value="complete">Complete authentication</button>
<button type="submit" name="outcome" value="fail">Fail authentication</button>
</form>`,
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
