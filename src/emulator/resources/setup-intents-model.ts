// Setup intents: save a card for later. Issuer-decline cards fail (they cannot be attached), 3D Secure
// cards ask for authentication first; success attaches the card to the customer and records that it
// was set up for off-session use, so `4000002500003155` stops asking off-session afterwards.

import type Stripe from 'stripe';
import { unexpectedState } from '../core/errors.js';
import { newId, randomChars } from '../core/ids.js';
import { setupVerdict } from '../payments/card-outcome.js';
import type { PaymentsContext } from '../payments/context.js';
import { authenticationFailure, declineRecord, idOf, threeDSecureAction } from '../payments/intent-errors.js';
import {
  type IntentOperation,
  type SetupIntentStatus,
  setupIntentStatusAfter,
  unexpectedStateMessage,
} from '../payments/intent-state.js';
import type { CardDecline } from '../payments/test-cards.js';
import {
  attachPaymentMethod,
  declineError,
  markSetUpForOffSession,
  paymentMethodToConfirm,
  resolvePaymentMethod,
  testCardOf,
} from './payment-methods-model.js';
import { recordSetupAttempt } from './setup-attempts.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    setup_intent: Stripe.SetupIntent;
  }
}

export interface SetupIntentHidden {
  returnUrl: string | null;
  checkoutSession: string | null;
}

function requireState(si: Stripe.SetupIntent, operation: IntentOperation): void {
  const message = unexpectedStateMessage('SetupIntent', si.status as SetupIntentStatus, operation);
  if (message) throw unexpectedState(message, 'setup_intent_unexpected_state');
}

export interface NewSetupIntent {
  customer?: string;
  payment_method?: string;
  usage?: 'off_session' | 'on_session';
  description?: string;
  metadata?: Stripe.Metadata;
}

export function createSetupIntent(
  ctx: PaymentsContext,
  n: NewSetupIntent,
  hidden: SetupIntentHidden,
): Stripe.SetupIntent {
  if (n.customer !== undefined) ctx.account.require('customer', n.customer, 'customer', 'customer');
  const pm = n.payment_method === undefined ? null : resolvePaymentMethod(ctx, n.payment_method);
  const id = newId('seti');
  const si: Stripe.SetupIntent = {
    id,
    object: 'setup_intent',
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomChars(25)}`,
    created: ctx.now(),
    customer: n.customer ?? null,
    customer_account: null,
    description: n.description ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: n.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    usage: n.usage ?? 'off_session',
  };
  ctx.account.insert(si, hidden);
  ctx.emit('setup_intent.created', si);
  return si;
}

const hiddenOf = (ctx: PaymentsContext, si: Stripe.SetupIntent): SetupIntentHidden =>
  ctx.account.hidden<SetupIntentHidden>(si.id) ?? { returnUrl: null, checkoutSession: null };

export interface SetupConfirmResult {
  intent: Stripe.SetupIntent;
  error: ReturnType<typeof declineError> | null;
}

export function confirmSetupIntent(
  ctx: PaymentsContext,
  current: Stripe.SetupIntent,
  o: { payment_method?: string; return_url?: string },
): SetupConfirmResult {
  requireState(current, 'confirm');
  const pm = paymentMethodToConfirm(ctx, 'SetupIntent', o.payment_method, idOf(current.payment_method));
  const hidden = { ...hiddenOf(ctx, current), returnUrl: o.return_url ?? hiddenOf(ctx, current).returnUrl };
  const si = ctx.account.update({ ...current, payment_method: pm.id }, hidden);
  return attemptSetup(ctx, si, pm, false);
}

function attemptSetup(
  ctx: PaymentsContext,
  si: Stripe.SetupIntent,
  pm: Stripe.PaymentMethod,
  authenticated: boolean,
): SetupConfirmResult {
  const verdict = setupVerdict(testCardOf(ctx, pm), authenticated);
  const status = setupIntentStatusAfter(verdict);
  if (verdict.kind === 'decline') return failSetup(ctx, si, pm, verdict.decline, authenticated);
  if (verdict.kind === 'requires_action') {
    const next = ctx.account.update({
      ...si,
      status,
      latest_attempt: recordSetupAttempt(ctx, si, pm, { status: 'requires_action' }),
      last_setup_error: null,
      next_action: threeDSecureAction(ctx.baseUrl(), si, hiddenOf(ctx, si).returnUrl),
    });
    ctx.emit('setup_intent.requires_action', next);
    return { intent: next, error: null };
  }
  const customer = idOf(si.customer);
  if (customer) {
    const attached = attachPaymentMethod(ctx, pm, customer);
    if (si.usage === 'off_session') markSetUpForOffSession(ctx, attached);
  } else if (si.usage === 'off_session') {
    markSetUpForOffSession(ctx, pm);
  }
  const next = ctx.account.update({
    ...si,
    status,
    latest_attempt: recordSetupAttempt(ctx, si, pm, { status: 'succeeded', authenticated }),
    last_setup_error: null,
    next_action: null,
  });
  ctx.emit('setup_intent.succeeded', next);
  return { intent: next, error: null };
}

function failSetup(
  ctx: PaymentsContext,
  si: Stripe.SetupIntent,
  pm: Stripe.PaymentMethod,
  d: CardDecline,
  authenticated: boolean,
): SetupConfirmResult {
  const error = declineRecord(d, pm);
  const next = ctx.account.update({
    ...si,
    status: 'requires_payment_method',
    payment_method: null,
    next_action: null,
    latest_attempt: recordSetupAttempt(ctx, si, pm, { status: 'failed', error, authenticated }),
    last_setup_error: error,
  });
  ctx.emit('setup_intent.setup_failed', next);
  return { intent: next, error: declineError(d, { setup_intent: next, payment_method: pm }) };
}

/** The outcome of the 3D Secure test page for a setup intent. */
export function authenticateSetupIntent(
  ctx: PaymentsContext,
  si: Stripe.SetupIntent,
  success: boolean,
): Stripe.SetupIntent {
  requireState(si, 'authenticate');
  const pm = ctx.account.require(
    'payment_method',
    idOf(si.payment_method) ?? '',
    'payment_method',
    'PaymentMethod',
  );
  if (success) return attemptSetup(ctx, si, pm, true).intent;
  const error = authenticationFailure('setup_intent', pm);
  const next = ctx.account.update({
    ...si,
    status: 'requires_payment_method',
    payment_method: null,
    next_action: null,
    latest_attempt: recordSetupAttempt(ctx, si, pm, { status: 'failed', error, authenticated: false }),
    last_setup_error: error,
  });
  ctx.emit('setup_intent.setup_failed', next);
  return next;
}

export function cancelSetupIntent(
  ctx: PaymentsContext,
  si: Stripe.SetupIntent,
  reason: Stripe.SetupIntent.CancellationReason | undefined,
): Stripe.SetupIntent {
  requireState(si, 'cancel');
  if (hiddenOf(ctx, si).checkoutSession) {
    throw unexpectedState(
      'This SetupIntent is managed by a Checkout Session and cannot be canceled directly; expire the Checkout Session instead.',
      'setup_intent_unexpected_state',
    );
  }
  const next = ctx.account.update({
    ...si,
    status: 'canceled',
    cancellation_reason: reason ?? null,
    next_action: null,
  });
  ctx.emit('setup_intent.canceled', next);
  return next;
}

export function updateSetupIntent(
  ctx: PaymentsContext,
  si: Stripe.SetupIntent,
  u: { customer?: string; payment_method?: string; description?: string | null; metadata?: Stripe.Metadata },
): Stripe.SetupIntent {
  requireState(si, 'update');
  if (u.customer !== undefined) ctx.account.require('customer', u.customer, 'customer', 'customer');
  const pm = u.payment_method === undefined ? null : resolvePaymentMethod(ctx, u.payment_method);
  return ctx.account.update({
    ...si,
    customer: u.customer ?? si.customer,
    payment_method: pm?.id ?? si.payment_method,
    description: u.description === undefined ? si.description : u.description,
    metadata: u.metadata ?? si.metadata,
    ...(pm ? { status: 'requires_confirmation' as const, next_action: null } : {}),
  });
}
