// `coffer dev` as a person uses it: spawn it, open the checkout link it prints in a real browser
// (Debian's Chromium through playwright-core), be declined by 4000 0000 0000 0002, pay with
// 4242 4242 4242 4242, land on dev's success page, and see it and the service's own status URL —
// both answered from the mirror the emulator's webhook fed — report the purchase paid.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClient } from '../../src/cli/dev/demo.js';
import { launchChromium } from '../support/browser.js';
import { type CliProcess, childEnv, eventually, runCli } from './support.js';

const line = (output: string, label: string): string => {
  const match = new RegExp(`^\\s+${label}\\s+(\\S+)`, 'm').exec(output);
  if (!match?.[1]) throw new Error(`coffer dev printed no "${label}" line:\n${output}`);
  return match[1];
};

/** The URL and authorization header of the `status` curl command `coffer dev` printed. */
const printedStatus = (output: string): { url: string; authorization: string } => {
  const command = /^\s+status\s+(curl .+)$/m.exec(output)?.[1] ?? '';
  const url = /'(http[^']+)'/.exec(command)?.[1];
  const authorization = /'authorization: ([^']+)'/i.exec(command)?.[1];
  if (!url || !authorization) throw new Error(`coffer dev printed no usable "status" command:\n${output}`);
  return { url, authorization };
};

let dataDir: string | undefined;
let dev: CliProcess | undefined;
let browser: Browser | undefined;
let out = '';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'coffer-dev-browser-'));
  dev = runCli(['dev', '--port', '0', '--emulator-port', '0'], childEnv({ COFFER_DATA_DIR: dataDir }));
  browser = await launchChromium();
  await dev.waitFor(/Press Ctrl-C to stop/, 60_000);
  out = dev.output();
}, 90_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (dev && dev.child.exitCode === null && dev.child.pid !== undefined) {
    const pid = dev.child.pid;
    // Ctrl-C as a user would; SIGKILL by PID if it has not exited after a grace period.
    await dev.stop('SIGINT', 15_000).catch(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 30_000);

/** What the service's printed status URL answers for the demo session. */
async function serviceStatus(): Promise<{ status: string; [key: string]: unknown }> {
  const { url, authorization } = printedStatus(out);
  const response = await fetch(url, { headers: { authorization } });
  expect(response.status).toBe(200);
  return (await response.json()) as { status: string };
}

/** Types a test card into the hosted page as a person would (the email too, when it may be typed) and clicks Pay. */
async function fillAndPay(page: Page, cardNumber: string): Promise<void> {
  const email = page.locator('input[name=email]');
  if (await email.count()) await email.fill('demo@example.com');
  await page.fill('input[name=card_number]', cardNumber);
  await page.fill('input[name=expiry]', '12 / 34');
  await page.fill('input[name=cvc]', '123');
  await page.click('button:has-text("Pay")');
}

describe('coffer dev, the printed checkout link in a browser', () => {
  let page: Page;

  it('shows the demo purchase; a declined card shows the decline and leaves the session unpaid', async () => {
    const checkout = line(out, 'checkout');
    const sessionId = line(out, 'session');
    page = await browser!.newPage();
    const opened = await page.goto(checkout);
    expect(opened?.status()).toBe(200);
    const body = await page.textContent('body');
    expect(body).toContain('Coffer Pro — lifetime');
    expect(body).toContain('149.00 USD');

    await fillAndPay(page, '4000 0000 0000 0002');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('Your card was declined.');
    expect(page.url()).toContain(new URL(checkout).origin);

    const stripe = emulatorClient(line(out, 'emulator'), 'sk_test_dev_browser');
    expect(await stripe.checkout.sessions.retrieve(sessionId)).toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
    });
    expect((await serviceStatus()).status).not.toBe('paid');
  }, 60_000);

  it('4242 4242 4242 4242 pays, lands on the success page that confirms it from the mirror, and the service reports it paid', async () => {
    const sessionId = line(out, 'session');
    const service = line(out, 'service');
    expect(page, 'the first test opened the checkout page').toBeDefined();

    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${service}/`), { timeout: 30_000 }),
      fillAndPay(page, '4242 4242 4242 4242'),
    ]);
    // coffer dev's success page: it grants nothing on the redirect, it asks the mirror, refreshing until the
    // webhook has been processed, then shows the payment.
    const landed = new URL(page.url());
    expect(landed.pathname).toBe('/demo/checkout/success');
    expect(landed.searchParams.get('session_id')).toBe(sessionId);
    await expect
      .poll(() => page.textContent('h1').catch(() => null), { timeout: 30_000 })
      .toBe('Payment confirmed');
    const confirmation = await page.textContent('main');
    expect(confirmation).toContain(`149.00 USD paid for checkout ${sessionId}`);

    // Paid as the service sees it: the emulator delivered checkout.session.completed, the worker mirrored it.
    const paid = await eventually(async () => {
      const body = await serviceStatus();
      return body.status === 'paid' ? body : undefined;
    }, 30_000);
    expect(paid).toMatchObject({
      status: 'paid',
      sessionId,
      paymentStatus: 'paid',
      amountTotal: 14_900,
      currency: 'usd',
      userId: 'demo_user',
    });

    // Opening the link again says the checkout is done instead of offering a second payment.
    await page.goto(line(out, 'checkout'));
    expect(await page.textContent('h1')).toBe('This checkout is already complete');
    await page.close();
  }, 60_000);

  it('the success page refuses what is not a session id and never shows another id as paid', async () => {
    const service = line(out, 'service');
    const other = await browser!.newPage();
    const refused = await other.goto(
      `${service}/demo/checkout/success?session_id=${encodeURIComponent('<script>x</script>')}`,
    );
    expect(refused?.status()).toBe(400);
    expect(await other.textContent('h1')).toBe('Not a checkout session id');
    expect(await other.locator('script').count()).toBe(0);
    // A well-formed id the mirror does not know: not found, and never "Payment confirmed".
    await other.goto(`${service}/demo/checkout/success?session_id=cs_test_not_a_real_session`);
    expect(await other.textContent('h1')).toBe('Checkout not found');
    const cancelled = await other.goto(`${service}/demo/checkout/cancelled`);
    expect(cancelled?.status()).toBe(200);
    expect(await other.textContent('h1')).toBe('Checkout cancelled');
    await other.close();
  }, 30_000);
});
