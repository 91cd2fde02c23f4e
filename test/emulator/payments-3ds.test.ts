// 3D Secure end to end through the official SDK: the always-authenticate cards through the test
// page and the control route, manual confirmation, failure, decline after authentication, and the
// set-up rules of 4000002500003155, 0446 and 3178 on- and off-session.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypesAbout, type Harness, payWith, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

const eventTypes = (...objectIds: string[]) => eventTypesAbout(h.stripe, ...objectIds);
const pay = (payment_method: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
  payWith(h.stripe, payment_method, extra);

describe('3D Secure', () => {
  it('4000002760003184 requires action; the test page completes it and redirects to return_url', async () => {
    const pi = await pay('pm_card_authenticationRequired', { return_url: 'https://shop.example/done' });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('redirect_to_url');
    const url = pi.next_action!.redirect_to_url!.url!;
    expect(url.startsWith(h.emulator.url)).toBe(true);

    const page = await fetch(url);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Complete authentication');
    expect(html).toContain('Fail authentication');

    const posted = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=complete',
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    const location = new URL(posted.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://shop.example/done');
    expect(location.searchParams.get('payment_intent')).toBe(pi.id);
    expect(location.searchParams.get('redirect_status')).toBe('succeeded');

    const after = await h.stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('succeeded');
    expect(await eventTypes(pi.id)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.succeeded',
    ]);
  });

  it('confirmation_method=manual: after authentication the server confirms again', async () => {
    const pi = await pay('pm_card_authenticationRequired', { confirmation_method: 'manual' });
    expect(pi.status).toBe('requires_action');
    const authenticated = await h.control(`/_emulator/intents/${pi.id}/authenticate`, {
      outcome: 'complete',
    });
    expect(authenticated.status).toBe('requires_confirmation');
    const confirmed = await h.stripe.paymentIntents.confirm(pi.id);
    expect(confirmed.status).toBe('succeeded');
  });

  it('failing authentication returns the intent to requires_payment_method', async () => {
    const pi = await pay('pm_card_threeDSecure2Required');
    const failed = await h.control(`/_emulator/intents/${pi.id}/authenticate`, { outcome: 'fail' });
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error.code).toBe('payment_intent_authentication_failure');
    const events = await eventTypes(pi.id);
    expect(events.at(-1)).toBe('payment_intent.payment_failed');
  });

  it('3DS then decline: 4000008400001629 is declined after authentication', async () => {
    const pi = await pay('pm_card_threeDSecureRequiredChargeDeclined');
    expect(pi.status).toBe('requires_action');
    const after = await h.control(`/_emulator/intents/${pi.id}/authenticate`, { outcome: 'complete' });
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
  });

  it('off-session with an always-authenticate card fails with authentication_required', async () => {
    const customer = await h.stripe.customers.create();
    const err = await pay('pm_card_authenticationRequired', {
      customer: customer.id,
      off_session: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((err as Stripe.errors.StripeCardError).code).toBe('authentication_required');
  });

  it('0446 pays off-session without set-up; 3178 is declined insufficient_funds even once set up', async () => {
    const customer = await h.stripe.customers.create();
    const ready = await h.stripe.paymentMethods.attach('pm_card_authenticationRequiredSetupForOffSession', {
      customer: customer.id,
    });
    expect((await pay(ready.id, { customer: customer.id, off_session: true })).status).toBe('succeeded');
    expect((await pay(ready.id, { customer: customer.id })).status).toBe('requires_action');

    const si = await h.stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequiredChargeDeclinedInsufficientFunds',
      confirm: true,
    });
    await h.control(`/_emulator/intents/${si.id}/authenticate`, { outcome: 'complete' });
    const err = await pay(si.payment_method as string, { customer: customer.id, off_session: true }).catch(
      (e: unknown) => e,
    );
    expect((err as Stripe.errors.StripeCardError).decline_code).toBe('insufficient_funds');
  });

  it('4000002500003155 asks on-session always, off-session only until set up', async () => {
    const customer = await h.stripe.customers.create();
    const pm = await h.stripe.paymentMethods.attach('pm_card_authenticationRequiredOnSetup', {
      customer: customer.id,
    });
    // Not set up yet: off-session is refused.
    const before = await pay(pm.id, { customer: customer.id, off_session: true }).catch((e: unknown) => e);
    expect((before as Stripe.errors.StripeCardError).code).toBe('authentication_required');
    // Set it up with a SetupIntent (authentication completed once).
    const si = await h.stripe.setupIntents.create({
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
    });
    expect(si.status).toBe('requires_action');
    const done = await h.control(`/_emulator/intents/${si.id}/authenticate`, { outcome: 'complete' });
    expect(done.status).toBe('succeeded');
    // Off-session now goes through without authentication…
    const off = await pay(pm.id, { customer: customer.id, off_session: true });
    expect(off.status).toBe('succeeded');
    // …while on-session still asks.
    const on = await pay(pm.id, { customer: customer.id });
    expect(on.status).toBe('requires_action');
  });
});
