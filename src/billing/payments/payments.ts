// Payment intents for a custom payment page (Payment Element) and refunds. Creating an intent charges
// nothing: the browser confirms it with the client secret, and the outcome arrives by webhook. The
// app learns it from the mirror (`status`), never from a redirect or the create response.
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import { NotFoundError, StripeUpstreamError, ValidationError } from '../../shared/errors.js';
import type { Customers } from '../customers/index.js';
import { validateUserId } from '../customers/index.js';
import { getPaymentIntent } from '../mirror/index.js';
import {
  type AttemptOptions,
  fingerprint,
  madeByAttempt,
  type Operations,
  scopeKey,
} from '../operations/index.js';
import type { Database } from '../store/index.js';
import { callStripe } from '../stripe-client.js';
import { validateChargeAmount, validateCurrency, validateMinorUnits } from './amount.js';
import { declineMessage, describePayment, type PaymentState } from './messages.js';
import { optionalText, validateStripeId, withMetadata } from './metadata.js';

export interface CreateIntentInput extends AttemptOptions {
  userId: string;
  /** Integer minor units of `currency` (cents; whole yen; fils ending in 0). */
  amount: number;
  currency: string;
  /** Used only if the user has no Stripe customer yet. */
  email?: string;
  metadata?: Record<string, string>;
  description?: string;
}

export interface CreatedIntent {
  id: string;
  /** Hand this to the browser only (Stripe.js confirms with it); never log or store it. */
  clientSecret: string;
  status: Stripe.PaymentIntent.Status;
  amount: number;
  currency: string;
  customerId: string;
}

export type RefundReason = 'duplicate' | 'fraudulent' | 'requested_by_customer';

export interface RefundInput extends AttemptOptions {
  /** Minor units; the whole refundable remainder when omitted. */
  amount?: number;
  reason?: RefundReason;
  metadata?: Record<string, string>;
}

export interface CreatedRefund {
  id: string;
  status: string | null;
  amount: number;
  currency: string;
  paymentIntentId: string;
}

export type PaymentStatus =
  | (PaymentState & { paymentIntentId: string; amount: number; currency: string })
  | { status: 'unknown'; paymentIntentId: string; message: string; canRetry: false };

export interface Payments {
  createIntent(input: CreateIntentInput): Promise<CreatedIntent>;
  refund(paymentIntentId: string, input?: RefundInput): Promise<CreatedRefund>;
  /**
   * The payment's state for the customer, from the mirror ('unknown' until its webhook arrived). With
   * `userId`, a payment of another user reads as unknown.
   */
  status(paymentIntentId: string, options?: { userId?: string }): Promise<PaymentStatus>;
}

export interface PaymentsDeps {
  db: Kysely<Database>;
  stripe: Stripe;
  operations: Operations;
  customers: Customers;
}

const REFUND_REASONS: readonly RefundReason[] = ['duplicate', 'fraudulent', 'requested_by_customer'];
// An intent in one of these states cannot be paid again; a repeat of the operation gets a new one.
const SPENT: ReadonlySet<string> = new Set(['succeeded', 'canceled']);

export function createPayments(deps: PaymentsDeps): Payments {
  const { db, stripe, operations, customers } = deps;

  const createIntent = async (input: CreateIntentInput): Promise<CreatedIntent> => {
    const userId = validateUserId(input?.userId);
    const currency = validateCurrency(input.currency);
    const amount = validateChargeAmount(input.amount, currency);
    const metadata = withMetadata(input.metadata, { user_id: userId });
    const description = optionalText(input.description, 'description', 1000);
    const who = { userId, ...(input.email ? { email: input.email } : {}) };
    return customers.withCustomer(who, async (customer) => {
      const request: Stripe.PaymentIntentCreateParams = {
        amount,
        currency,
        customer: customer.customerId,
        automatic_payment_methods: { enabled: true },
        metadata,
        ...(description ? { description } : {}),
      };
      // The client secret is never stored: a reused attempt re-reads the intent, which also tells
      // whether it can still be paid.
      let intent: Stripe.PaymentIntent | undefined;
      const outcome = await operations.run<Stripe.PaymentIntentCreateParams, { id: string }>({
        kind: 'payment_intent.create',
        scope: scopeKey({ user: userId, amount, currency, fp: fingerprint({ metadata, description }) }),
        userId,
        request,
        ...(input.newAttempt ? { newAttempt: true } : {}),
        ...(input.operationId ? { operationId: input.operationId, subject: scopeKey({ user: userId }) } : {}),
        reuse: async (attempt) => {
          intent = await callStripe('paymentIntents.retrieve', () =>
            stripe.paymentIntents.retrieve(attempt.result.id),
          );
          // Spent, or made for the user's previous customer (deleted since): create a new one.
          return !SPENT.has(intent.status) && intent.customer === customer.customerId;
        },
        call: async (params, idempotencyKey) => {
          intent = await callStripe('paymentIntents.create', () =>
            stripe.paymentIntents.create(params, { idempotencyKey }),
          );
          return { objectId: intent.id, result: { id: intent.id } };
        },
      });
      intent ??= await callStripe('paymentIntents.retrieve', () =>
        stripe.paymentIntents.retrieve(outcome.result.id),
      );
      if (!intent.client_secret)
        throw new ValidationError(`PaymentIntent ${intent.id} has no client secret`, 'id');
      return {
        id: intent.id,
        clientSecret: intent.client_secret,
        status: intent.status,
        amount: intent.amount,
        currency: intent.currency,
        customerId: customer.customerId,
      };
    });
  };

  const refund = async (paymentIntentId: string, input: RefundInput = {}): Promise<CreatedRefund> => {
    validateStripeId(paymentIntentId, 'pi_', 'paymentIntentId');
    if (input.reason !== undefined && !REFUND_REASONS.includes(input.reason)) {
      throw new ValidationError(`reason must be one of ${REFUND_REASONS.join(', ')}`, 'reason');
    }
    if (input.amount !== undefined && (!Number.isSafeInteger(input.amount) || input.amount <= 0)) {
      throw new ValidationError('amount must be a positive integer of minor units', 'amount');
    }
    // The intent as Stripe knows it now: refunds are checked against the real remainder.
    const intent = await callStripe('paymentIntents.retrieve', () =>
      stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }),
    ).catch((error: unknown) => {
      // A mistyped or foreign id is the caller's mistake (404 naming it), not Stripe failing (502).
      if (error instanceof StripeUpstreamError && error.stripeCode === 'resource_missing') {
        throw new NotFoundError(`paymentIntentId ${paymentIntentId} does not exist in this Stripe account`);
      }
      throw error;
    });
    const amount = input.amount === undefined ? undefined : validateMinorUnits(input.amount, intent.currency);
    const userId = intent.metadata?.user_id;
    const request: Stripe.RefundCreateParams = {
      payment_intent: paymentIntentId,
      ...(amount === undefined ? {} : { amount }),
      ...(input.reason ? { reason: input.reason } : {}),
      metadata: withMetadata(input.metadata, userId ? { user_id: userId } : {}),
    };
    const outcome = await operations.run({
      kind: 'refund.create',
      scope: scopeKey({
        pi: paymentIntentId,
        amount: amount ?? 'rest',
        reason: input.reason,
        fp: input.metadata ? fingerprint({ metadata: input.metadata }) : undefined,
      }),
      ...(userId ? { userId } : {}),
      request,
      ...(input.newAttempt ? { newAttempt: true } : {}),
      ...(input.operationId
        ? { operationId: input.operationId, subject: scopeKey({ pi: paymentIntentId }) }
        : {}),
      beforeNewAttempt: async (previous) => {
        // The last try got a 5xx or no answer for a day: Stripe may have refunded; never refund twice.
        const made = await madeByAttempt<Stripe.Refund>(stripe, 'refund.created', previous);
        if (made) return refundResult(made, paymentIntentId);
        checkRefundable(intent, amount);
        return undefined;
      },
      call: async (params, idempotencyKey) => {
        const created = await callStripe('refunds.create', () =>
          stripe.refunds.create(params, { idempotencyKey }),
        );
        return { objectId: created.id, result: refundResult(created, paymentIntentId) };
      },
    });
    return outcome.result;
  };

  return {
    createIntent,
    refund,
    status: async (paymentIntentId, options = {}) => {
      validateStripeId(paymentIntentId, 'pi_', 'paymentIntentId');
      const row = await getPaymentIntent(db, paymentIntentId);
      const owner = (row?.raw as { metadata?: Record<string, string> } | undefined)?.metadata?.user_id;
      if (!row || (options.userId !== undefined && owner !== options.userId)) {
        return {
          status: 'unknown',
          paymentIntentId,
          message: "We're still confirming this payment.",
          canRetry: false,
        };
      }
      const intent = row.raw as unknown as Stripe.PaymentIntent;
      return {
        ...describePayment(intent),
        paymentIntentId,
        amount: intent.amount,
        currency: intent.currency,
      };
    },
  };
}

const refundResult = (refund: Stripe.Refund, paymentIntentId: string): CreatedRefund => ({
  id: refund.id,
  status: refund.status,
  amount: refund.amount,
  currency: refund.currency,
  paymentIntentId,
});

/** Refuses a refund the payment cannot take, naming the field. */
function checkRefundable(intent: Stripe.PaymentIntent, amount: number | undefined): void {
  if (intent.status !== 'succeeded') {
    throw new ValidationError(
      `paymentIntentId ${intent.id} cannot be refunded while it is ${intent.status}; only succeeded payments can`,
      'paymentIntentId',
    );
  }
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  if (!charge) return;
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining <= 0) {
    throw new ValidationError(`paymentIntentId ${intent.id} is already fully refunded`, 'paymentIntentId');
  }
  if (amount !== undefined && amount > remaining) {
    throw new ValidationError(
      `amount ${amount} exceeds what is left to refund on ${intent.id} (${remaining} in minor units)`,
      'amount',
    );
  }
}

/** A message for the customer from an error thrown while confirming or charging. */
export function paymentErrorMessage(error: unknown): string {
  if (error instanceof StripeUpstreamError && error.stripeType === 'card_error') {
    return declineMessage(error.stripeCode, error.declineCode);
  }
  return 'Something went wrong while processing the payment. Please try again.';
}
