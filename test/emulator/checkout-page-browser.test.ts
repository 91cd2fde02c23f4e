// A person in a real browser (Debian's Chromium through playwright-core) opens a Checkout Session's
// url, types an email and a test card, clicks Pay and lands on the shop's success page; once with
// 4242 4242 4242 4242, once with a 3D Secure card through the 3DS test page.
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, type Shop, startShop } from '../support/browser.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let browser: Browser;
let shop: Shop;
let shopUrl: string;

beforeAll(async () => {
  h = await startHarness();
  // The merchant's success page: a tiny local server, echoing the session id it was sent back with.
  shop = await startShop((req, res) => {
    const session = new URL(req.url ?? '/', 'http://shop').searchParams.get('session') ?? '';
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(`Thanks for your order ${session}`);
  });
  shopUrl = shop.url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await shop.close();
  await h.emulator.close();
});

const createSession = () =>
  h.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Notebook' } }, quantity: 2 },
    ],
    success_url: `${shopUrl}/thanks?session={CHECKOUT_SESSION_ID}`,
    cancel_url: `${shopUrl}/cart`,
  });

/** Fills the hosted page's form as a person would and clicks Pay. */
async function fillAndPay(page: Page, cardNumber: string): Promise<void> {
  await page.fill('input[name=email]', 'reader@example.com');
  await page.fill('input[name=card_number]', cardNumber);
  await page.fill('input[name=expiry]', '12 / 34');
  await page.fill('input[name=cvc]', '123');
  await page.click('button:has-text("Pay")');
}

/** The session is complete and paid, and `checkout.session.completed` was emitted for it. */
async function expectPaid(session: Stripe.Checkout.Session): Promise<void> {
  expect(await h.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
    status: 'complete',
    payment_status: 'paid',
  });
  const events = await h.stripe.events.list({ type: 'checkout.session.completed', limit: 10 });
  expect(events.data.map((e) => (e.data.object as Stripe.Checkout.Session).id)).toContain(session.id);
}

it('a person pays with 4242 4242 4242 4242 and lands on the success URL', async () => {
  const session = await createSession();
  const page = await browser.newPage();
  await page.goto(session.url!);
  const body = await page.textContent('body');
  expect(body).toContain('Notebook');
  expect(body).toContain('25.00 EUR');
  await page.screenshot({ path: '/tmp/coffer-checkout-page.png', fullPage: true });

  await Promise.all([
    page.waitForURL(`${shopUrl}/thanks?session=${session.id}`),
    fillAndPay(page, '4242 4242 4242 4242'),
  ]);
  expect(await page.textContent('body')).toBe(`Thanks for your order ${session.id}`);
  await expectPaid(session);
  await page.close();
});

it('a 3D Secure card goes through the 3DS page and then to the success URL', async () => {
  const session = await createSession();
  const page = await browser.newPage();
  await page.goto(session.url!);
  await Promise.all([page.waitForURL(/\/_emulator\/3ds\//), fillAndPay(page, '4000 0027 6000 3184')]);
  expect(await page.textContent('body')).toContain('Pay 25.00 EUR');
  await Promise.all([
    page.waitForURL(`${shopUrl}/thanks?session=${session.id}`),
    page.click('text=Complete authentication'),
  ]);
  await expectPaid(session);
  await page.close();
});
