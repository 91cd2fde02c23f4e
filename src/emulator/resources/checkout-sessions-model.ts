// Checkout Sessions, first cut: `payment` and `setup` modes. A session is completed by the hosted
// page or the control route, both through the same payment / setup intent logic as the API,
// so a decline card fails the same way and leaves the session open. Expiry is checked against the
// emulator clock whenever a session is read, and by `POST …/expire`.

import type Stripe from 'stripe';
import { invalidRequest, type StripeApiError, unexpectedState } from '../core/errors.js';
import { newId, randomChars } from '../core/ids.js';
import type { PaymentsContext } from '../payments/context.js';
import { idOf } from '../payments/intent-errors.js';
import { cancelPaymentIntent } from './payment-intents-changes.js';
import {
  confirmPaymentIntent,
  createPaymentIntent,
  newPaymentIntentHidden,
  hiddenOf as paymentIntentHidden,
} from './payment-intents-model.js';
import { confirmSetupIntent, createSetupIntent } from './setup-intents-model.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    'checkout.session': Stripe.Checkout.Session;
  }
}

export interface PaymentIntentData {
  capture_method?: 'automatic' | 'automatic_async' | 'manual';
  setup_future_usage?: 'on_session' | 'off_session';
  description?: string;
  metadata?: Stripe.Metadata;
  receipt_email?: string;
  statement_descriptor?: string;
  statement_descriptor_suffix?: string;
}

/** Private state: the line items (rendered through `line_items`) and what the intents get. */
export interface CheckoutHidden {
  lineItems: Stripe.LineItem[];
  paymentIntentData: PaymentIntentData;
  setupIntentData: { description?: string; metadata?: Stripe.Metadata };
}

export const MIN_EXPIRY_SECONDS = 30 * 60;
export const MAX_EXPIRY_SECONDS = 24 * 60 * 60;

export const checkoutHidden = (
  ctx: Pick<PaymentsContext, 'account'>,
  session: Stripe.Checkout.Session,
): CheckoutHidden =>
  ctx.account.hidden<CheckoutHidden>(session.id) ?? {
    lineItems: [],
    paymentIntentData: {},
    setupIntentData: {},
  };

export interface NewSession {
  mode: 'payment' | 'setup';
  lineItems: Stripe.LineItem[];
  currency: string | null;
  customer: string | null;
  customerEmail: string | null;
  customerCreation: 'always' | 'if_required' | null;
  successUrl: string | null;
  cancelUrl: string | null;
  returnUrl: string | null;
  expiresAt: number;
  metadata: Stripe.Metadata;
  clientReferenceId: string | null;
  billingAddressCollection: 'auto' | 'required' | null;
  allowPromotionCodes: boolean | null;
  locale: Stripe.Checkout.Session.Locale | null;
  submitType: Stripe.Checkout.Session.SubmitType | null;
  phoneNumberCollection: boolean;
  paymentIntentData: PaymentIntentData;
  setupIntentData: { description?: string; metadata?: Stripe.Metadata };
}

export function createSession(ctx: PaymentsContext, n: NewSession): Stripe.Checkout.Session {
  const id = `cs_test_${randomChars(58)}`;
  const subtotal = n.lineItems.reduce((sum, li) => sum + li.amount_subtotal, 0);
  const payment = n.mode === 'payment';
  const session: Stripe.Checkout.Session = {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: n.allowPromotionCodes,
    allowed_payment_method_types: null,
    amount_subtotal: payment ? subtotal : null,
    amount_total: payment ? subtotal : null,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: n.billingAddressCollection,
    cancel_url: n.cancelUrl,
    client_reference_id: n.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: ctx.now(),
    currency: n.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: n.customer,
    customer_account: null,
    customer_creation: n.customer ? null : (n.customerCreation ?? 'if_required'),
    customer_details: null,
    customer_email: n.customerEmail,
    discounts: [],
    expires_at: n.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: payment ? { enabled: false, invoice_data: emptyInvoiceData() } : null,
    livemode: false,
    locale: n.locale,
    managed_payments: null,
    metadata: n.metadata,
    mode: n.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { request_three_d_secure: 'automatic' },
    } satisfies Stripe.Checkout.Session.PaymentMethodOptions,
    payment_method_types: ['card'],
    payment_status: payment ? 'unpaid' : 'no_payment_required',
    permissions: null,
    phone_number_collection: { enabled: n.phoneNumberCollection },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: n.submitType,
    subscription: null,
    success_url: n.successUrl,
    total_details: payment ? { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } : null,
    ui_mode: 'hosted_page',
    url: `${ctx.baseUrl()}/_emulator/checkout/${id}`,
    wallet_options: null,
  };
  if (n.returnUrl) session.return_url = n.returnUrl;
  ctx.account.insert(session, {
    lineItems: n.lineItems,
    paymentIntentData: n.paymentIntentData,
    setupIntentData: n.setupIntentData,
  } satisfies CheckoutHidden);
  return session;
}

function emptyInvoiceData(): Stripe.Checkout.Session.InvoiceCreation.InvoiceData {
  return {
    account_tax_ids: null,
    custom_fields: null,
    description: null,
    footer: null,
    issuer: null,
    metadata: null,
    rendering_options: null,
  };
}

/** Expires the session if its `expires_at` has passed on the emulator clock. */
export function expireIfDue(ctx: PaymentsContext, session: Stripe.Checkout.Session): Stripe.Checkout.Session {
  if (session.status !== 'open' || ctx.now() < session.expires_at) return session;
  return expireSession(ctx, session);
}

/** `POST /v1/checkout/sessions/:id/expire` (and expiry by time). */
export function expireSession(
  ctx: PaymentsContext,
  session: Stripe.Checkout.Session,
): Stripe.Checkout.Session {
  if (session.status !== 'open') {
    throw unexpectedState(
      `Only Checkout Sessions with a status in ["open"] can be expired; this one is ${session.status}.`,
      'checkout_session_unexpected_state',
    );
  }
  const piId = idOf(session.payment_intent);
  const pi = piId ? ctx.account.get('payment_intent', piId) : undefined;
  if (pi && ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
    ctx.account.update(pi, { ...paymentIntentHidden(ctx, pi), checkoutSession: null });
    cancelPaymentIntent(ctx, ctx.account.require('payment_intent', pi.id), 'abandoned');
  }
  const next = ctx.account.update({ ...session, status: 'expired', url: null });
  ctx.emit('checkout.session.expired', next);
  return next;
}

export interface Completion {
  session: Stripe.Checkout.Session;
  /** `success_url` with `{CHECKOUT_SESSION_ID}` replaced, where the customer would be sent. */
  redirect_url: string | null;
  /** Set when the payment or set-up was declined: the session stays open. */
  error: StripeApiError | null;
}

/** Creates the customer Checkout would create (`customer_creation=always`, or to save the card). */
export type CreateCustomer = (email: string | null) => Stripe.Customer;

/**
 * Completes an open session with a payment method (a `pm_card_*` id, a token or an existing `pm_`),
 * as if the customer had paid on the hosted page.
 */
export function completeSession(
  ctx: PaymentsContext,
  current: Stripe.Checkout.Session,
  paymentMethod: string,
  email: string | null,
  createCustomer: CreateCustomer,
): Completion {
  let session = expireIfDue(ctx, current);
  if (session.status !== 'open') {
    throw unexpectedState(
      `This Checkout Session is ${session.status} and can no longer be completed.`,
      'checkout_session_unexpected_state',
    );
  }
  const customerEmail = session.customer_email ?? email;
  let customer = idOf(session.customer);
  const hidden = checkoutHidden(ctx, session);
  // Checkout makes a customer when asked to, and when the card is saved for later (it must be attached).
  const savesCard = session.mode === 'payment' && hidden.paymentIntentData.setup_future_usage !== undefined;
  if (!customer && (session.customer_creation === 'always' || savesCard)) {
    customer = createCustomer(customerEmail).id;
    session = ctx.account.update({ ...session, customer });
  }
  if (session.mode === 'setup')
    return completeSetup(ctx, session, hidden, customer, paymentMethod, customerEmail);
  return completePayment(ctx, session, hidden, customer, paymentMethod, customerEmail);
}

function completePayment(
  ctx: PaymentsContext,
  session: Stripe.Checkout.Session,
  hidden: CheckoutHidden,
  customer: string | null,
  paymentMethod: string,
  email: string | null,
): Completion {
  const existing = idOf(session.payment_intent);
  let pi = existing ? ctx.account.require('payment_intent', existing) : null;
  if (!pi) {
    const d = hidden.paymentIntentData;
    pi = createPaymentIntent(
      ctx,
      {
        amount: session.amount_total ?? 0,
        currency: session.currency ?? 'usd',
        ...(customer ? { customer } : {}),
        ...(d.capture_method ? { capture_method: d.capture_method } : {}),
        ...(d.setup_future_usage ? { setup_future_usage: d.setup_future_usage } : {}),
        ...(d.description ? { description: d.description } : {}),
        metadata: d.metadata ?? {},
        ...((d.receipt_email ?? email) ? { receipt_email: (d.receipt_email ?? email) as string } : {}),
        ...(d.statement_descriptor ? { statement_descriptor: d.statement_descriptor } : {}),
        ...(d.statement_descriptor_suffix
          ? { statement_descriptor_suffix: d.statement_descriptor_suffix }
          : {}),
      },
      newPaymentIntentHidden(session.id),
    );
    session = ctx.account.update({ ...session, payment_intent: pi.id });
  }
  const result = confirmPaymentIntent(ctx, pi, { payment_method: paymentMethod });
  session = ctx.account.update({ ...session, customer_details: customerDetails(email) });
  if (result.error) return { session, redirect_url: null, error: result.error };
  return finishIfPaid(ctx, session, result.intent);
}

function completeSetup(
  ctx: PaymentsContext,
  current: Stripe.Checkout.Session,
  hidden: CheckoutHidden,
  customer: string | null,
  paymentMethod: string,
  email: string | null,
): Completion {
  let session = current;
  const existing = idOf(session.setup_intent);
  let si = existing ? ctx.account.require('setup_intent', existing) : null;
  if (!si) {
    const d = hidden.setupIntentData;
    si = createSetupIntent(
      ctx,
      {
        ...(customer ? { customer } : {}),
        ...(d.description ? { description: d.description } : {}),
        metadata: d.metadata ?? {},
      },
      { returnUrl: null, checkoutSession: session.id },
    );
    session = ctx.account.update({ ...session, setup_intent: si.id });
  }
  const result = confirmSetupIntent(ctx, si, { payment_method: paymentMethod });
  session = ctx.account.update({ ...session, customer_details: customerDetails(email) });
  if (result.error) return { session, redirect_url: null, error: result.error };
  return finishIfPaid(ctx, session, result.intent);
}

function customerDetails(email: string | null): Stripe.Checkout.Session.CustomerDetails {
  return {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name: null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
}

/**
 * Completes the session once its intent has gone through (now, or after 3D Secure on the test page);
 * an intent still waiting leaves the session open.
 */
export function finishIfPaid(
  ctx: PaymentsContext,
  session: Stripe.Checkout.Session,
  intent: Stripe.PaymentIntent | Stripe.SetupIntent,
): Completion {
  const done = intent.status === 'succeeded' || intent.status === 'requires_capture';
  if (!done || session.status !== 'open') return { session, redirect_url: null, error: null };
  const paid = intent.object === 'payment_intent' && intent.status === 'succeeded';
  const next = ctx.account.update({
    ...session,
    status: 'complete',
    payment_status: session.mode === 'setup' ? 'no_payment_required' : paid ? 'paid' : 'unpaid',
    url: null,
  });
  ctx.emit('checkout.session.completed', next);
  return { session: next, redirect_url: successRedirect(next), error: null };
}

/** `success_url` with the literal `{CHECKOUT_SESSION_ID}` replaced by the session id. */
export const successRedirect = (session: Stripe.Checkout.Session): string | null =>
  session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id) ?? null;

/** The open session that owns an intent, if any (for completion after 3D Secure). */
export function sessionOfIntent(
  ctx: PaymentsContext,
  intent: Stripe.PaymentIntent | Stripe.SetupIntent,
): Stripe.Checkout.Session | null {
  const hidden = ctx.account.hidden<{ checkoutSession?: string | null }>(intent.id);
  const id = hidden?.checkoutSession;
  return id ? (ctx.account.get('checkout.session', id) ?? null) : null;
}

/** A line item from a price and a quantity. */
export function lineItem(price: Stripe.Price, quantity: number, description: string | null): Stripe.LineItem {
  const unit = price.unit_amount ?? 0;
  if (!Number.isInteger(quantity) || quantity < 1) {
    throw invalidRequest('Quantity must be a positive integer.', undefined, 'line_items[quantity]');
  }
  return {
    id: newId('li'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: unit * quantity,
    amount_tax: 0,
    amount_total: unit * quantity,
    currency: price.currency,
    description,
    metadata: {},
    price,
    quantity,
  };
}
