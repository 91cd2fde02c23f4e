// Refunds of captured charges: full, partial, several per charge. In test mode a refund succeeds at
// once, except on the refund cards: `pendingRefund` starts `pending` and succeeds just after the
// request; `refundFail` starts `succeeded` and then fails (`expired_or_canceled_card`), the money
// coming back to the balance.

import type Stripe from 'stripe';
import { invalidRequest } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { PaymentsContext } from '../payments/context.js';
import { cardForNumber, isDecline } from '../payments/test-cards.js';
import { recordBalanceTransaction } from './balance-transactions-model.js';
import { refundableAmount } from './charges-model.js';
import type { CardHidden } from './payment-methods-model.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    refund: Stripe.Refund;
  }
}

export interface NewRefund {
  charge: Stripe.Charge;
  amount?: number;
  reason?: Stripe.Refund.Reason;
  metadata?: Stripe.Metadata;
}

function refundBehaviour(ctx: PaymentsContext, charge: Stripe.Charge) {
  const hidden = charge.payment_method ? ctx.account.hidden<CardHidden>(charge.payment_method) : undefined;
  if (!hidden) return null;
  const card = cardForNumber(hidden.number);
  return isDecline(card) ? null : card.refund;
}

function checkRefundable(ctx: PaymentsContext, charge: Stripe.Charge, amount: number | undefined): number {
  if (charge.status !== 'succeeded' || !charge.captured) {
    throw invalidRequest(
      `Charge ${charge.id} has not been captured and cannot be refunded; cancel its PaymentIntent instead.`,
      'charge_not_refundable',
      'charge',
    );
  }
  if (charge.disputed) {
    const dispute = [...ctx.account.collection('dispute').newestFirst()].find(
      (e) => e.obj.charge === charge.id,
    )?.obj;
    if (dispute && !dispute.is_charge_refundable) {
      throw invalidRequest(
        `Charge ${charge.id} has been charged back; cannot issue a refund.`,
        'charge_disputed',
        'charge',
      );
    }
  }
  const remaining = refundableAmount(charge);
  if (remaining <= 0) {
    throw invalidRequest(
      `Charge ${charge.id} has already been refunded.`,
      'charge_already_refunded',
      'charge',
    );
  }
  if (amount === undefined) return remaining;
  if (amount <= 0) throw invalidRequest('Refund amount must be a positive integer.', undefined, 'amount');
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
      'amount_too_large',
      'amount',
    );
  }
  return amount;
}

/** `POST /v1/refunds`; emits `refund.created` and `charge.refunded`. */
export function createRefund(ctx: PaymentsContext, r: NewRefund): Stripe.Refund {
  const { charge } = r;
  const amount = checkRefundable(ctx, charge, r.amount);
  const behaviour = refundBehaviour(ctx, charge);
  const id = newId('re');
  const txn = recordBalanceTransaction(ctx, {
    amount: -amount,
    currency: charge.currency,
    fee: 0,
    type: 'refund',
    reportingCategory: 'refund',
    source: id,
    description: null,
  });
  const refund: Stripe.Refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: txn.id,
    charge: charge.id,
    created: ctx.now(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    metadata: r.metadata ?? {},
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: r.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: behaviour === 'pending_then_succeeded' ? 'pending' : 'succeeded',
    transfer_reversal: null,
  };
  if (refund.status === 'pending') refund.pending_reason = 'processing';
  ctx.account.insert(refund);
  const refundedTotal = charge.amount_refunded + amount;
  const nextCharge = ctx.account.update({
    ...charge,
    amount_refunded: refundedTotal,
    refunded: refundedTotal >= charge.amount_captured,
  });
  ctx.emit('refund.created', refund);
  ctx.emitUpdate('charge.refunded', charge, nextCharge);
  if (behaviour) ctx.later((auto) => settleTestRefund(auto, id));
  return refund;
}

/** The later half of the refund cards' behaviour. */
function settleTestRefund(ctx: PaymentsContext, refundId: string): void {
  const refund = ctx.account.get('refund', refundId);
  if (!refund) return;
  if (refund.status === 'pending') {
    const { pending_reason: _dropped, ...rest } = refund;
    const next = ctx.account.update({ ...rest, status: 'succeeded' });
    emitRefundChange(ctx, 'refund.updated', refund, next);
    return;
  }
  if (refund.status !== 'succeeded') return;
  const chargeId = typeof refund.charge === 'string' ? refund.charge : refund.charge?.id;
  const charge = chargeId ? ctx.account.get('charge', chargeId) : undefined;
  const back = recordBalanceTransaction(ctx, {
    amount: refund.amount,
    currency: refund.currency,
    fee: 0,
    type: 'refund_failure',
    reportingCategory: 'refund_failure',
    source: refund.id,
    description: `REFUND FOR FAILED ${refund.id}`,
  });
  const next = ctx.account.update({
    ...refund,
    status: 'failed',
    failure_reason: 'expired_or_canceled_card',
    failure_balance_transaction: back.id,
  });
  if (charge) {
    const amountRefunded = Math.max(0, charge.amount_refunded - refund.amount);
    ctx.account.update({
      ...charge,
      amount_refunded: amountRefunded,
      refunded: amountRefunded >= charge.amount_captured && amountRefunded > 0,
    });
  }
  emitRefundChange(ctx, 'refund.failed', refund, next);
}

function emitRefundChange(
  ctx: PaymentsContext,
  type: 'refund.updated' | 'refund.failed',
  before: Stripe.Refund,
  after: Stripe.Refund,
) {
  ctx.emitUpdate('refund.updated', before, after);
  if (type === 'refund.failed') ctx.emit('refund.failed', after);
  ctx.emitUpdate('charge.refund.updated', before, after);
}

/** `POST /v1/refunds/:id/cancel`: only refunds waiting for an action can be canceled through the API. */
export function cancelRefund(ctx: PaymentsContext, refund: Stripe.Refund): Stripe.Refund {
  if (refund.status !== 'requires_action') {
    throw invalidRequest(
      `Refund ${refund.id} cannot be canceled because it has a status of ${refund.status}. Only refunds with a status of requires_action can be canceled.`,
      'refund_unexpected_state',
    );
  }
  const next = ctx.account.update({ ...refund, status: 'canceled' });
  ctx.emitUpdate('refund.updated', refund, next);
  return next;
}
