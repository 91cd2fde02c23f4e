// The hosted Checkout page over plain HTTP: what it shows for open, complete, expired and unknown
// sessions, paying through its form (success, decline, bad input, 3D Secure, set-up), the per-session
// form check, and escaping of what the merchant and the customer typed.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

const SUCCESS = 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}';

const paymentSession = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  h.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 2 },
      { price_data: { currency: 'usd', unit_amount: 805, product_data: { name: 'Mug' } }, quantity: 1 },
    ],
    success_url: SUCCESS,
    cancel_url: 'https://shop.example/cart',
    ...extra,
  });

const page = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
};

/** A browser's form POST, not following the redirect. */
const post = (url: string, fields: Record<string, string>) =>
  fetch(url, { ...form(new URLSearchParams(fields).toString()), redirect: 'manual' });

const checkOf = (html: string): string => {
  const match = /name="check" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no form check in the page:\n${html}`);
  return match[1];
};

/** Opens the session's page, then submits its form with `fields` (the page's own check unless given). */
async function submit(session: Stripe.Checkout.Session, fields: Record<string, string>) {
  const opened = await page(session.url!);
  const res = await post(session.url!, { check: checkOf(opened.html), ...fields });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

const card = { card_number: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' };
/** Submits the form with this card number (or test token) and a typed email. */
const payWith = (session: Stripe.Checkout.Session, card_number: string) =>
  submit(session, { ...card, card_number, email: 'a@b.example' });
const thanks = (session: Stripe.Checkout.Session) => `https://shop.example/thanks?session=${session.id}`;

describe('the page of an open session', () => {
  it('lists the items with quantities and amounts in the currency, the total, Pay and Cancel', async () => {
    const session = await paymentSession({ customer_email: 'jenny@example.com' });
    const { status, type, html } = await page(session.url!);
    expect(status).toBe(200);
    expect(type).toContain('text/html');
    expect(html).toMatch(/T-shirt <span class="hint">× 2<\/span><\/td><td class="amount">30\.00 USD/);
    expect(html).toMatch(/Mug <span class="hint">× 1<\/span><\/td><td class="amount">8\.05 USD/);
    expect(html).toMatch(/Total<\/td><td class="amount">38\.05 USD/);
    // The session's email is shown and cannot be changed; the card field hints the test card.
    expect(html).toContain('value="jenny@example.com" readonly');
    expect(html).not.toContain('name="email"');
    expect(html).toContain('placeholder="4242 4242 4242 4242"');
    expect(html).toContain('<button class="primary" type="submit">Pay</button>');
    expect(html).toContain('<a class="cancel" href="https://shop.example/cart">Cancel</a>');
    expect(html).not.toMatch(/<script|<link/);
  });

  it('formats zero-decimal currencies without decimals', async () => {
    const session = await paymentSession({
      line_items: [
        { price_data: { currency: 'jpy', unit_amount: 1200, product_data: { name: 'Tea' } }, quantity: 3 },
      ],
    });
    const { html } = await page(session.url!);
    expect(html).toMatch(/Total<\/td><td class="amount">3600 JPY/);
  });

  it('escapes the product name, the cancel URL and the email the customer typed', async () => {
    const session = await paymentSession({
      line_items: [
        {
          price_data: {
            currency: 'usd',
            unit_amount: 100,
            product_data: { name: '<script>alert(1)</script> & "Co"' },
          },
          quantity: 1,
        },
      ],
      cancel_url: "https://shop.example/cart?x='onmouseover=alert(1)",
    });
    const { html } = await page(session.url!);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;Co&#34;');
    expect(html).toContain('href="https://shop.example/cart?x=&#39;onmouseover=alert(1)"');

    const typed = await submit(session, { ...card, email: '"><img src=x onerror=alert(1)>' });
    expect(typed.status).toBe(400);
    expect(typed.html).toContain('Enter a valid email address');
    expect(typed.html).not.toContain('<img');
    expect(typed.html).toContain('value="&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"');
  });

  it('answers 404 with a page for an unknown session', async () => {
    const { status, html } = await page(`${h.emulator.url}/_emulator/checkout/cs_test_nope`);
    expect(status).toBe(404);
    expect(html).toContain('No such checkout');
    expect(html).not.toContain('<form');
  });
});

describe('paying through the form', () => {
  it('a test card pays the session and redirects (303) to the success URL with the id', async () => {
    const session = await paymentSession();
    const paid = await submit(session, { ...card, email: 'buyer@example.com' });
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(thanks(session));
    const after = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(after.customer_details?.email).toBe('buyer@example.com');
    const pi = await h.stripe.paymentIntents.retrieve(after.payment_intent as string, {
      expand: ['payment_method'],
    });
    expect(pi).toMatchObject({ status: 'succeeded', amount: 3805, receipt_email: 'buyer@example.com' });
    expect((pi.payment_method as Stripe.PaymentMethod).card).toMatchObject({
      last4: '4242',
      exp_month: 12,
      exp_year: 2034,
    });

    // The page now says so, with no form, and a second submission pays nothing.
    const { html } = await page(session.url ?? `${h.emulator.url}/_emulator/checkout/${session.id}`);
    expect(html).toContain('This checkout is already complete');
    expect(html).not.toContain('<form');
    const again = await post(`${h.emulator.url}/_emulator/checkout/${session.id}`, {
      ...card,
      email: 'buyer@example.com',
      check: 'x',
    });
    expect(again.status).toBe(409);
  });

  it('a declined card shows the decline in plain words and leaves the session open; then 4242 pays', async () => {
    const session = await paymentSession();
    const declined = await payWith(session, '4000 0000 0000 9995');
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('Your card has insufficient funds.');
    expect(declined.html).toContain('value="a@b.example"');
    expect(declined.html).toContain('<form');
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    // Coming back to the page shows the last decline too.
    expect((await page(session.url!)).html).toContain('Your card has insufficient funds.');

    const paid = await submit(session, { card_number: 'pm_card_mastercard', email: 'a@b.example' });
    expect(paid.location).toBe(thanks(session));
    const events = await h.stripe.events.list({ type: 'checkout.session.completed', limit: 5 });
    expect(events.data.some((e) => (e.data.object as Stripe.Checkout.Session).id === session.id)).toBe(true);
  });

  it('says what is wrong with the card, expiry, CVC or email, and charges nothing', async () => {
    const session = await paymentSession();
    const cases: [Record<string, string>, string][] = [
      [{ ...card, card_number: 'abcd' }, 'Enter a card number'],
      [{ ...card, expiry: '2034-12' }, 'Enter the expiry date as MM / YY'],
      [{ ...card, cvc: '12' }, 'Enter the 3 or 4 digit security code'],
      [{ ...card, email: 'not-an-email' }, 'Enter a valid email address'],
      [{ ...card, card_number: '4242 4242 4242 4241' }, 'Your card number is incorrect.'],
      [{ ...card, expiry: '01 / 20' }, 'expir'],
    ];
    for (const [fields, message] of cases) {
      const res = await submit(session, { email: 'a@b.example', ...fields });
      expect(res.status, message).toBeGreaterThanOrEqual(400);
      expect(res.html, message).toContain(message);
    }
    const after = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ status: 'open', payment_intent: null });
  });

  it('refuses a form that does not carry the check of this session', async () => {
    const a = await paymentSession();
    const b = await paymentSession();
    const { html } = await page(a.url!);
    const res = await post(b.url!, { ...card, email: 'a@b.example', check: checkOf(html) });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This form does not belong to this checkout');
    expect((await h.stripe.checkout.sessions.retrieve(b.id)).status).toBe('open');
  });

  it('a 3D Secure card goes to the 3DS page, then on to the success URL', async () => {
    const session = await paymentSession();
    const res = await payWith(session, '4000 0027 6000 3184');
    expect(res.status).toBe(303);
    expect(res.location).toMatch(new RegExp(`^${h.emulator.url}/_emulator/3ds/pi_`));
    const authenticated = await post(res.location!, { outcome: 'complete' });
    expect(authenticated.headers.get('location')).toBe(thanks(session));
    expect(await h.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
    });
  });

  it('a failed 3D Secure authentication comes back to the page with the reason, still open', async () => {
    const session = await paymentSession();
    const res = await payWith(session, 'pm_card_threeDSecure2Required');
    const failed = await post(res.location!, { outcome: 'fail' });
    expect(failed.status).toBe(303);
    expect(failed.headers.get('location')).toBe(session.url);
    const back = await page(session.url!);
    expect(back.html).toMatch(/class="error"[^>]*>[^<]*authenticat/i);
    expect(back.html).toContain('<form');
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });
});

describe('setup mode and closed sessions', () => {
  it('setup mode: no total, "Save card", and the card is set up', async () => {
    const customer = await h.stripe.customers.create({ email: 'saver@example.com' });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      customer: customer.id,
      success_url: SUCCESS,
      cancel_url: 'https://shop.example/account',
    });
    const { html } = await page(session.url!);
    expect(html).toContain('Save a card for future payments');
    expect(html).toContain('>Save card</button>');
    expect(html).not.toContain('Total');
    expect(html).toContain('value="saver@example.com" readonly');

    const saved = await submit(session, card);
    expect(saved.location).toBe(thanks(session));
    const after = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    expect(after).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    expect(after.setup_intent).toMatchObject({ status: 'succeeded', customer: customer.id });
  });

  it('setup mode with a 3D Secure card: the 3DS page, then the success URL', async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      success_url: SUCCESS,
    });
    const res = await payWith(session, '4000 0025 0000 3155');
    expect(res.location).toMatch(new RegExp(`^${h.emulator.url}/_emulator/3ds/seti_`));
    const authenticated = await post(res.location!, { outcome: 'complete' });
    expect(authenticated.headers.get('location')).toBe(thanks(session));
    const after = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    expect(after).toMatchObject({ status: 'complete', setup_intent: { status: 'succeeded' } });
  });

  it('an expired session says so, with no form, and cannot be paid', async () => {
    const session = await paymentSession();
    const { html: open } = await page(session.url!);
    await h.stripe.checkout.sessions.expire(session.id);
    const { status, html } = await page(session.url!);
    expect(status).toBe(410);
    expect(html).toContain('This checkout has expired');
    expect(html).toContain('href="https://shop.example/cart"');
    expect(html).not.toContain('<form');
    const late = await post(session.url!, { ...card, email: 'a@b.example', check: checkOf(open) });
    expect(late.status).toBe(409);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
  });
});
