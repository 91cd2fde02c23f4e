// Routes of `/v1/payment_methods` and `/v1/customers/:id/payment_methods`.

import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { parametersExclusive, resourceMissing } from '../core/errors.js';
import { listResponse, listShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { type Infer, p, parseParams } from '../core/params.js';
import { type PaymentsContext, paymentsContext } from '../payments/context.js';
import { addressParam } from './common.js';
import {
  attachPaymentMethod,
  createCardPaymentMethod,
  detachPaymentMethod,
  resolvePaymentMethod,
  updatePaymentMethod,
} from './payment-methods-model.js';

export const billingDetailsParam = () =>
  p.object({
    address: addressParam().emptyable(),
    email: p.string().emptyable(),
    name: p.string().emptyable(),
    phone: p.string().emptyable(),
    tax_id: p.string(),
  });

const cardParam = p.object({
  number: p.string(),
  exp_month: p.integer(),
  exp_year: p.integer(),
  cvc: p.string(),
  token: p.string(),
});

const createShape = {
  type: p.enum(['card']).required(),
  card: cardParam,
  billing_details: billingDetailsParam(),
  metadata: metadataParam(),
  allow_redisplay: p.enum(['always', 'limited', 'unspecified']),
};

/** `payment_method_data` on intents: a card payment method created inline. */
export const paymentMethodDataParam = () => p.object(createShape);
type PaymentMethodData = Infer<typeof createShape>;

/**
 * The `payment_method` option of an intent request: the id given, or a new payment method made from
 * `payment_method_data` (both at once is an error), or nothing.
 */
export function paymentMethodOption(
  ctx: PaymentsContext,
  params: { payment_method?: string; payment_method_data?: PaymentMethodData },
): { payment_method?: string } {
  if (params.payment_method_data === undefined) {
    return params.payment_method === undefined ? {} : { payment_method: params.payment_method };
  }
  if (params.payment_method !== undefined)
    throw parametersExclusive(['payment_method', 'payment_method_data']);
  return { payment_method: createFrom(ctx, params.payment_method_data).id };
}

function createFrom(ctx: PaymentsContext, params: PaymentMethodData) {
  const pm = createCardPaymentMethod(ctx, params.card ?? {}, {
    ...(params.billing_details ? { billing_details: params.billing_details } : {}),
    metadata: applyMetadata({}, params.metadata),
  });
  if (params.allow_redisplay === undefined) return pm;
  return ctx.account.update({ ...pm, allow_redisplay: params.allow_redisplay });
}

const updateShape = {
  billing_details: billingDetailsParam(),
  metadata: metadataParam(),
  card: p.object({ exp_month: p.integer({ min: 1, max: 12 }), exp_year: p.integer() }),
  allow_redisplay: p.enum(['always', 'limited', 'unspecified']),
};

const listByCustomerShape = { ...listShape, type: p.enum(['card']) };
const listAllShape = { ...listByCustomerShape, customer: p.string() };

export function registerPaymentMethods(emu: EmulatorCore): void {
  emu.objects.define({ object: 'payment_method', expandable: ['customer'] });
  const get = (req: ApiRequest, id = req.pathParams.id!) =>
    req.account.require('payment_method', id, 'payment_method', 'PaymentMethod');

  emu.route('POST', '/v1/payment_methods', (req) =>
    createFrom(paymentsContext(emu, req), parseParams(createShape, req.params)),
  );

  emu.route('GET', '/v1/payment_methods/:id', (req) => get(req));

  emu.route('POST', '/v1/payment_methods/:id', (req) => {
    const pm = get(req);
    const params = parseParams(updateShape, req.params);
    const ctx = paymentsContext(emu, req);
    const next = updatePaymentMethod(ctx, pm, {
      ...(params.billing_details ? { billing_details: params.billing_details } : {}),
      metadata: applyMetadata(pm.metadata ?? {}, params.metadata),
      ...(params.card?.exp_month === undefined ? {} : { exp_month: params.card.exp_month }),
      ...(params.card?.exp_year === undefined ? {} : { exp_year: params.card.exp_year }),
    });
    if (params.allow_redisplay === undefined) return next;
    return req.account.update({ ...next, allow_redisplay: params.allow_redisplay });
  });

  emu.route('POST', '/v1/payment_methods/:id/attach', (req) => {
    const { customer } = parseParams({ customer: p.string().required() }, req.params);
    const ctx = paymentsContext(emu, req);
    const pm = resolvePaymentMethod(ctx, req.pathParams.id!, 'payment_method');
    return attachPaymentMethod(ctx, pm, customer);
  });

  emu.route('POST', '/v1/payment_methods/:id/detach', (req) => {
    parseParams({}, req.params);
    return detachPaymentMethod(paymentsContext(emu, req), get(req));
  });

  emu.route('GET', '/v1/payment_methods', (req) => {
    const params = parseParams(listAllShape, req.params);
    const { customer } = params;
    if (customer !== undefined) req.account.require('customer', customer, 'customer', 'customer');
    return listResponse(
      req.account.collection('payment_method'),
      params,
      '/v1/payment_methods',
      customer === undefined ? undefined : (pm) => pm.customer === customer,
      'payment_method',
    );
  });

  emu.route('GET', '/v1/customers/:id/payment_methods', (req) => {
    const params = parseParams(listByCustomerShape, req.params);
    const customer = req.account.require('customer', req.pathParams.id!, 'customer', 'customer');
    return listResponse(
      req.account.collection('payment_method'),
      params,
      `/v1/customers/${customer.id}/payment_methods`,
      (pm) => pm.customer === customer.id,
      'payment_method',
    );
  });

  emu.route('GET', '/v1/customers/:id/payment_methods/:pm', (req) => {
    const customer = req.account.require('customer', req.pathParams.id!, 'customer', 'customer');
    const pm = get(req, req.pathParams.pm!);
    if (pm.customer !== customer.id) throw resourceMissing('PaymentMethod', pm.id, 'payment_method');
    return pm;
  });
}
