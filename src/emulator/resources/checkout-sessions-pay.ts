// Paying a Checkout Session as the customer does on the hosted page. The one path shared by the
// hosted page's form (`src/emulator/pages/checkout-routes.ts`) and the control route
// `POST /_emulator/checkout/sessions/:id/complete`.

import type Stripe from 'stripe';
import type { EmulatorCore } from '../core/emulator.js';
import { resourceMissing } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccountStore } from '../core/store.js';
import { automaticContext } from '../payments/context.js';
import { type Completion, type CreateCustomer, completeSession } from './checkout-sessions-model.js';
import { blankCustomer } from './customers.js';
import { createCardPaymentMethod } from './payment-methods-model.js';

export interface FoundSession {
  account: AccountStore;
  session: Stripe.Checkout.Session;
}

/** The session with this id in whichever account holds it (pages and control routes carry no account). */
export function findSessionOrNull(emu: EmulatorCore, id: string): FoundSession | null {
  for (const accountId of emu.store.accountIds()) {
    const account = emu.store.account(accountId);
    const session = account.get('checkout.session', id);
    if (session) return { account, session };
  }
  return null;
}

export function findSession(emu: EmulatorCore, id: string): FoundSession {
  const found = findSessionOrNull(emu, id);
  if (!found) throw resourceMissing('checkout.session', id);
  return found;
}

/** Creates the customer a completed session needs, as the hosted page would (no API request). */
function customerCreator(emu: EmulatorCore, account: AccountStore): CreateCustomer {
  return (email) => {
    const customer = account.insert({ ...blankCustomer(newId('cus', 14), emu.clock.seconds()), email });
    emu.emitAutomatic(account, 'customer.created', customer);
    return customer;
  };
}

/** A raw card number as a person types it: digits, maybe grouped with spaces. */
export const isCardNumber = (value: string): boolean => /^[\d ]{12,23}$/.test(value);

export interface CheckoutPayment {
  /** A `pm_card_*` id, a `tok_*` token, an existing `pm_…`, or a raw test card number. */
  paymentMethod: string;
  /** Typed with a raw card number; otherwise any future expiry and any CVC (December next year, 123). */
  card?: { exp_month: number; exp_year: number; cvc: string };
  email: string | null;
}

/**
 * Pays (or, in setup mode, saves the card of) an open session. Throws for a card that cannot be
 * created (bad number, expiry or CVC) or a session that is no longer open; a decline comes back as
 * `error` with the session still open, 3D Secure as an open session whose intent `requires_action`.
 */
export function payCheckoutSession(
  emu: EmulatorCore,
  { account, session }: FoundSession,
  payment: CheckoutPayment,
): Completion {
  const ctx = automaticContext(emu, account);
  let paymentMethod = payment.paymentMethod;
  if (isCardNumber(paymentMethod)) {
    const year = new Date(ctx.now() * 1000).getUTCFullYear() + 1;
    const card = {
      number: paymentMethod,
      ...(payment.card ?? { exp_month: 12, exp_year: year, cvc: '123' }),
    };
    paymentMethod = createCardPaymentMethod(ctx, card).id;
  }
  return completeSession(ctx, session, paymentMethod, payment.email, customerCreator(emu, account));
}
