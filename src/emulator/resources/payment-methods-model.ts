// Card payment methods: built from raw test numbers, `pm_card_*` ids or `tok_*` tokens; attach and
// detach with the test cards' rules (issuer-decline cards refuse to attach). The card number and
// what was supplied with it stay hidden beside the stored object; the object shows brand and last4.

import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { cardError, invalidRequest, resourceMissing, unexpectedState } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { attachDecline, cardChecks } from '../payments/card-outcome.js';
import type { PaymentsContext } from '../payments/context.js';
import { idOf } from '../payments/intent-errors.js';
import {
  type CardBrand,
  type CardDecline,
  cardForNumber,
  cardForToken,
  isDecline,
  isTestCardToken,
  type TestCard,
} from '../payments/test-cards.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    payment_method: Stripe.PaymentMethod;
  }
}

/** Private state of a card payment method. */
export interface CardHidden {
  number: string;
  cvcSupplied: boolean;
  postalCodeSupplied: boolean;
  line1Supplied: boolean;
  /** Set up for off-session use (SetupIntent or `setup_future_usage`), so 3155 stops asking off-session. */
  setUpForOffSession: boolean;
  /** Charged without being attached to a customer, or detached: Stripe refuses any further use. */
  spent?: boolean;
}

const REUSE_REFUSED =
  'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.';
const ATTACH_REFUSED =
  'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.';

function refuseIfSpent(ctx: PaymentsContext, pm: Stripe.PaymentMethod, message: string): void {
  if (cardHidden(ctx, pm).spent) throw invalidRequest(message, undefined, 'payment_method');
}

/** After a charge attempt: a payment method still attached to no customer cannot be used again. */
export function spendUnlessAttached(ctx: PaymentsContext, pmId: string): void {
  const pm = ctx.account.get('payment_method', pmId);
  if (pm && pm.customer === null) ctx.account.update(pm, { ...cardHidden(ctx, pm), spent: true });
}

export interface CardInput {
  number?: string;
  exp_month?: number;
  exp_year?: number;
  cvc?: string;
  token?: string;
}

export interface BillingDetailsInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: Partial<Stripe.Address> | null;
}

const DISPLAY_BRAND: Record<CardBrand, string> = {
  visa: 'visa',
  mastercard: 'mastercard',
  amex: 'american_express',
  discover: 'discover',
  diners: 'diners_club',
  jcb: 'jcb',
  unionpay: 'union_pay',
  unknown: 'other',
};

const fingerprint = (number: string): string =>
  createHash('sha256').update(`coffer-emulator:${number}`).digest('base64url').slice(0, 16);

export function renderBillingDetails(
  input: BillingDetailsInput | undefined,
): Stripe.PaymentMethod.BillingDetails {
  const a = input?.address;
  return {
    address: {
      city: a?.city ?? null,
      country: a?.country ?? null,
      line1: a?.line1 ?? null,
      line2: a?.line2 ?? null,
      postal_code: a?.postal_code ?? null,
      state: a?.state ?? null,
    },
    email: input?.email ?? null,
    name: input?.name ?? null,
    phone: input?.phone ?? null,
    tax_id: null,
  };
}

function renderCard(
  card: TestCard,
  hidden: CardHidden,
  expMonth: number,
  expYear: number,
): Stripe.PaymentMethod.Card {
  return {
    brand: card.brand,
    checks: cardChecks(card, {
      cvc: hidden.cvcSupplied,
      postalCode: hidden.postalCodeSupplied,
      line1: hidden.line1Supplied,
    }),
    country: card.country,
    display_brand: DISPLAY_BRAND[card.brand],
    exp_month: expMonth,
    exp_year: expYear,
    fingerprint: fingerprint(card.number),
    funding: card.funding,
    generated_from: null,
    last4: card.number.slice(-4),
    networks: { available: [card.brand], preferred: null },
    regulated_status: 'unregulated',
    three_d_secure_usage: { supported: card.threeDSecure !== 'not_supported' },
    wallet: null,
  };
}

const expiryError = (code: string, message: string, param: string) => cardError(code, message, { param });

/** A card decline as Stripe's 402 body, with whatever object the failure concerns. */
export function declineError(decline: CardDecline, extra: Record<string, unknown> = {}) {
  return cardError(decline.code, decline.message, {
    ...(decline.declineCode === null ? {} : { decline_code: decline.declineCode }),
    ...(decline.param === undefined ? {} : { param: decline.param }),
    ...extra,
  });
}

interface NewCard {
  card: TestCard;
  expMonth: number;
  expYear: number;
  hidden: CardHidden;
}

/** Validates `card[...]` the way Stripe does at creation: bad data is a 402 `card_error` here. */
function cardFromInput(ctx: PaymentsContext, input: CardInput): NewCard {
  if (input.token !== undefined) {
    const card = cardForToken(input.token);
    if (!card) throw resourceMissing('token', input.token, 'card[token]');
    return fromTestToken(ctx, card);
  }
  if (input.number === undefined)
    throw invalidRequest('Missing required param: card[number].', 'parameter_missing', 'card[number]');
  if (input.exp_month === undefined)
    throw invalidRequest('Missing required param: card[exp_month].', 'parameter_missing', 'card[exp_month]');
  if (input.exp_year === undefined)
    throw invalidRequest('Missing required param: card[exp_year].', 'parameter_missing', 'card[exp_year]');
  const found = cardForNumber(input.number);
  if (isDecline(found)) throw cardError(found.code, found.message, { param: 'card[number]' });
  if (input.exp_month < 1 || input.exp_month > 12) {
    throw expiryError('invalid_expiry_month', "Your card's expiration month is invalid.", 'card[exp_month]');
  }
  const year = input.exp_year < 100 ? 2000 + input.exp_year : input.exp_year;
  const now = new Date(ctx.now() * 1000);
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
  if (year * 12 + input.exp_month < current || year > now.getUTCFullYear() + 50) {
    throw expiryError('invalid_expiry_year', "Your card's expiration year is invalid.", 'card[exp_year]');
  }
  if (input.cvc !== undefined && !/^\d{3,4}$/.test(input.cvc)) {
    throw expiryError('invalid_cvc', "Your card's security code is invalid.", 'card[cvc]');
  }
  return {
    card: found,
    expMonth: input.exp_month,
    expYear: year,
    hidden: {
      number: found.number,
      cvcSupplied: input.cvc !== undefined,
      postalCodeSupplied: false,
      line1Supplied: false,
      setUpForOffSession: false,
    },
  };
}

/** Magic ids and tokens carry a CVC and address, so the verification-check cards fail as documented. */
function fromTestToken(ctx: PaymentsContext, card: TestCard): NewCard {
  const year = new Date(ctx.now() * 1000).getUTCFullYear() + 1;
  return {
    card,
    expMonth: 12,
    expYear: year,
    hidden: {
      number: card.number,
      cvcSupplied: true,
      postalCodeSupplied: card.postalCheckFails || card.addressUnchecked,
      line1Supplied: card.line1CheckFails || card.addressUnchecked,
      setUpForOffSession: false,
    },
  };
}

function insertCard(
  ctx: PaymentsContext,
  made: NewCard,
  extra: { billing_details?: BillingDetailsInput; metadata?: Stripe.Metadata },
): Stripe.PaymentMethod {
  const address = extra.billing_details?.address;
  const hidden: CardHidden = {
    ...made.hidden,
    postalCodeSupplied: made.hidden.postalCodeSupplied || Boolean(address?.postal_code),
    line1Supplied: made.hidden.line1Supplied || Boolean(address?.line1),
  };
  const pm: Stripe.PaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: renderBillingDetails(extra.billing_details),
    card: renderCard(made.card, hidden, made.expMonth, made.expYear),
    created: ctx.now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: extra.metadata ?? {},
    type: 'card',
  };
  return ctx.account.insert(pm, hidden);
}

/** `POST /v1/payment_methods` with `type=card`. */
export function createCardPaymentMethod(
  ctx: PaymentsContext,
  card: CardInput,
  extra: { billing_details?: BillingDetailsInput; metadata?: Stripe.Metadata } = {},
): Stripe.PaymentMethod {
  return insertCard(ctx, cardFromInput(ctx, card), extra);
}

/**
 * The payment method a `payment_method` parameter names. A `pm_card_*` id or `tok_*` token makes a
 * fresh payment method from that test card, as Stripe does; anything else must exist.
 */
export function resolvePaymentMethod(
  ctx: PaymentsContext,
  value: string,
  param = 'payment_method',
): Stripe.PaymentMethod {
  if (isTestCardToken(value)) {
    const card = cardForToken(value);
    if (!card) throw resourceMissing('PaymentMethod', value, param);
    return insertCard(ctx, fromTestToken(ctx, card), {});
  }
  return ctx.account.require('payment_method', value, param, 'PaymentMethod');
}

/** The payment method an intent confirmation uses: the one given, or the intent's own. */
export function paymentMethodToConfirm(
  ctx: PaymentsContext,
  kind: 'PaymentIntent' | 'SetupIntent',
  given: string | undefined,
  current: string | null,
): Stripe.PaymentMethod {
  const pm = given === undefined ? null : resolvePaymentMethod(ctx, given);
  if (pm === null && current === null) {
    throw unexpectedState(
      `You cannot confirm this ${kind} because it's missing a payment method. You can either update the ${kind} with a payment method and then confirm it again, or confirm it again directly with a payment method.`,
      kind === 'PaymentIntent' ? 'payment_intent_unexpected_state' : 'setup_intent_unexpected_state',
    );
  }
  const chosen =
    pm ?? ctx.account.require('payment_method', current ?? '', 'payment_method', 'PaymentMethod');
  refuseIfSpent(ctx, chosen, REUSE_REFUSED);
  return chosen;
}

export function cardHidden(ctx: PaymentsContext, pm: Stripe.PaymentMethod): CardHidden {
  const hidden = ctx.account.hidden<CardHidden>(pm.id);
  if (!hidden) throw new Error(`emulator: payment method ${pm.id} has no card state`);
  return hidden;
}

/** The test card behind a stored payment method. */
export function testCardOf(ctx: PaymentsContext, pm: Stripe.PaymentMethod): TestCard {
  const found = cardForNumber(cardHidden(ctx, pm).number);
  if (isDecline(found)) throw new Error(`emulator: payment method ${pm.id} holds an invalid number`);
  return found;
}

/** Attaches to a customer (issuer-decline cards refuse with their decline); emits `payment_method.attached`. */
export function attachPaymentMethod(
  ctx: PaymentsContext,
  pm: Stripe.PaymentMethod,
  customerId: string,
): Stripe.PaymentMethod {
  ctx.account.require('customer', customerId, 'customer', 'customer');
  if (pm.customer === customerId) return pm;
  if (pm.customer !== null) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      'payment_method_unexpected_state',
      'payment_method',
    );
  }
  refuseIfSpent(ctx, pm, ATTACH_REFUSED);
  const decline = attachDecline(testCardOf(ctx, pm));
  if (decline) throw declineError(decline, { payment_method: pm });
  const next = ctx.account.update({ ...pm, customer: customerId });
  ctx.emit('payment_method.attached', next);
  return next;
}

export function detachPaymentMethod(ctx: PaymentsContext, pm: Stripe.PaymentMethod): Stripe.PaymentMethod {
  if (pm.customer === null) {
    throw invalidRequest(
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      'payment_method_unexpected_state',
    );
  }
  const customerId = idOf(pm.customer);
  const next = ctx.account.update({ ...pm, customer: null }, { ...cardHidden(ctx, pm), spent: true });
  ctx.emit('payment_method.detached', next);
  // A customer's default payment method cannot outlive its attachment.
  const customer = customerId === null ? undefined : ctx.account.get('customer', customerId);
  if (customer && customer.invoice_settings.default_payment_method === pm.id) {
    const cleared = ctx.account.update({
      ...customer,
      invoice_settings: { ...customer.invoice_settings, default_payment_method: null },
    });
    ctx.emitUpdate('customer.updated', customer, cleared);
  }
  return next;
}

/** Records that the card was set up for off-session use (after a successful set-up). */
export function markSetUpForOffSession(ctx: PaymentsContext, pm: Stripe.PaymentMethod): void {
  const current = ctx.account.require('payment_method', pm.id);
  ctx.account.update(current, { ...cardHidden(ctx, current), setUpForOffSession: true });
}

export function updatePaymentMethod(
  ctx: PaymentsContext,
  pm: Stripe.PaymentMethod,
  patch: {
    billing_details?: BillingDetailsInput;
    metadata?: Stripe.Metadata;
    exp_month?: number;
    exp_year?: number;
  },
): Stripe.PaymentMethod {
  const current = pm.billing_details;
  const billing =
    patch.billing_details === undefined
      ? current
      : renderBillingDetails({
          name: patch.billing_details.name === undefined ? current.name : patch.billing_details.name,
          email: patch.billing_details.email === undefined ? current.email : patch.billing_details.email,
          phone: patch.billing_details.phone === undefined ? current.phone : patch.billing_details.phone,
          address:
            patch.billing_details.address === undefined
              ? current.address
              : { ...current.address, ...patch.billing_details.address },
        });
  const card = pm.card && {
    ...pm.card,
    exp_month: patch.exp_month ?? pm.card.exp_month,
    exp_year: patch.exp_year ?? pm.card.exp_year,
  };
  const next = ctx.account.update({
    ...pm,
    billing_details: billing,
    card,
    metadata: patch.metadata ?? pm.metadata,
  });
  ctx.emitUpdate('payment_method.updated', pm, next);
  return next;
}
