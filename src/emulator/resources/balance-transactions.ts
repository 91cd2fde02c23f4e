// Routes of `/v1/balance_transactions`: retrieve and list (filters `type`, `source`, `currency`, `created`).

import type { EmulatorCore } from '../core/emulator.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { p, parseParams } from '../core/params.js';

const listShape = {
  ...listWithCreatedShape,
  type: p.string(),
  source: p.string(),
  currency: p.string(),
  payout: p.string(),
};

export function registerBalanceTransactions(emu: EmulatorCore): void {
  emu.objects.define({ object: 'balance_transaction', expandable: ['source'] });

  emu.route('GET', '/v1/balance_transactions/:id', (req) =>
    req.account.require('balance_transaction', req.pathParams.id!, 'id', 'balance transaction'),
  );

  emu.route('GET', '/v1/balance_transactions', (req) => {
    const params = parseParams(listShape, req.params);
    const { type, source, currency } = params;
    return listResponse(
      req.account.collection('balance_transaction'),
      params,
      '/v1/balance_transactions',
      (t) =>
        (type === undefined || t.type === type) &&
        (source === undefined || t.source === source) &&
        (currency === undefined || t.currency === currency.toLowerCase()),
      'balance_transaction',
    );
  });
}
