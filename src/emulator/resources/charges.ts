// Routes of `/v1/charges`: retrieve, update (descriptive fields), list, search. Charges are created by
// payment intents only (the legacy `POST /v1/charges` with sources is not emulated).

import type Stripe from 'stripe';
import type { EmulatorCore } from '../core/emulator.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { p, parseParams } from '../core/params.js';
import { type SearchSpec, searchResponse, searchShape } from '../core/search.js';
import { paymentsContext } from '../payments/context.js';

const searchSpec: SearchSpec<Stripe.Charge> = {
  resource: 'charges',
  metadata: true,
  fields: {
    amount: { type: 'number', get: (c) => c.amount },
    created: { type: 'number', get: (c) => c.created },
    currency: { type: 'string', get: (c) => c.currency },
    customer: { type: 'string', get: (c) => c.customer },
    disputed: { type: 'boolean', get: (c) => c.disputed },
    payment_intent: { type: 'string', get: (c) => c.payment_intent },
    refunded: { type: 'boolean', get: (c) => c.refunded },
    status: { type: 'string', get: (c) => c.status },
    'payment_method_details.card.last4': {
      type: 'string',
      get: (c) => c.payment_method_details?.card?.last4,
    },
    'payment_method_details.card.brand': {
      type: 'string',
      get: (c) => c.payment_method_details?.card?.brand,
    },
  },
};

const listShape = { ...listWithCreatedShape, customer: p.string(), payment_intent: p.string() };

export function registerCharges(emu: EmulatorCore): void {
  emu.objects.define({
    object: 'charge',
    expandable: ['balance_transaction', 'customer', 'payment_intent', 'failure_balance_transaction'],
    // `expand[]=refunds`: the charge's refunds, newest first, as Stripe includes them on request.
    includable: {
      refunds: (obj, account): Stripe.ApiList<Stripe.Refund> => ({
        object: 'list',
        data: [...account.collection('refund').newestFirst()]
          .map((e) => e.obj)
          .filter((r) => r.charge === obj.id),
        has_more: false,
        url: `/v1/charges/${obj.id}/refunds`,
      }),
    },
  });

  emu.route('GET', '/v1/charges/search', (req) =>
    searchResponse(
      req.account.collection('charge'),
      searchSpec,
      parseParams(searchShape, req.params),
      '/v1/charges/search',
      req.expand.includes('total_count'),
    ),
  );

  emu.route('GET', '/v1/charges/:id', (req) =>
    req.account.require('charge', req.pathParams.id!, 'charge', 'charge'),
  );

  emu.route('POST', '/v1/charges/:id', (req) => {
    const charge = req.account.require('charge', req.pathParams.id!, 'charge', 'charge');
    const params = parseParams(
      {
        description: p.string().emptyable(),
        metadata: metadataParam(),
        receipt_email: p.string().emptyable(),
      },
      req.params,
    );
    const next = req.account.update({
      ...charge,
      description: params.description === undefined ? charge.description : params.description,
      metadata: applyMetadata(charge.metadata, params.metadata),
      receipt_email: params.receipt_email === undefined ? charge.receipt_email : params.receipt_email,
    });
    paymentsContext(emu, req).emitUpdate('charge.updated', charge, next);
    return next;
  });

  emu.route('GET', '/v1/charges', (req) => {
    const params = parseParams(listShape, req.params);
    const { customer, payment_intent } = params;
    return listResponse(
      req.account.collection('charge'),
      params,
      '/v1/charges',
      (c) =>
        (customer === undefined || c.customer === customer) &&
        (payment_intent === undefined || c.payment_intent === payment_intent),
      'charge',
    );
  });
}
