// The hosted Checkout page a session's `url` opens: the order, an email field, a card form that
// posts back to the emulator, and the pages for a session that can no longer be paid. Plain
// server-rendered HTML, no script; every value from the merchant or the customer is escaped here.

import { escapeHtml, layout } from './html.js';

export interface CheckoutLine {
  name: string;
  quantity: number;
  /** Formatted with the currency's decimals, e.g. "20.00 USD". */
  amount: string;
}

export interface CheckoutForm {
  sessionId: string;
  mode: 'payment' | 'setup';
  lines: CheckoutLine[];
  /** Formatted total (payment mode), null in setup mode. */
  total: string | null;
  email: string;
  /** False when the session fixed the email (`customer_email` or the customer's). */
  emailEditable: boolean;
  /** Where the form posts. */
  actionUrl: string;
  /** The session's form check, posted back as `check`. */
  check: string;
  cancelUrl: string | null;
  /** Shown above the form: a decline or what was wrong with the input. */
  error: string | null;
}

const STYLE = `table{width:100%;border-collapse:collapse;margin:1rem 0}td{padding:.4rem 0;border-bottom:1px solid #e3e8ee}
td.amount{text-align:right;white-space:nowrap}tr.total td{font-weight:600;border-bottom:0}
form{display:grid;gap:.75rem;margin-top:1.5rem}label{display:grid;gap:.25rem;font-size:.9rem;color:#4f566b}
input{box-sizing:border-box;width:100%;padding:.6rem;border:1px solid #c1c9d2;border-radius:6px;font-size:1rem}
.row{display:grid;grid-template-columns:1fr 1fr;gap:.75rem}
.error{background:#fff0f0;border:1px solid #f5b5b5;color:#a41c1c;padding:.75rem;border-radius:6px}
.cancel{display:block;margin-top:1rem;text-align:center;color:#4f566b}.hint{font-size:.8rem;color:#697386}code{word-break:break-all}`;

function orderTable(form: CheckoutForm): string {
  const rows = form.lines.map(
    (line) =>
      `<tr><td>${escapeHtml(line.name)} <span class="hint">× ${line.quantity}</span></td>` +
      `<td class="amount">${escapeHtml(line.amount)}</td></tr>`,
  );
  if (form.total !== null) {
    rows.push(`<tr class="total"><td>Total</td><td class="amount">${escapeHtml(form.total)}</td></tr>`);
  }
  return rows.length ? `<table>${rows.join('\n')}</table>` : '';
}

/** The payment (or card set-up) form of an open session. */
export function renderCheckoutPage(form: CheckoutForm): string {
  const pay = form.mode === 'payment';
  const title = pay ? 'Pay' : 'Save a card';
  const email = form.emailEditable
    ? `<input type="email" name="email" required autocomplete="email" value="${escapeHtml(form.email)}">`
    : `<input type="email" value="${escapeHtml(form.email)}" readonly>`;
  const cancel = form.cancelUrl ? `<a class="cancel" href="${escapeHtml(form.cancelUrl)}">Cancel</a>` : '';
  return layout(
    `${title} — Coffer emulator Checkout`,
    `<h1>${pay ? 'Pay' : 'Save a card for future payments'}</h1>
${orderTable(form)}
${form.error ? `<p class="error" role="alert">${escapeHtml(form.error)}</p>` : ''}
<form method="post" action="${escapeHtml(form.actionUrl)}">
<input type="hidden" name="check" value="${escapeHtml(form.check)}">
<label>Email ${email}</label>
<label>Card number <input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required></label>
<div class="row">
<label>Expiry <input name="expiry" autocomplete="cc-exp" placeholder="MM / YY"></label>
<label>CVC <input name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123"></label>
</div>
<p class="hint">A test card of the emulator (4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
4000 0027 6000 3184 asks for 3D Secure) with any future expiry and any CVC, or a test token such as pm_card_visa.</p>
<button class="primary" type="submit">${pay ? 'Pay' : 'Save card'}</button>
</form>
${cancel}
<p class="hint">Coffer emulator test page for <code>${escapeHtml(form.sessionId)}</code>. No real card is charged.</p>`,
    STYLE,
  );
}

/** A session that is complete or expired (or unknown): says so, with no form. */
export function renderCheckoutClosed(
  sessionId: string,
  status: 'complete' | 'expired' | 'missing' | 'mismatch',
  link: { href: string; text: string } | null = null,
): string {
  const heading = {
    complete: 'This checkout is already complete',
    expired: 'This checkout has expired',
    missing: 'No such checkout',
    mismatch: 'This form does not belong to this checkout',
  }[status];
  const text = {
    complete: 'It has been paid (or the card saved); there is nothing more to do here.',
    expired: 'It can no longer be paid. Start a new checkout from the shop.',
    missing: 'There is no Checkout Session with this id in the emulator.',
    mismatch: 'Open the checkout link again and submit the form from that page.',
  }[status];
  const next = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return layout(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p>${escapeHtml(text)}</p>
${next}
<p class="hint">Session <code>${escapeHtml(sessionId)}</code>.</p>`,
    '.hint{font-size:.8rem;color:#697386}',
  );
}
