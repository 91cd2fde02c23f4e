// The control side of Checkout: `POST /_emulator/checkout/sessions/:id/complete` pays a session
// without a browser, through the same path as the hosted page (`src/emulator/pages/checkout-routes.ts`).

import type { EmulatorCore } from '../core/emulator.js';
import { p, parseParams } from '../core/params.js';
import { registerCheckoutPage } from '../pages/checkout-routes.js';
import { findSession, payCheckoutSession } from './checkout-sessions-pay.js';

export function registerCheckoutControl(emu: EmulatorCore): void {
  emu.control('POST', '/_emulator/checkout/sessions/:id/complete', (req) => {
    const params = parseParams({ payment_method: p.string(), email: p.string() }, req.params);
    const done = payCheckoutSession(emu, findSession(emu, req.pathParams.id!), {
      paymentMethod: params.payment_method ?? 'pm_card_visa',
      email: params.email ?? null,
    });
    if (done.error) throw done.error;
    return { object: 'checkout_session_completion', session: done.session, redirect_url: done.redirect_url };
  });
  registerCheckoutPage(emu);
}
