// SetupAttempts (`setatt_…`): one per confirmation of a setup intent, listed by
// `GET /v1/setup_attempts?setup_intent=…` and named by the intent's `latest_attempt`. A 3D Secure
// challenge leaves the attempt `requires_action` until the customer completes or fails it.

import type Stripe from 'stripe';
import type { EmulatorCore } from '../core/emulator.js';
import { newId, randomChars } from '../core/ids.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { p, parseParams } from '../core/params.js';
import type { PaymentsContext } from '../payments/context.js';
import { idOf } from '../payments/intent-errors.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    setup_attempt: Stripe.SetupAttempt;
  }
}

export type SetupAttemptOutcome =
  | { status: 'requires_action' }
  | { status: 'succeeded'; authenticated: boolean }
  | { status: 'failed'; error: Stripe.SetupAttempt.SetupError; authenticated: boolean };

function cardDetails(
  pm: Stripe.PaymentMethod,
  authenticated: boolean,
): Stripe.SetupAttempt.PaymentMethodDetails.Card {
  const card = pm.card;
  return {
    brand: card?.brand ?? null,
    checks: card?.checks ?? null,
    country: card?.country ?? null,
    exp_month: card?.exp_month ?? null,
    exp_year: card?.exp_year ?? null,
    fingerprint: card?.fingerprint ?? null,
    funding: card?.funding ?? null,
    last4: card?.last4 ?? null,
    network: card?.brand ?? null,
    three_d_secure: authenticated
      ? {
          authentication_flow: 'challenge',
          electronic_commerce_indicator: '05',
          result: 'authenticated',
          result_reason: null,
          transaction_id: randomChars(20),
          version: '2.2.0',
        }
      : null,
    wallet: null,
  };
}

/**
 * Records the outcome of confirming `si` with `pm` and returns the attempt's id for `latest_attempt`:
 * the attempt waiting on 3D Secure is brought to its end, anything else starts a new attempt.
 */
export function recordSetupAttempt(
  ctx: PaymentsContext,
  si: Stripe.SetupIntent,
  pm: Stripe.PaymentMethod,
  outcome: SetupAttemptOutcome,
): string {
  const authenticated = outcome.status !== 'requires_action' && outcome.authenticated;
  const fields = {
    payment_method: pm.id,
    payment_method_details: { type: 'card', card: cardDetails(pm, authenticated) },
    setup_error: outcome.status === 'failed' ? outcome.error : null,
    status: outcome.status,
  };
  const waiting =
    si.latest_attempt === null ? undefined : ctx.account.get('setup_attempt', idOf(si.latest_attempt) ?? '');
  if (waiting && waiting.status === 'requires_action' && waiting.payment_method === pm.id) {
    return ctx.account.update({ ...waiting, ...fields }).id;
  }
  const attempt: Stripe.SetupAttempt = {
    id: newId('setatt'),
    object: 'setup_attempt',
    application: null,
    attach_to_self: false,
    created: ctx.now(),
    customer: idOf(si.customer),
    customer_account: null,
    flow_directions: null,
    livemode: false,
    on_behalf_of: null,
    setup_intent: si.id,
    usage: si.usage,
    ...fields,
  };
  return ctx.account.insert(attempt).id;
}

export function registerSetupAttempts(emu: EmulatorCore): void {
  emu.objects.define({ object: 'setup_attempt', expandable: ['customer', 'payment_method', 'setup_intent'] });
  emu.route('GET', '/v1/setup_attempts', (req) => {
    const params = parseParams({ ...listWithCreatedShape, setup_intent: p.string().required() }, req.params);
    const si = req.account.require('setup_intent', params.setup_intent, 'setup_intent', 'setup_intent');
    return listResponse(
      req.account.collection('setup_attempt'),
      params,
      '/v1/setup_attempts',
      (a) => a.setup_intent === si.id,
      'setup_attempt',
    );
  });
}
