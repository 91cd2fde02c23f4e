// Charges: one per payment attempt that reached the card network (or Radar). A payment intent creates
// them; captures, refunds and disputes update them. Captured money gets a balance transaction.

import type Stripe from 'stripe';
import { newId, randomChars } from '../core/ids.js';
import type { AccountStore } from '../core/store.js';
import type { ChargeOutcome } from '../payments/card-outcome.js';
import type { PaymentsContext } from '../payments/context.js';
import { processingFee } from '../payments/money.js';
import type { CardDecline } from '../payments/test-cards.js';
import { recordBalanceTransaction } from './balance-transactions-model.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    charge: Stripe.Charge;
  }
}

export interface NewCharge {
  paymentIntent: Stripe.PaymentIntent;
  paymentMethod: Stripe.PaymentMethod;
  outcome: ChargeOutcome;
  /** Set for a failed charge. */
  decline: CardDecline | null;
  /** Capture at once (automatic capture) or only authorize (manual). */
  capture: boolean;
  /** 3D Secure was completed for this attempt. */
  authenticated: boolean;
}

function renderOutcome(o: ChargeOutcome): Stripe.Charge.Outcome {
  return {
    advice_code: o.type === 'authorized' ? null : 'try_again_later',
    network_advice_code: null,
    network_decline_code: null,
    network_status: o.networkStatus,
    reason: o.reason,
    risk_level: o.riskLevel,
    risk_score: o.riskScore,
    seller_message: o.sellerMessage,
    type: o.type,
  };
}

function renderCardDetails(
  pm: Stripe.PaymentMethod,
  amount: number,
  authenticated: boolean,
): Stripe.Charge.PaymentMethodDetails {
  const card = pm.card!;
  return {
    type: 'card',
    card: {
      amount_authorized: amount,
      authorization_code: randomChars(6).toUpperCase(),
      brand: card.brand,
      checks: card.checks,
      country: card.country,
      electronic_commerce_indicator: authenticated ? '05' : null,
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      fingerprint: card.fingerprint ?? null,
      funding: card.funding,
      installments: null,
      last4: card.last4,
      mandate: null,
      network: card.brand,
      network_transaction_id: randomChars(15),
      regulated_status: 'unregulated',
      three_d_secure: authenticated
        ? ({
            authentication_flow: 'challenge',
            electronic_commerce_indicator: '05',
            exemption_indicator: null,
            result: 'authenticated',
            result_reason: null,
            transaction_id: randomChars(20),
            version: '2.2.0',
          } satisfies Stripe.Charge.PaymentMethodDetails.Card.ThreeDSecure)
        : null,
      transaction_link_id: null,
      wallet: null,
    },
  };
}

/** Records the captured part of a charge on the balance. */
function settleCapture(ctx: PaymentsContext, charge: Stripe.Charge, amount: number): string {
  return recordBalanceTransaction(ctx, {
    amount,
    currency: charge.currency,
    fee: processingFee(amount, charge.currency),
    type: 'charge',
    reportingCategory: 'charge',
    source: charge.id,
    description: charge.description,
  }).id;
}

/** Stores the charge of one attempt (and its balance transaction when captured). No events. */
export function createCharge(ctx: PaymentsContext, c: NewCharge): Stripe.Charge {
  const pi = c.paymentIntent;
  const succeeded = c.decline === null;
  const captured = succeeded && c.capture;
  const id = newId('ch');
  const customer = typeof pi.customer === 'string' ? pi.customer : (pi.customer?.id ?? null);
  const charge: Stripe.Charge = {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: c.paymentMethod.billing_details,
    calculated_statement_descriptor: (pi.statement_descriptor ?? 'COFFER EMULATOR').slice(0, 22),
    captured,
    created: ctx.now(),
    currency: pi.currency,
    customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: c.decline?.code ?? null,
    failure_message: c.decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: renderOutcome(c.outcome),
    paid: succeeded,
    payment_intent: pi.id,
    payment_method: c.paymentMethod.id,
    payment_method_details: renderCardDetails(c.paymentMethod, pi.amount, c.authenticated),
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: `${ctx.baseUrl()}/_emulator/receipts/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: pi.statement_descriptor,
    statement_descriptor_suffix: pi.statement_descriptor_suffix,
    status: succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
  if (captured) charge.balance_transaction = settleCapture(ctx, charge, charge.amount);
  return ctx.account.insert(charge);
}

/** Captures `amount` of an authorized charge; emits `charge.captured`. */
export function captureCharge(ctx: PaymentsContext, charge: Stripe.Charge, amount: number): Stripe.Charge {
  const next = ctx.account.update({
    ...charge,
    captured: true,
    amount_captured: amount,
    balance_transaction: settleCapture(ctx, charge, amount),
  });
  ctx.emit('charge.captured', next, { captured: false, amount_captured: 0, balance_transaction: null });
  return next;
}

/** Releases an uncaptured authorization (payment intent canceled in `requires_capture`). */
export function releaseAuthorization(ctx: PaymentsContext, charge: Stripe.Charge): Stripe.Charge {
  const next = ctx.account.update({ ...charge, amount_refunded: charge.amount, refunded: true });
  ctx.emit('charge.refunded', next, { amount_refunded: charge.amount_refunded, refunded: charge.refunded });
  return next;
}

/** How much of a charge can still be refunded. */
export const refundableAmount = (charge: Stripe.Charge): number =>
  charge.amount_captured - charge.amount_refunded;

export function chargeOf(account: AccountStore, id: string): Stripe.Charge {
  return account.require('charge', id, 'charge', 'charge');
}
