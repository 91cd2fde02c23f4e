// Payment intents: the state machine of ../payments/intent-state.ts driven by the test cards'
// verdicts. A confirmation either needs 3D Secure (`requires_action`, with a link to the emulator's
// test page), is declined (a failed charge, the intent back to `requires_payment_method`, and a 402
// for the caller), or authorizes a charge (captured at once, or held for a manual capture).

import type Stripe from 'stripe';
import { currencyExponent } from '../../shared/currency.js';
import { invalidRequest, unexpectedState } from '../core/errors.js';
import { newId, randomChars } from '../core/ids.js';
import { type ChargeVerdict, chargeVerdict, declineVerdict } from '../payments/card-outcome.js';
import type { PaymentsContext } from '../payments/context.js';
import { authenticationFailure, declineRecord, idOf, threeDSecureAction } from '../payments/intent-errors.js';
import {
  type IntentOperation,
  type PaymentIntentStatus,
  paymentIntentStatusAfter,
  unexpectedStateMessage,
} from '../payments/intent-state.js';
import { MAXIMUM_AMOUNT, minimumChargeAmount } from '../payments/money.js';
import { declines } from '../payments/test-cards.js';
import { createCharge } from './charges-model.js';
import { openDispute } from './disputes-model.js';
import { raiseEarlyFraudWarning } from './early-fraud-warnings.js';
import {
  attachPaymentMethod,
  cardHidden,
  declineError,
  markSetUpForOffSession,
  paymentMethodToConfirm,
  resolvePaymentMethod,
  spendUnlessAttached,
  testCardOf,
} from './payment-methods-model.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    payment_intent: Stripe.PaymentIntent;
  }
}

/** Private state of a payment intent. */
export interface PaymentIntentHidden {
  offSession: boolean;
  returnUrl: string | null;
  errorOnRequiresAction: boolean;
  /** The Checkout Session that owns this intent, if any. */
  checkoutSession: string | null;
  /** 3D Secure was completed and waits for the manual confirmation (`confirmation_method=manual`). */
  authenticated: boolean;
}

export const newPaymentIntentHidden = (checkoutSession: string | null = null): PaymentIntentHidden => ({
  offSession: false,
  returnUrl: null,
  errorOnRequiresAction: false,
  checkoutSession,
  authenticated: false,
});

/** `amount` must be a whole number of minor units between the currency's minimum and Stripe's maximum. */
export function checkAmount(amount: number, currency: string, param = 'amount'): void {
  const minimum = minimumChargeAmount(currency);
  const exp = currencyExponent(currency);
  const show = (n: number) => `${(n / 10 ** exp).toFixed(exp)} ${currency}`;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${show(minimum)}`, 'amount_too_small', param);
  }
  if (amount > MAXIMUM_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${show(MAXIMUM_AMOUNT)}`, 'amount_too_large', param);
  }
}

export function requireState(pi: Stripe.PaymentIntent, operation: IntentOperation): void {
  const message = unexpectedStateMessage('PaymentIntent', pi.status as PaymentIntentStatus, operation);
  if (message) throw unexpectedState(message, 'payment_intent_unexpected_state');
}

export interface NewPaymentIntent {
  amount: number;
  currency: string;
  customer?: string;
  payment_method?: string;
  capture_method?: 'automatic' | 'automatic_async' | 'manual';
  confirmation_method?: 'automatic' | 'manual';
  setup_future_usage?: 'on_session' | 'off_session';
  automatic_payment_methods?: { enabled: boolean; allow_redirects?: 'always' | 'never' };
  description?: string;
  metadata?: Stripe.Metadata;
  receipt_email?: string;
  statement_descriptor?: string;
  statement_descriptor_suffix?: string;
}

/** Checks that a payment method may be used with this intent's customer. */
export function checkOwnership(pm: Stripe.PaymentMethod, customer: string | null): void {
  if (pm.customer !== null && customer === null) {
    throw invalidRequest(
      `The PaymentMethod provided (${pm.id}) is attached to a Customer. To use this PaymentMethod, you must provide the Customer ID in the request.`,
      undefined,
      'payment_method',
    );
  }
  if (pm.customer !== null && customer !== null && pm.customer !== customer) {
    throw invalidRequest(
      'The provided PaymentMethod belongs to a different Customer.',
      undefined,
      'payment_method',
    );
  }
}

export function createPaymentIntent(
  ctx: PaymentsContext,
  n: NewPaymentIntent,
  hidden: PaymentIntentHidden,
): Stripe.PaymentIntent {
  checkAmount(n.amount, n.currency);
  if (n.customer !== undefined) ctx.account.require('customer', n.customer, 'customer', 'customer');
  const pm = n.payment_method === undefined ? null : resolvePaymentMethod(ctx, n.payment_method);
  if (pm) checkOwnership(pm, n.customer ?? null);
  const id = newId('pi');
  const automatic = n.automatic_payment_methods ?? { enabled: true };
  const pi: Stripe.PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: n.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: automatic.enabled
      ? { enabled: true, allow_redirects: automatic.allow_redirects ?? 'always' }
      : null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: n.capture_method ?? 'automatic_async',
    client_secret: `${id}_secret_${randomChars(25)}`,
    confirmation_method: n.confirmation_method ?? 'automatic',
    created: ctx.now(),
    currency: n.currency,
    customer: n.customer ?? null,
    customer_account: null,
    description: n.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: n.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: n.receipt_email ?? null,
    review: null,
    setup_future_usage: n.setup_future_usage ?? null,
    shipping: null,
    source: null,
    statement_descriptor: n.statement_descriptor ?? null,
    statement_descriptor_suffix: n.statement_descriptor_suffix ?? null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
  ctx.account.insert(pi, hidden);
  ctx.emit('payment_intent.created', pi);
  return pi;
}

export const hiddenOf = (ctx: PaymentsContext, pi: Stripe.PaymentIntent): PaymentIntentHidden => ({
  ...newPaymentIntentHidden(),
  ...ctx.account.hidden<PaymentIntentHidden>(pi.id),
});

export interface ConfirmOptions {
  payment_method?: string;
  return_url?: string;
  off_session?: boolean;
  setup_future_usage?: 'on_session' | 'off_session' | null;
  receipt_email?: string;
  capture_method?: 'automatic' | 'automatic_async' | 'manual';
  error_on_requires_action?: boolean;
}

/** The outcome of a confirmation: the intent, and the card error to answer with when declined. */
export interface ConfirmResult {
  intent: Stripe.PaymentIntent;
  error: ReturnType<typeof declineError> | null;
}

/** `POST /v1/payment_intents/:id/confirm` (and `confirm=true` on create). */
export function confirmPaymentIntent(
  ctx: PaymentsContext,
  current: Stripe.PaymentIntent,
  o: ConfirmOptions,
): ConfirmResult {
  requireState(current, 'confirm');
  const previous = hiddenOf(ctx, current);
  const hidden: PaymentIntentHidden = {
    ...previous,
    offSession: o.off_session ?? previous.offSession,
    returnUrl: o.return_url ?? previous.returnUrl,
    errorOnRequiresAction: o.error_on_requires_action ?? previous.errorOnRequiresAction,
    authenticated: false,
  };
  const pm = paymentMethodToConfirm(ctx, 'PaymentIntent', o.payment_method, idOf(current.payment_method));
  checkOwnership(pm, idOf(current.customer));
  const pi = ctx.account.update(
    {
      ...current,
      payment_method: pm.id,
      receipt_email: o.receipt_email ?? current.receipt_email,
      capture_method: o.capture_method ?? current.capture_method,
      setup_future_usage:
        o.setup_future_usage === undefined ? current.setup_future_usage : o.setup_future_usage,
    },
    hidden,
  );
  // Authentication completed for a manual confirmation counts for this payment method only.
  return attempt(ctx, pi, pm, previous.authenticated && pm.id === idOf(current.payment_method));
}

/** One charge attempt with the intent's payment method. */
function attempt(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  authenticated: boolean,
): ConfirmResult {
  const hidden = hiddenOf(ctx, pi);
  const card = testCardOf(ctx, pm);
  const cardState = cardHidden(ctx, pm);
  let verdict: ChargeVerdict = chargeVerdict(card, {
    offSession: hidden.offSession,
    setUpForOffSession: cardState.setUpForOffSession,
    authenticated,
    cvcSupplied: cardState.cvcSupplied,
    postalCodeSupplied: cardState.postalCodeSupplied,
  });
  if (verdict.kind === 'requires_action' && hidden.errorOnRequiresAction) {
    verdict = declineVerdict(card, declines.authenticationRequired);
  }
  if (verdict.kind === 'requires_action') return { intent: requireAction(ctx, pi), error: null };
  if (verdict.kind === 'decline') return decline(ctx, pi, pm, verdict, authenticated);
  return succeed(ctx, pi, pm, verdict, authenticated);
}

function requireAction(ctx: PaymentsContext, pi: Stripe.PaymentIntent): Stripe.PaymentIntent {
  const { returnUrl } = hiddenOf(ctx, pi);
  const next = ctx.account.update({
    ...pi,
    status: 'requires_action',
    next_action: threeDSecureAction(ctx.baseUrl(), pi, returnUrl),
    last_payment_error: null,
  });
  ctx.emit('payment_intent.requires_action', next);
  return next;
}

function decline(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  verdict: Extract<ChargeVerdict, { kind: 'decline' }>,
  authenticated: boolean,
): ConfirmResult {
  const charge = createCharge(ctx, {
    paymentIntent: pi,
    paymentMethod: pm,
    outcome: verdict.outcome,
    decline: verdict.decline,
    capture: false,
    authenticated,
  });
  const d = verdict.decline;
  const lastError = declineRecord(d, ctx.account.get('payment_method', pm.id) ?? pm, charge.id);
  const next = ctx.account.update({
    ...pi,
    status: 'requires_payment_method',
    // Stripe clears the method after a failure; the next confirmation must name one.
    payment_method: null,
    last_payment_error: lastError,
    latest_charge: charge.id,
    next_action: null,
  });
  ctx.emit('charge.failed', charge);
  ctx.emit('payment_intent.payment_failed', next);
  spendUnlessAttached(ctx, pm.id);
  const error = declineError(d, {
    charge: charge.id,
    payment_intent: next,
    payment_method: lastError.payment_method,
  });
  return { intent: next, error };
}

function succeed(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  verdict: Extract<ChargeVerdict, { kind: 'succeed' }>,
  authenticated: boolean,
): ConfirmResult {
  const capture = pi.capture_method !== 'manual';
  const charge = createCharge(ctx, {
    paymentIntent: pi,
    paymentMethod: pm,
    outcome: verdict.outcome,
    decline: null,
    capture,
    authenticated,
  });
  const status = paymentIntentStatusAfter(verdict, pi.capture_method);
  ctx.emit('charge.succeeded', charge);
  const customer = idOf(pi.customer);
  if (pi.setup_future_usage && customer) {
    const attached = attachPaymentMethod(ctx, pm, customer);
    markSetUpForOffSession(ctx, attached);
  }
  const next = ctx.account.update({
    ...pi,
    status,
    amount_received: capture ? pi.amount : 0,
    amount_capturable: capture ? 0 : pi.amount,
    last_payment_error: null,
    latest_charge: charge.id,
    next_action: null,
  });
  spendUnlessAttached(ctx, pm.id);
  if (capture) {
    ctx.emit('payment_intent.succeeded', next);
    disputeIfCardSaysSo(ctx, charge.id, pm);
  } else {
    ctx.emit('payment_intent.amount_capturable_updated', next);
  }
  return { intent: next, error: null };
}

/** Once a charge is captured, the dispute and issuer-fraud cards raise what they stand for. */
export function disputeIfCardSaysSo(ctx: PaymentsContext, chargeId: string, pm: Stripe.PaymentMethod): void {
  const card = testCardOf(ctx, pm);
  const charge = ctx.account.get('charge', chargeId);
  if (!charge) return;
  if (card.dispute) openDispute(ctx, charge, card.dispute);
  if (card.earlyFraudWarning) raiseEarlyFraudWarning(ctx, charge);
}

/** The outcome of the 3D Secure test page (or the control route that stands in for it). */
export function authenticatePaymentIntent(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  success: boolean,
): Stripe.PaymentIntent {
  requireState(pi, 'authenticate');
  const pm = ctx.account.require(
    'payment_method',
    idOf(pi.payment_method) ?? '',
    'payment_method',
    'PaymentMethod',
  );
  if (success && pi.confirmation_method === 'manual') {
    // The server confirms again; that confirmation counts as authenticated.
    return ctx.account.update(
      { ...pi, status: 'requires_confirmation', next_action: null },
      { ...hiddenOf(ctx, pi), authenticated: true },
    );
  }
  if (success) {
    const result = attempt(ctx, pi, pm, true);
    if (result.intent.status === 'succeeded' || result.intent.status === 'requires_capture') {
      // Authenticated with the intention of saving the card: off-session payments no longer ask.
      if (pi.setup_future_usage) markSetUpForOffSession(ctx, pm);
    }
    return result.intent;
  }
  const next = ctx.account.update({
    ...pi,
    status: 'requires_payment_method',
    payment_method: null,
    next_action: null,
    last_payment_error: authenticationFailure('payment_intent', pm),
  });
  ctx.emit('payment_intent.payment_failed', next);
  return next;
}
