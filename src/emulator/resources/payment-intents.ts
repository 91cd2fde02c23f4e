// Routes of `/v1/payment_intents`: create (optionally confirming), retrieve, update, confirm,
// capture, cancel, list, search.

import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest } from '../core/errors.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { p, parseParams } from '../core/params.js';
import { type SearchSpec, searchResponse, searchShape } from '../core/search.js';
import { automaticContext, paymentsContext } from '../payments/context.js';
import { currencyParam } from './common.js';
import {
  cancelPaymentIntent,
  capturePaymentIntent,
  lapseIfDue,
  updatePaymentIntent,
} from './payment-intents-changes.js';
import {
  type ConfirmResult,
  confirmPaymentIntent,
  createPaymentIntent,
  newPaymentIntentHidden,
} from './payment-intents-model.js';
import { paymentMethodDataParam, paymentMethodOption } from './payment-methods.js';

/** `off_session` is a boolean, or `one_off` / `recurring` (both mean off-session). */
const offSessionParam = () =>
  p.string().refine((v, path) => {
    if (v === 'true' || v === 'one_off' || v === 'recurring') return true;
    if (v === 'false') return false;
    throw invalidRequest(`Invalid ${path}: must be a boolean, one_off or recurring`, undefined, path);
  });

const captureMethod = () => p.enum(['automatic', 'automatic_async', 'manual']);
const setupFutureUsage = () => p.enum(['on_session', 'off_session']);
const descriptor = () => p.string({ maxLength: 22 });
const paymentMethodOptions = () =>
  p.object({ card: p.object({ request_three_d_secure: p.enum(['any', 'automatic', 'challenge']) }) });

const confirmShape = {
  payment_method: p.string(),
  payment_method_data: paymentMethodDataParam(),
  return_url: p.string(),
  off_session: offSessionParam(),
  setup_future_usage: setupFutureUsage().emptyable(),
  receipt_email: p.string(),
  capture_method: captureMethod(),
  error_on_requires_action: p.boolean(),
  use_stripe_sdk: p.boolean(),
  payment_method_options: paymentMethodOptions(),
};

const createShape = {
  ...confirmShape,
  amount: p.integer().required(),
  currency: currencyParam().required(),
  confirm: p.boolean(),
  customer: p.string(),
  confirmation_method: p.enum(['automatic', 'manual']),
  setup_future_usage: setupFutureUsage(),
  automatic_payment_methods: p.object({
    enabled: p.boolean().required(),
    allow_redirects: p.enum(['always', 'never']),
  }),
  description: p.string({ maxLength: 1000 }),
  metadata: metadataParam(),
  statement_descriptor: descriptor(),
  statement_descriptor_suffix: descriptor(),
  transfer_group: p.string(),
};

const updateShape = {
  amount: p.integer(),
  currency: currencyParam(),
  customer: p.string(),
  description: p.string({ maxLength: 1000 }).emptyable(),
  metadata: metadataParam(),
  payment_method: p.string(),
  receipt_email: p.string().emptyable(),
  setup_future_usage: setupFutureUsage().emptyable(),
  statement_descriptor: descriptor().emptyable(),
  statement_descriptor_suffix: descriptor().emptyable(),
  capture_method: captureMethod(),
  payment_method_options: paymentMethodOptions(),
};

const searchSpec: SearchSpec<Stripe.PaymentIntent> = {
  resource: 'payment_intents',
  metadata: true,
  fields: {
    amount: { type: 'number', get: (pi) => pi.amount },
    created: { type: 'number', get: (pi) => pi.created },
    currency: { type: 'string', get: (pi) => pi.currency },
    customer: { type: 'string', get: (pi) => pi.customer },
    status: { type: 'string', get: (pi) => pi.status },
  },
};

/** A declined confirmation answers 402 after the intent and its failed charge were stored. */
const answer = (result: ConfirmResult): Stripe.PaymentIntent => {
  if (result.error) throw result.error;
  return result.intent;
};

export function registerPaymentIntents(emu: EmulatorCore): void {
  emu.objects.define({
    object: 'payment_intent',
    expandable: ['customer', 'latest_charge', 'payment_method', 'last_payment_error.payment_method'],
  });
  const get = (req: ApiRequest) =>
    req.account.require('payment_intent', req.pathParams.id!, 'intent', 'payment_intent');

  emu.route('POST', '/v1/payment_intents', (req) => {
    const params = parseParams(createShape, req.params);
    if (!params.confirm) {
      for (const key of ['off_session', 'return_url', 'error_on_requires_action'] as const) {
        if (params[key] !== undefined) {
          throw invalidRequest(`The parameter ${key} can only be used when confirm=true.`, undefined, key);
        }
      }
    }
    const ctx = paymentsContext(emu, req);
    const pi = createPaymentIntent(
      ctx,
      {
        amount: params.amount,
        currency: params.currency,
        ...(params.customer === undefined ? {} : { customer: params.customer }),
        ...paymentMethodOption(ctx, params),
        ...(params.capture_method === undefined ? {} : { capture_method: params.capture_method }),
        ...(params.confirmation_method === undefined
          ? {}
          : { confirmation_method: params.confirmation_method }),
        ...(params.setup_future_usage === undefined ? {} : { setup_future_usage: params.setup_future_usage }),
        ...(params.automatic_payment_methods === undefined
          ? {}
          : { automatic_payment_methods: params.automatic_payment_methods }),
        ...(params.description === undefined ? {} : { description: params.description }),
        metadata: applyMetadata({}, params.metadata),
        ...(params.receipt_email === undefined ? {} : { receipt_email: params.receipt_email }),
        ...(params.statement_descriptor === undefined
          ? {}
          : { statement_descriptor: params.statement_descriptor }),
        ...(params.statement_descriptor_suffix === undefined
          ? {}
          : { statement_descriptor_suffix: params.statement_descriptor_suffix }),
      },
      newPaymentIntentHidden(),
    );
    if (!params.confirm) return pi;
    return answer(
      confirmPaymentIntent(ctx, pi, {
        ...(params.off_session === undefined ? {} : { off_session: params.off_session }),
        ...(params.return_url === undefined ? {} : { return_url: params.return_url }),
        ...(params.error_on_requires_action === undefined
          ? {}
          : { error_on_requires_action: params.error_on_requires_action }),
      }),
    );
  });

  emu.route('GET', '/v1/payment_intents/search', (req) => {
    const params = parseParams(searchShape, req.params);
    return searchResponse(
      req.account.collection('payment_intent'),
      searchSpec,
      params,
      '/v1/payment_intents/search',
      req.expand.includes('total_count'),
    );
  });

  emu.route('GET', '/v1/payment_intents/:id', (req) => {
    parseParams({ client_secret: p.string() }, req.params);
    return lapseIfDue(automaticContext(emu, req.account), get(req));
  });

  emu.route('POST', '/v1/payment_intents/:id', (req) => {
    const pi = get(req);
    const params = parseParams(updateShape, req.params);
    const { metadata, payment_method_options: _options, ...rest } = params;
    return updatePaymentIntent(paymentsContext(emu, req), pi, {
      ...rest,
      metadata: applyMetadata(pi.metadata, metadata),
    });
  });

  emu.route('POST', '/v1/payment_intents/:id/confirm', (req) => {
    const pi = get(req);
    const params = parseParams(confirmShape, req.params);
    const {
      use_stripe_sdk: _sdk,
      payment_method_options: _options,
      payment_method_data: _data,
      ...options
    } = params;
    const ctx = paymentsContext(emu, req);
    return answer(confirmPaymentIntent(ctx, pi, { ...options, ...paymentMethodOption(ctx, params) }));
  });

  emu.route('POST', '/v1/payment_intents/:id/capture', (req) => {
    const pi = get(req);
    const params = parseParams({ amount_to_capture: p.integer(), metadata: metadataParam() }, req.params);
    const ctx = paymentsContext(emu, req);
    const captured = capturePaymentIntent(ctx, pi, params.amount_to_capture);
    if (params.metadata === undefined) return captured;
    return req.account.update({ ...captured, metadata: applyMetadata(captured.metadata, params.metadata) });
  });

  emu.route('POST', '/v1/payment_intents/:id/cancel', (req) => {
    const pi = get(req);
    const params = parseParams(
      { cancellation_reason: p.enum(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer']) },
      req.params,
    );
    return cancelPaymentIntent(paymentsContext(emu, req), pi, params.cancellation_reason);
  });

  emu.route('GET', '/v1/payment_intents', (req) => {
    const params = parseParams({ ...listWithCreatedShape, customer: p.string() }, req.params);
    const { customer } = params;
    return listResponse(
      req.account.collection('payment_intent'),
      params,
      '/v1/payment_intents',
      customer === undefined ? undefined : (pi) => pi.customer === customer,
      'payment_intent',
    );
  });
}
