// Stripe Checkout, the seed's recommended start. The customer is ensured first (one per user), the
// session carries the user in `client_reference_id` and in the metadata of the session and of its
// payment, and creating it is idempotent per operation. The success page asks `status`, which answers
// from the mirror the webhooks fill: a redirect alone never grants anything (seed rule 1).
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import type { Customers } from '../customers/index.js';
import { validateUserId } from '../customers/index.js';
import { getCheckoutSession } from '../mirror/index.js';
import { type AttemptOptions, fingerprint, type Operations, scopeKey } from '../operations/index.js';
import { validateStripeId, withMetadata } from '../payments/metadata.js';
import type { Database } from '../store/index.js';
import { callStripe, stripeParam } from '../stripe-client.js';
import type { PriceResolver } from './prices.js';

/** `subscription` joins `payment` with the subscription issues; the options below are shared by both. */
export type CheckoutMode = 'payment' | 'subscription';

export interface CheckoutInput extends AttemptOptions {
  userId: string;
  /** Used only if the user has no Stripe customer yet. */
  email?: string;
  name?: string;
  /** A price id (`price_…`), or `lookupKey` instead. */
  price?: string;
  lookupKey?: string;
  quantity?: number;
  /** Default `payment`. */
  mode?: CheckoutMode;
  /** Where Stripe sends the customer after paying; `session_id={CHECKOUT_SESSION_ID}` is added. */
  successUrl: string;
  cancelUrl: string;
  metadata?: Record<string, string>;
  /** Default `auto` (the seed's); `required` always asks for a billing address. */
  billingAddressCollection?: 'auto' | 'required';
}

export interface CreatedCheckout {
  id: string;
  /** The hosted page to send the customer to. */
  url: string;
  /** Unix seconds after which the session can no longer be paid. */
  expiresAt: number;
  customerId: string;
}

export type CheckoutState = 'paid' | 'pending' | 'expired' | 'unknown';

export interface CheckoutStatus {
  /** `paid` only once the mirror holds the completed, paid session (webhook or catch-up). */
  status: CheckoutState;
  sessionId: string;
  paymentStatus?: string | null;
  amountTotal?: number | null;
  currency?: string | null;
  customerId?: string | null;
  paymentIntentId?: string | null;
  userId?: string | null;
}

export interface Checkout {
  create(input: CheckoutInput): Promise<CreatedCheckout>;
  /** From the mirror. With `userId`, a session of another user reads as `unknown`. */
  status(sessionId: string, options?: { userId?: string }): Promise<CheckoutStatus>;
}

export interface CheckoutDeps {
  db: Kysely<Database>;
  stripe: Stripe;
  operations: Operations;
  customers: Customers;
  prices: PriceResolver;
  clock: Clock;
}

type ModeParams = (
  input: CheckoutInput,
  metadata: Record<string, string>,
) => Partial<Stripe.Checkout.SessionCreateParams>;

// Mode-specific parameters; subscription mode adds its entry (subscription_data, trials, promotion
// codes, tax-id collection) without touching the rest.
const MODES: Partial<Record<CheckoutMode, ModeParams>> = {
  payment: (_input, metadata) => ({ payment_intent_data: { metadata } }),
};

/** A session created by an earlier attempt is handed out again only while it can still be paid. */
const REUSE_MARGIN_SECONDS = 10 * 60;

export function createCheckout(deps: CheckoutDeps): Checkout {
  const { db, stripe, operations, customers, prices, clock } = deps;

  const create = async (input: CheckoutInput): Promise<CreatedCheckout> => {
    const userId = validateUserId(input?.userId);
    const mode = input.mode ?? 'payment';
    const modeParams = MODES[mode];
    if (!modeParams) {
      throw new ValidationError(
        `mode "${String(mode)}" is not available yet; use "payment" (subscription mode comes with subscriptions)`,
        'mode',
      );
    }
    const quantity = input.quantity ?? 1;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > 999_999) {
      throw new ValidationError('quantity must be a whole number from 1 to 999999', 'quantity');
    }
    const successUrl = withSessionId(validateUrl(input.successUrl, 'successUrl'));
    const cancelUrl = validateUrl(input.cancelUrl, 'cancelUrl');
    const billingAddressCollection = input.billingAddressCollection ?? 'auto';
    if (billingAddressCollection !== 'auto' && billingAddressCollection !== 'required') {
      throw new ValidationError(
        'billingAddressCollection must be "auto" or "required"',
        'billingAddressCollection',
      );
    }
    const metadata = withMetadata(input.metadata, { user_id: userId });
    const price = await resolvePrice(input, prices);
    const who = {
      userId,
      ...(input.email ? { email: input.email } : {}),
      ...(input.name ? { name: input.name } : {}),
    };
    return customers.withCustomer(who, async (customer) => {
      const request: Stripe.Checkout.SessionCreateParams = {
        mode,
        customer: customer.customerId,
        client_reference_id: userId,
        line_items: [{ price, quantity }],
        success_url: successUrl,
        cancel_url: cancelUrl,
        metadata,
        billing_address_collection: billingAddressCollection,
        customer_update: { address: 'auto', name: 'auto' },
        ...modeParams(input, metadata),
      };
      /** Why a session made earlier cannot be handed out again (undefined when it can). */
      const unusable = async (result: CreatedCheckout): Promise<string | undefined> => {
        // A session made for the user's previous customer (deleted since) would pay into a dead account.
        if (result.customerId !== customer.customerId) return "was made for the user's previous customer";
        if (result.expiresAt - REUSE_MARGIN_SECONDS <= clock.now() / 1000)
          return 'has expired (or is about to)';
        const mirrored = await getCheckoutSession(db, result.id);
        return !mirrored || mirrored.status === 'open' ? undefined : `is ${mirrored.status}`;
      };
      const outcome = await operations.run<Stripe.Checkout.SessionCreateParams, CreatedCheckout>({
        kind: 'checkout.create',
        scope: scopeKey({
          user: userId,
          mode,
          price,
          quantity,
          fp: fingerprint({ successUrl, cancelUrl, metadata, billingAddressCollection }),
        }),
        userId,
        request,
        ...(input.newAttempt ? { newAttempt: true } : {}),
        ...(input.operationId ? { operationId: input.operationId, subject: scopeKey({ user: userId }) } : {}),
        reuse: async ({ result }) => (await unusable(result)) === undefined,
        call: async (params, idempotencyKey) => {
          const session = await callStripe('checkout.sessions.create', () =>
            stripe.checkout.sessions.create(params, { idempotencyKey }),
          ).catch((error: unknown) => {
            // A price id Stripe does not know is the caller's mistake: say so, naming the field.
            if (stripeParam(error)?.startsWith('line_items')) {
              throw new ValidationError(
                `price ${price} cannot be bought: ${(error as Error).message.replace(/^Stripe [\w.]+ failed: /, '')}`,
                'price',
              );
            }
            throw error;
          });
          if (!session.url) throw new ValidationError(`Checkout session ${session.id} has no URL`, 'url');
          const result: CreatedCheckout = {
            id: session.id,
            url: session.url,
            expiresAt: session.expires_at,
            customerId: customer.customerId,
          };
          return { objectId: session.id, result };
        },
      });
      // A named operation is one attempt forever: its session is never replaced by another, so one
      // that can no longer be paid is an error naming the id, not a dead link.
      const why =
        input.operationId && outcome.source === 'reused' ? await unusable(outcome.result) : undefined;
      if (why)
        throw new ConflictError(
          `Checkout Session ${outcome.result.id} of operationId ${input.operationId} ${why}; use a new operationId`,
        );
      return outcome.result;
    });
  };

  const status = async (sessionId: string, options: { userId?: string } = {}): Promise<CheckoutStatus> => {
    validateStripeId(sessionId, 'cs_', 'sessionId');
    const row = await getCheckoutSession(db, sessionId);
    const owner = row ? (row.client_reference_id ?? row.metadata?.user_id ?? null) : null;
    if (!row || (options.userId !== undefined && owner !== options.userId)) {
      return { status: 'unknown', sessionId };
    }
    return {
      status: stateOf(row.status, row.payment_status),
      sessionId,
      paymentStatus: row.payment_status,
      amountTotal: row.amount_total,
      currency: row.currency,
      customerId: row.customer,
      paymentIntentId: row.payment_intent,
      userId: owner,
    };
  };

  return { create, status };
}

function stateOf(status: string | null, paymentStatus: string | null): CheckoutState {
  if (status === 'expired') return 'expired';
  if (status === 'complete' && (paymentStatus === 'paid' || paymentStatus === 'no_payment_required'))
    return 'paid';
  // Open, or complete with an asynchronous payment still clearing.
  return 'pending';
}

async function resolvePrice(input: CheckoutInput, prices: PriceResolver): Promise<string> {
  if ((input.price === undefined) === (input.lookupKey === undefined)) {
    throw new ValidationError('give exactly one of price or lookupKey', input.price ? 'lookupKey' : 'price');
  }
  if (input.price !== undefined) return validateStripeId(input.price, 'price_', 'price');
  return (await prices.resolve(input.lookupKey as string)).id;
}

function validateUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(`${field} must be an absolute http(s) URL`, field);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(
      `${field} must be an absolute http(s) URL, got "${value.slice(0, 100)}"`,
      field,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(`${field} must use http or https`, field);
  }
  if (value.length > 5000) throw new ValidationError(`${field} must be at most 5000 characters`, field);
  return value;
}

/** Adds `session_id={CHECKOUT_SESSION_ID}` (kept literal for Stripe to fill) unless already there. */
export function withSessionId(successUrl: string): string {
  if (successUrl.includes('{CHECKOUT_SESSION_ID}')) return successUrl;
  const hashAt = successUrl.indexOf('#');
  const base = hashAt === -1 ? successUrl : successUrl.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : successUrl.slice(hashAt);
  const joiner = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${joiner}session_id={CHECKOUT_SESSION_ID}${hash}`;
}
