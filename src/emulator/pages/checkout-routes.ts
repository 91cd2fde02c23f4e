// The hosted Checkout page: `GET /_emulator/checkout/:id` (a session's `url`) shows the order and a
// card form; `POST` to the same path pays the session through `payCheckoutSession`, the path the
// control route `POST /_emulator/checkout/sessions/:id/complete` uses too. Success → 303 to the
// success URL, 3D Secure → 303 to the 3DS test page, a decline → the form again with the message.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Stripe from 'stripe';
import { formatMoney } from '../../shared/currency.js';
import type { ControlRequest, EmulatorCore } from '../core/emulator.js';
import { StripeApiError } from '../core/errors.js';
import { PageResponse } from '../core/page-response.js';
import { automaticContext } from '../payments/context.js';
import { idOf } from '../payments/intent-errors.js';
import { checkoutHidden, expireIfDue, successRedirect } from '../resources/checkout-sessions-model.js';
import {
  type CheckoutPayment,
  type FoundSession,
  findSessionOrNull,
  isCardNumber,
  payCheckoutSession,
} from '../resources/checkout-sessions-pay.js';
import { renderCheckoutClosed, renderCheckoutPage } from './checkout.js';

/** The session's current intent (payment or setup), if one was made by an earlier attempt. */
function intentOf({ account, session }: FoundSession): Stripe.PaymentIntent | Stripe.SetupIntent | null {
  const pi = idOf(session.payment_intent);
  if (pi) return account.get('payment_intent', pi) ?? null;
  const si = idOf(session.setup_intent);
  return si ? (account.get('setup_intent', si) ?? null) : null;
}

/** The last decline or failed authentication, shown when the customer comes back to the page. */
function lastError(found: FoundSession): string | null {
  const intent = intentOf(found);
  if (!intent) return null;
  const error = intent.object === 'payment_intent' ? intent.last_payment_error : intent.last_setup_error;
  return error?.message ?? null;
}

/** The session's fixed email: `customer_email`, or the email of the customer it was created for. */
function fixedEmail({ account, session }: FoundSession): string | null {
  if (session.customer_email) return session.customer_email;
  const customer = idOf(session.customer);
  return (customer ? account.get('customer', customer)?.email : null) ?? null;
}

const text = (params: Record<string, unknown>, name: string): string => {
  const value = params[name];
  return typeof value === 'string' ? value.trim() : '';
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads the posted form into a payment, or says in plain words what is wrong with it. */
function readForm(params: Record<string, unknown>, email: string | null): CheckoutPayment | string {
  const typedEmail = email ?? text(params, 'email');
  if (!EMAIL.test(typedEmail)) return 'Enter a valid email address, such as jenny@example.com.';
  const card = text(params, 'card_number');
  if (/^(pm_card_|tok_)\w+$/.test(card)) return { paymentMethod: card, email: typedEmail };
  if (!isCardNumber(card)) {
    return 'Enter a card number, such as 4242 4242 4242 4242, or a test token such as pm_card_visa.';
  }
  const expiry = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(text(params, 'expiry'));
  if (!expiry) return 'Enter the expiry date as MM / YY, for example 12 / 34.';
  const cvc = text(params, 'cvc');
  if (!/^\d{3,4}$/.test(cvc)) return 'Enter the 3 or 4 digit security code (CVC) from the card.';
  const year = Number(expiry[2]);
  return {
    paymentMethod: card.replaceAll(' ', ''),
    card: { exp_month: Number(expiry[1]), exp_year: year < 100 ? 2000 + year : year, cvc },
    email: typedEmail,
  };
}

export function registerCheckoutPage(emu: EmulatorCore): void {
  // The form carries an HMAC of the session id under a key of this emulator run, so a form can only
  // pay the session whose page rendered it.
  const key = randomBytes(32);
  const checkOf = (sessionId: string) => createHmac('sha256', key).update(sessionId).digest('base64url');
  const checkMatches = (sessionId: string, posted: string): boolean => {
    const expected = Buffer.from(checkOf(sessionId));
    const given = Buffer.from(posted);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  /** The session, expired first if its time is up; null when unknown. */
  const load = (id: string): FoundSession | null => {
    const found = findSessionOrNull(emu, id);
    if (!found) return null;
    return { ...found, session: expireIfDue(automaticContext(emu, found.account), found.session) };
  };

  const closedPage = (id: string, found: FoundSession | null, status = 200): PageResponse => {
    if (!found) return PageResponse.html(renderCheckoutClosed(id, 'missing'), 404);
    const { session } = found;
    if (session.status === 'complete') {
      const success = successRedirect(session);
      const link = success ? { href: success, text: 'Continue to the shop' } : null;
      return PageResponse.html(renderCheckoutClosed(id, 'complete', link), status);
    }
    const link = session.cancel_url ? { href: session.cancel_url, text: 'Back to the shop' } : null;
    return PageResponse.html(renderCheckoutClosed(id, 'expired', link), status === 200 ? 410 : status);
  };

  const formPage = (found: FoundSession, error: string | null, email: string, status = 200): PageResponse => {
    const { session } = found;
    const hidden = checkoutHidden(found, session);
    const fixed = fixedEmail(found);
    return PageResponse.html(
      renderCheckoutPage({
        sessionId: session.id,
        mode: session.mode === 'setup' ? 'setup' : 'payment',
        lines: hidden.lineItems.map((li) => ({
          name: li.description ?? 'Item',
          quantity: li.quantity ?? 1,
          amount: formatMoney({ amount: li.amount_total, currency: li.currency }),
        })),
        total:
          session.mode === 'payment' && session.currency
            ? formatMoney({ amount: session.amount_total ?? 0, currency: session.currency })
            : null,
        email: fixed ?? email,
        emailEditable: fixed === null,
        actionUrl: `/_emulator/checkout/${encodeURIComponent(session.id)}`,
        check: checkOf(session.id),
        cancelUrl: session.cancel_url,
        error,
      }),
      status,
    );
  };

  emu.control('GET', '/_emulator/checkout/:id', (req: ControlRequest) => {
    const id = req.pathParams.id!;
    const found = load(id);
    if (found?.session.status !== 'open') return closedPage(id, found);
    return formPage(found, lastError(found), found.session.customer_details?.email ?? '');
  });

  emu.control('POST', '/_emulator/checkout/:id', (req: ControlRequest) => {
    const id = req.pathParams.id!;
    const found = load(id);
    if (found?.session.status !== 'open') return closedPage(id, found, 409);
    if (!checkMatches(id, text(req.params, 'check'))) {
      return PageResponse.html(renderCheckoutClosed(id, 'mismatch'), 403);
    }
    const typedEmail = text(req.params, 'email');
    const payment = readForm(req.params, fixedEmail(found));
    if (typeof payment === 'string') return formPage(found, payment, typedEmail, 400);
    let done: ReturnType<typeof payCheckoutSession>;
    try {
      done = payCheckoutSession(emu, found, payment);
    } catch (error) {
      // A card the emulator refuses to create (wrong number, past expiry, bad CVC).
      if (error instanceof StripeApiError) return formPage(found, error.message, typedEmail, error.status);
      throw error;
    }
    if (done.error) return formPage(found, done.error.message, typedEmail, done.error.status);
    const after = { account: found.account, session: done.session };
    if (done.session.status === 'complete') {
      return done.redirect_url ? PageResponse.redirect(done.redirect_url) : closedPage(id, after);
    }
    const challenge = intentOf(after)?.next_action?.redirect_to_url?.url;
    if (challenge) return PageResponse.redirect(challenge);
    return formPage(after, 'The payment did not go through; try again.', typedEmail, 402);
  });
}
