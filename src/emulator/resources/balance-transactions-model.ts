// Balance transactions: every movement of money on the account — a captured charge (net of the
// processing fee), a refund, a refund that failed and came back, a dispute withdrawal (with its fee)
// and its reinstatement. The fee model is in ../payments/money.ts.

import type Stripe from 'stripe';
import { newId } from '../core/ids.js';
import type { PaymentsContext } from '../payments/context.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    balance_transaction: Stripe.BalanceTransaction;
  }
}

export interface BalanceMovement {
  amount: number;
  currency: string;
  fee: number;
  feeDescription?: string;
  type: Stripe.BalanceTransaction.Type;
  reportingCategory: string;
  source: string;
  description: string | null;
}

const DAY = 86_400;

/** Stores a balance transaction; charges settle after two days, everything else is available at once. */
export function recordBalanceTransaction(
  ctx: PaymentsContext,
  m: BalanceMovement,
): Stripe.BalanceTransaction {
  const created = ctx.now();
  const settles = m.type === 'charge' || m.type === 'payment';
  const fee_details: Stripe.BalanceTransaction.FeeDetail[] =
    m.fee === 0
      ? []
      : [
          {
            amount: m.fee,
            application: null,
            currency: m.currency,
            description: m.feeDescription ?? 'Stripe processing fees',
            type: 'stripe_fee',
          },
        ];
  const txn: Stripe.BalanceTransaction = {
    id: newId('txn'),
    object: 'balance_transaction',
    amount: m.amount,
    available_on: settles ? created + 2 * DAY : created,
    balance_type: 'payments',
    created,
    currency: m.currency,
    description: m.description,
    exchange_rate: null,
    fee: m.fee,
    fee_details,
    net: m.amount - m.fee,
    reporting_category: m.reportingCategory,
    source: m.source,
    status: settles ? 'pending' : 'available',
    type: m.type,
  };
  return ctx.account.insert(txn);
}
