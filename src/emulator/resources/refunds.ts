// Routes of `/v1/refunds`: create (by charge or payment intent), retrieve, update metadata, cancel, list.

import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest } from '../core/errors.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { p, parseParams } from '../core/params.js';
import { paymentsContext } from '../payments/context.js';
import { chargeOf } from './charges-model.js';
import { routeChargeLinkedList } from './common.js';
import { cancelRefund, createRefund } from './refunds-model.js';

const createShape = {
  charge: p.string(),
  payment_intent: p.string(),
  amount: p.integer(),
  reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer']),
  metadata: metadataParam(),
  instructions_email: p.string(),
};

/** The charge a refund request names, directly or through its payment intent. */
function chargeToRefund(
  req: ApiRequest,
  charge: string | undefined,
  paymentIntent: string | undefined,
): Stripe.Charge {
  if (paymentIntent !== undefined) {
    const pi = req.account.require('payment_intent', paymentIntent, 'payment_intent', 'payment_intent');
    const latest = typeof pi.latest_charge === 'string' ? pi.latest_charge : pi.latest_charge?.id;
    if (pi.status !== 'succeeded' || !latest) {
      throw invalidRequest(
        `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
        'charge_not_refundable',
        'payment_intent',
      );
    }
    if (charge !== undefined && charge !== latest) {
      throw invalidRequest(
        `Charge ${charge} does not belong to PaymentIntent ${pi.id}.`,
        undefined,
        'charge',
      );
    }
    return chargeOf(req.account, latest);
  }
  if (charge === undefined) {
    throw invalidRequest(
      'One of the following params should be provided for this request: payment_intent or charge.',
      'parameter_missing',
      'charge',
    );
  }
  return chargeOf(req.account, charge);
}

export function registerRefunds(emu: EmulatorCore): void {
  emu.objects.define({
    object: 'refund',
    expandable: ['balance_transaction', 'charge', 'payment_intent', 'failure_balance_transaction'],
  });
  const get = (req: ApiRequest) => req.account.require('refund', req.pathParams.id!, 'refund', 'refund');

  emu.route('POST', '/v1/refunds', (req) => {
    const params = parseParams(createShape, req.params);
    const charge = chargeToRefund(req, params.charge, params.payment_intent);
    return createRefund(paymentsContext(emu, req), {
      charge,
      ...(params.amount === undefined ? {} : { amount: params.amount }),
      ...(params.reason === undefined ? {} : { reason: params.reason }),
      metadata: applyMetadata({}, params.metadata),
    });
  });

  emu.route('GET', '/v1/refunds/:id', (req) => get(req));

  emu.route('POST', '/v1/refunds/:id', (req) => {
    const refund = get(req);
    const params = parseParams({ metadata: metadataParam() }, req.params);
    const next = req.account.update({
      ...refund,
      metadata: applyMetadata(refund.metadata ?? {}, params.metadata),
    });
    paymentsContext(emu, req).emitUpdate('refund.updated', refund, next);
    return next;
  });

  emu.route('POST', '/v1/refunds/:id/cancel', (req) => {
    parseParams({}, req.params);
    return cancelRefund(paymentsContext(emu, req), get(req));
  });

  routeChargeLinkedList(emu, 'refund', '/v1/refunds', 'refund');
}
