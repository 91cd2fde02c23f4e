// Radar early fraud warnings (`/v1/radar/early_fraud_warnings`): the issuer reports a captured charge
// as fraudulent without disputing it. Raised by the 4000000000005423 test card (createIssuerFraudRecord).

import type Stripe from 'stripe';
import type { EmulatorCore } from '../core/emulator.js';
import { newId } from '../core/ids.js';
import type { PaymentsContext } from '../payments/context.js';
import { routeChargeLinkedList } from './common.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    'radar.early_fraud_warning': Stripe.Radar.EarlyFraudWarning;
  }
}

/** Records the warning for a captured charge and emits `radar.early_fraud_warning.created`. */
export function raiseEarlyFraudWarning(
  ctx: PaymentsContext,
  charge: Stripe.Charge,
): Stripe.Radar.EarlyFraudWarning {
  const warning: Stripe.Radar.EarlyFraudWarning = {
    id: newId('issfr'),
    object: 'radar.early_fraud_warning',
    // Actionable while the charge can still be refunded or disputed, which a fresh one can.
    actionable: true,
    charge: charge.id,
    created: ctx.now(),
    fraud_type: 'made_with_stolen_card',
    livemode: false,
    ...(charge.payment_intent === null ? {} : { payment_intent: charge.payment_intent }),
  };
  ctx.account.insert(warning);
  ctx.emit('radar.early_fraud_warning.created', warning);
  return warning;
}

export function registerEarlyFraudWarnings(emu: EmulatorCore): void {
  emu.objects.define({ object: 'radar.early_fraud_warning', expandable: ['charge', 'payment_intent'] });
  const label = 'radar.early_fraud_warning';

  emu.route('GET', '/v1/radar/early_fraud_warnings/:id', (req) =>
    req.account.require('radar.early_fraud_warning', req.pathParams.id!, 'early_fraud_warning', label),
  );

  routeChargeLinkedList(emu, 'radar.early_fraud_warning', '/v1/radar/early_fraud_warnings', label);
}
