// Routes of `/v1/setup_intents`: create (optionally confirming), retrieve, update, confirm, cancel, list.

import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { p, parseParams } from '../core/params.js';
import { paymentsContext } from '../payments/context.js';
import { paymentMethodDataParam, paymentMethodOption } from './payment-methods.js';
import {
  cancelSetupIntent,
  confirmSetupIntent,
  createSetupIntent,
  type SetupConfirmResult,
  updateSetupIntent,
} from './setup-intents-model.js';

const optionsParam = () =>
  p.object({ card: p.object({ request_three_d_secure: p.enum(['any', 'automatic', 'challenge']) }) });

const confirmShape = {
  payment_method: p.string(),
  payment_method_data: paymentMethodDataParam(),
  return_url: p.string(),
  use_stripe_sdk: p.boolean(),
  payment_method_options: optionsParam(),
};

const createShape = {
  ...confirmShape,
  confirm: p.boolean(),
  customer: p.string(),
  usage: p.enum(['off_session', 'on_session']),
  description: p.string({ maxLength: 1000 }),
  metadata: metadataParam(),
  automatic_payment_methods: p.object({
    enabled: p.boolean().required(),
    allow_redirects: p.enum(['always', 'never']),
  }),
};

const answer = (r: SetupConfirmResult) => {
  if (r.error) throw r.error;
  return r.intent;
};

export function registerSetupIntents(emu: EmulatorCore): void {
  emu.objects.define({
    object: 'setup_intent',
    expandable: ['customer', 'payment_method', 'latest_attempt'],
  });
  const get = (req: ApiRequest) =>
    req.account.require('setup_intent', req.pathParams.id!, 'intent', 'setup_intent');

  emu.route('POST', '/v1/setup_intents', (req) => {
    const params = parseParams(createShape, req.params);
    const ctx = paymentsContext(emu, req);
    const si = createSetupIntent(
      ctx,
      {
        ...(params.customer === undefined ? {} : { customer: params.customer }),
        ...paymentMethodOption(ctx, params),
        ...(params.usage === undefined ? {} : { usage: params.usage }),
        ...(params.description === undefined ? {} : { description: params.description }),
        metadata: applyMetadata({}, params.metadata),
      },
      { returnUrl: params.return_url ?? null, checkoutSession: null },
    );
    if (!params.confirm) return si;
    return answer(confirmSetupIntent(ctx, si, {}));
  });

  emu.route('GET', '/v1/setup_intents/:id', (req) => {
    parseParams({ client_secret: p.string() }, req.params);
    return get(req);
  });

  emu.route('POST', '/v1/setup_intents/:id', (req) => {
    const si = get(req);
    const params = parseParams(
      {
        customer: p.string(),
        payment_method: p.string(),
        description: p.string().emptyable(),
        metadata: metadataParam(),
      },
      req.params,
    );
    return updateSetupIntent(paymentsContext(emu, req), si, {
      ...(params.customer === undefined ? {} : { customer: params.customer }),
      ...(params.payment_method === undefined ? {} : { payment_method: params.payment_method }),
      ...(params.description === undefined ? {} : { description: params.description }),
      metadata: applyMetadata(si.metadata ?? {}, params.metadata),
    });
  });

  emu.route('POST', '/v1/setup_intents/:id/confirm', (req) => {
    const si = get(req);
    const params = parseParams(confirmShape, req.params);
    const ctx = paymentsContext(emu, req);
    return answer(
      confirmSetupIntent(ctx, si, {
        ...paymentMethodOption(ctx, params),
        ...(params.return_url === undefined ? {} : { return_url: params.return_url }),
      }),
    );
  });

  emu.route('POST', '/v1/setup_intents/:id/cancel', (req) => {
    const si = get(req);
    const params = parseParams(
      { cancellation_reason: p.enum(['abandoned', 'duplicate', 'requested_by_customer']) },
      req.params,
    );
    return cancelSetupIntent(paymentsContext(emu, req), si, params.cancellation_reason);
  });

  emu.route('GET', '/v1/setup_intents', (req) => {
    const params = parseParams(
      { ...listWithCreatedShape, customer: p.string(), payment_method: p.string() },
      req.params,
    );
    const { customer, payment_method } = params;
    return listResponse(
      req.account.collection('setup_intent'),
      params,
      '/v1/setup_intents',
      (si) =>
        (customer === undefined || si.customer === customer) &&
        (payment_method === undefined || si.payment_method === payment_method),
      'setup_intent',
    );
  });
}
