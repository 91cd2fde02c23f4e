// One real browser (Debian's Chromium through playwright-core) clicks through the 3D Secure test
// page: "Complete authentication" must succeed the intent and land on the return_url.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, type Shop, startShop } from '../support/browser.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let browser: Browser;
let shop: Shop;
let shopUrl: string;

beforeAll(async () => {
  h = await startHarness();
  // The merchant's return page: a plain local server the browser is sent back to.
  shop = await startShop((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>Order status</title><p>Back at the shop</p>');
  });
  shopUrl = shop.url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await shop.close();
  await h.emulator.close();
});

it('a person completes 3D Secure on the test page and returns to the shop', async () => {
  const pi = await h.stripe.paymentIntents.create({
    amount: 4200,
    currency: 'eur',
    payment_method: 'pm_card_authenticationRequired',
    confirm: true,
    return_url: `${shopUrl}/order/7`,
  });
  expect(pi.status).toBe('requires_action');
  const page = await browser.newPage();
  await page.goto(pi.next_action!.redirect_to_url!.url!);
  expect(await page.textContent('body')).toContain('Pay 42.00 EUR');
  await Promise.all([
    page.waitForURL((url) => url.toString().startsWith(`${shopUrl}/order/7`)),
    page.click('text=Complete authentication'),
  ]);
  const landed = new URL(page.url());
  expect(landed.searchParams.get('payment_intent')).toBe(pi.id);
  expect(landed.searchParams.get('redirect_status')).toBe('succeeded');
  expect(await page.textContent('body')).toContain('Back at the shop');
  expect((await h.stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
});
