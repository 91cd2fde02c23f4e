// Payment intent changes after the first confirmation: capture (whole or partial), cancel (releasing
// a held authorization), the lapse of an uncaptured authorization after 7 days, and update (amount,
// payment method, descriptive fields).

import type Stripe from 'stripe';
import { invalidRequest, unexpectedState } from '../core/errors.js';
import type { PaymentsContext } from '../payments/context.js';
import { idOf } from '../payments/intent-errors.js';
import { captureAmountError } from '../payments/intent-state.js';
import { captureCharge, releaseAuthorization } from './charges-model.js';
import {
  checkAmount,
  checkOwnership,
  disputeIfCardSaysSo,
  hiddenOf,
  requireState,
} from './payment-intents-model.js';
import { resolvePaymentMethod } from './payment-methods-model.js';

/** Card authorizations lapse when not captured within 7 days. */
const AUTHORIZATION_LIFETIME_SECONDS = 7 * 86_400;

/**
 * Cancels an authorization older than 7 days on the emulator clock (checked when the intent is read
 * or captured): the hold is released and the intent becomes `canceled` with reason `automatic`.
 */
export function lapseIfDue(ctx: PaymentsContext, pi: Stripe.PaymentIntent): Stripe.PaymentIntent {
  if (pi.status !== 'requires_capture') return pi;
  const chargeId = idOf(pi.latest_charge);
  const charge = chargeId ? ctx.account.get('charge', chargeId) : undefined;
  if (!charge || ctx.now() < charge.created + AUTHORIZATION_LIFETIME_SECONDS) return pi;
  return cancelPaymentIntent(ctx, pi, 'automatic');
}

export function capturePaymentIntent(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  amountToCapture?: number,
): Stripe.PaymentIntent {
  pi = lapseIfDue(ctx, pi);
  requireState(pi, 'capture');
  const amount = amountToCapture ?? pi.amount_capturable;
  const problem = captureAmountError(amount, pi.amount_capturable);
  if (problem) throw invalidRequest(problem, 'amount_too_large', 'amount_to_capture');
  const chargeId = idOf(pi.latest_charge);
  const charge = chargeId ? ctx.account.get('charge', chargeId) : undefined;
  if (!charge)
    throw unexpectedState(
      `PaymentIntent ${pi.id} has no authorized charge to capture.`,
      'payment_intent_unexpected_state',
    );
  captureCharge(ctx, charge, amount);
  const next = ctx.account.update({
    ...pi,
    status: 'succeeded',
    amount_received: amount,
    amount_capturable: 0,
  });
  ctx.emit('payment_intent.succeeded', next);
  const pm = ctx.account.get('payment_method', charge.payment_method ?? '');
  if (pm) disputeIfCardSaysSo(ctx, charge.id, pm);
  return next;
}

export function cancelPaymentIntent(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  reason: Stripe.PaymentIntent.CancellationReason | undefined,
): Stripe.PaymentIntent {
  requireState(pi, 'cancel');
  if (pi.status !== 'requires_capture' && hiddenOf(ctx, pi).checkoutSession) {
    throw unexpectedState(
      'This PaymentIntent is managed by a Checkout Session and cannot be canceled directly; expire the Checkout Session instead.',
      'payment_intent_unexpected_state',
    );
  }
  if (pi.status === 'requires_capture') {
    const chargeId = idOf(pi.latest_charge);
    const charge = chargeId ? ctx.account.get('charge', chargeId) : undefined;
    if (charge) releaseAuthorization(ctx, charge);
  }
  const next = ctx.account.update({
    ...pi,
    status: 'canceled',
    canceled_at: ctx.now(),
    cancellation_reason: reason ?? null,
    amount_capturable: 0,
    next_action: null,
  });
  ctx.emit('payment_intent.canceled', next);
  return next;
}

export interface PaymentIntentUpdate {
  amount?: number;
  currency?: string;
  customer?: string;
  description?: string | null;
  metadata?: Stripe.Metadata;
  payment_method?: string;
  receipt_email?: string | null;
  setup_future_usage?: 'on_session' | 'off_session' | null;
  statement_descriptor?: string | null;
  statement_descriptor_suffix?: string | null;
  capture_method?: 'automatic' | 'automatic_async' | 'manual';
}

export function updatePaymentIntent(
  ctx: PaymentsContext,
  pi: Stripe.PaymentIntent,
  u: PaymentIntentUpdate,
): Stripe.PaymentIntent {
  requireState(pi, 'update');
  const money = u.amount !== undefined || u.currency !== undefined;
  if (pi.status === 'requires_capture' && (money || u.payment_method !== undefined)) {
    throw unexpectedState(
      'Only metadata and descriptive fields can be changed on a PaymentIntent in requires_capture.',
      'payment_intent_unexpected_state',
    );
  }
  const amount = u.amount ?? pi.amount;
  const currency = u.currency ?? pi.currency;
  if (money) checkAmount(amount, currency);
  if (u.customer !== undefined) ctx.account.require('customer', u.customer, 'customer', 'customer');
  const customer = u.customer ?? idOf(pi.customer);
  const pm = u.payment_method === undefined ? null : resolvePaymentMethod(ctx, u.payment_method);
  if (pm) checkOwnership(pm, customer);
  const resets = pm !== null || money;
  const hasPm = (pm?.id ?? idOf(pi.payment_method)) !== null;
  const next = ctx.account.update({
    ...pi,
    amount,
    currency,
    customer,
    description: u.description === undefined ? pi.description : u.description,
    metadata: u.metadata ?? pi.metadata,
    payment_method: pm?.id ?? pi.payment_method,
    receipt_email: u.receipt_email === undefined ? pi.receipt_email : u.receipt_email,
    setup_future_usage: u.setup_future_usage === undefined ? pi.setup_future_usage : u.setup_future_usage,
    statement_descriptor:
      u.statement_descriptor === undefined ? pi.statement_descriptor : u.statement_descriptor,
    statement_descriptor_suffix:
      u.statement_descriptor_suffix === undefined
        ? pi.statement_descriptor_suffix
        : u.statement_descriptor_suffix,
    capture_method: u.capture_method ?? pi.capture_method,
    ...(resets && pi.status !== 'requires_capture'
      ? { status: hasPm ? 'requires_confirmation' : 'requires_payment_method', next_action: null }
      : {}),
  });
  return next;
}
