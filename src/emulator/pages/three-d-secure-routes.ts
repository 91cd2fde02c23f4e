// The 3D Secure test page (`GET/POST /_emulator/3ds/:id`) a `redirect_to_url` next action points at,
// and the browserless control route `POST /_emulator/intents/:id/authenticate` with
// `{ outcome: 'complete' | 'fail' }`. Both drive the same authentication logic.

import type Stripe from 'stripe';
import { formatMoney } from '../../shared/currency.js';
import type { EmulatorCore } from '../core/emulator.js';
import { invalidRequest, resourceMissing } from '../core/errors.js';
import { PageResponse } from '../core/page-response.js';
import { p, parseParams } from '../core/params.js';
import type { AccountStore } from '../core/store.js';
import { automaticContext } from '../payments/context.js';
import { finishIfPaid, sessionOfIntent } from '../resources/checkout-sessions-model.js';
import { authenticatePaymentIntent } from '../resources/payment-intents-model.js';
import { authenticateSetupIntent } from '../resources/setup-intents-model.js';
import { renderThreeDSecureDone, renderThreeDSecureGone, renderThreeDSecurePage } from './three-d-secure.js';

type Intent = Stripe.PaymentIntent | Stripe.SetupIntent;

/** The intent with this id in whichever account holds it. */
function findIntent(emu: EmulatorCore, id: string): { account: AccountStore; intent: Intent } | null {
  const object = id.startsWith('seti_') ? 'setup_intent' : 'payment_intent';
  for (const accountId of emu.store.accountIds()) {
    const account = emu.store.account(accountId);
    const intent = account.get(object, id) as Intent | undefined;
    if (intent) return { account, intent };
  }
  return null;
}

/** The intent only while it waits for authentication. */
function waitingIntent(emu: EmulatorCore, id: string): { account: AccountStore; intent: Intent } | null {
  const found = findIntent(emu, id);
  return found && found.intent.status === 'requires_action' ? found : null;
}

function summary(intent: Intent): string {
  if (intent.object === 'setup_intent') return 'Save a card for future payments.';
  return `Pay ${formatMoney({ amount: intent.amount, currency: intent.currency })}.`;
}

/**
 * Applies the outcome; returns the updated intent and, for a Checkout Session's intent, where the
 * customer goes next: the success URL once paid, back to the hosted page when not.
 */
function authenticate(
  emu: EmulatorCore,
  account: AccountStore,
  intent: Intent,
  success: boolean,
): { intent: Intent; checkoutRedirect: string | null } {
  const ctx = automaticContext(emu, account);
  const after =
    intent.object === 'setup_intent'
      ? authenticateSetupIntent(ctx, intent, success)
      : authenticatePaymentIntent(ctx, intent, success);
  const session = sessionOfIntent(ctx, after);
  if (!session) return { intent: after, checkoutRedirect: null };
  const done = finishIfPaid(ctx, session, after);
  const checkoutRedirect = done.redirect_url ?? (done.session.status === 'open' ? done.session.url : null);
  return { intent: after, checkoutRedirect };
}

/** Where the browser goes afterwards: the intent's `return_url` with Stripe's query parameters. */
function returnUrlOf(before: Intent, after: Intent): string | null {
  const returnUrl = before.next_action?.redirect_to_url?.return_url ?? null;
  if (!returnUrl) return null;
  const url = new URL(returnUrl);
  const kind = before.object === 'setup_intent' ? 'setup_intent' : 'payment_intent';
  url.searchParams.set(kind, before.id);
  url.searchParams.set(`${kind}_client_secret`, before.client_secret ?? '');
  const ok =
    after.status === 'succeeded' || after.status === 'requires_capture' || after.status === 'processing';
  url.searchParams.set('redirect_status', ok ? 'succeeded' : 'failed');
  return url.toString();
}

const outcomeParam = () => p.enum(['complete', 'fail']).required();

export function registerThreeDSecurePages(emu: EmulatorCore): void {
  emu.control('GET', '/_emulator/3ds/:id', (req) => {
    const id = req.pathParams.id!;
    const found = waitingIntent(emu, id);
    if (!found) return PageResponse.html(renderThreeDSecureGone(id), 404);
    return PageResponse.html(
      renderThreeDSecurePage({
        intentId: id,
        summary: summary(found.intent),
        actionUrl: `/_emulator/3ds/${encodeURIComponent(id)}`,
      }),
    );
  });

  emu.control('POST', '/_emulator/3ds/:id', (req) => {
    const id = req.pathParams.id!;
    const { outcome } = parseParams({ outcome: outcomeParam(), client_secret: p.string() }, req.params);
    const found = waitingIntent(emu, id);
    if (!found) return PageResponse.html(renderThreeDSecureGone(id), 404);
    const done = authenticate(emu, found.account, found.intent, outcome === 'complete');
    const target = returnUrlOf(found.intent, done.intent) ?? done.checkoutRedirect;
    if (target) return PageResponse.redirect(target);
    return PageResponse.html(renderThreeDSecureDone(id, outcome === 'complete'));
  });

  emu.control('POST', '/_emulator/intents/:id/authenticate', (req) => {
    const id = req.pathParams.id!;
    const { outcome } = parseParams({ outcome: outcomeParam() }, req.params);
    const found = findIntent(emu, id);
    if (!found) throw resourceMissing(id.startsWith('seti_') ? 'setup_intent' : 'payment_intent', id);
    if (found.intent.status !== 'requires_action') {
      throw invalidRequest(
        `${id} is not waiting for authentication (status ${found.intent.status}).`,
        found.intent.object === 'setup_intent'
          ? 'setup_intent_unexpected_state'
          : 'payment_intent_unexpected_state',
      );
    }
    return authenticate(emu, found.account, found.intent, outcome === 'complete').intent;
  });
}
