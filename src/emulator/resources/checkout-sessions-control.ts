// The control side of Checkout: `POST /_emulator/checkout/sessions/:id/complete` stands in for the
// hosted page (not built yet; `GET /_emulator/checkout/:id` says so).

import type Stripe from 'stripe';
import type { EmulatorCore } from '../core/emulator.js';
import { resourceMissing } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { PageResponse } from '../core/page-response.js';
import { p, parseParams } from '../core/params.js';
import type { AccountStore } from '../core/store.js';
import { automaticContext } from '../payments/context.js';
import { type CreateCustomer, completeSession } from './checkout-sessions-model.js';
import { blankCustomer } from './customers.js';
import { createCardPaymentMethod } from './payment-methods-model.js';

/** Finds a session by id in whichever account holds it (control routes carry no account). */
function findSession(
  emu: EmulatorCore,
  id: string,
): { account: AccountStore; session: Stripe.Checkout.Session } {
  for (const accountId of emu.store.accountIds()) {
    const account = emu.store.account(accountId);
    const session = account.get('checkout.session', id);
    if (session) return { account, session };
  }
  throw resourceMissing('checkout.session', id);
}

/** Creates the customer a completed session needs, as the hosted page would (no API request). */
function customerCreator(emu: EmulatorCore, account: AccountStore): CreateCustomer {
  return (email) => {
    const customer = account.insert({ ...blankCustomer(newId('cus', 14), emu.clock.seconds()), email });
    emu.emitAutomatic(account, 'customer.created', customer);
    return customer;
  };
}

export function registerCheckoutControl(emu: EmulatorCore): void {
  emu.control('POST', '/_emulator/checkout/sessions/:id/complete', (req) => {
    const params = parseParams({ payment_method: p.string(), email: p.string() }, req.params);
    const { account, session } = findSession(emu, req.pathParams.id!);
    const ctx = automaticContext(emu, account);
    let paymentMethod = params.payment_method ?? 'pm_card_visa';
    if (/^[\d ]{12,23}$/.test(paymentMethod)) {
      // A raw test card number, as typed on the hosted page: any future expiry, any CVC.
      const year = new Date(ctx.now() * 1000).getUTCFullYear() + 1;
      const card = { number: paymentMethod, exp_month: 12, exp_year: year, cvc: '123' };
      paymentMethod = createCardPaymentMethod(ctx, card).id;
    }
    const done = completeSession(
      ctx,
      session,
      paymentMethod,
      params.email ?? null,
      customerCreator(emu, account),
    );
    if (done.error) throw done.error;
    return { object: 'checkout_session_completion', session: done.session, redirect_url: done.redirect_url };
  });

  emu.control('GET', '/_emulator/checkout/:id', (req) => {
    const { session } = findSession(emu, req.pathParams.id!);
    return PageResponse.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head><body>` +
        `<h1>Coffer emulator Checkout</h1><p>Session <code>${session.id}</code> is ${session.status}.</p>` +
        '<p>The hosted payment page is not built yet; complete the session with ' +
        `<code>POST /_emulator/checkout/sessions/${session.id}/complete</code>.</p></body></html>`,
    );
  });
}
