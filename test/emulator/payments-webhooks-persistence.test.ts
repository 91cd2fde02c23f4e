// Payment events reach a webhook endpoint signed so that `constructEvent` accepts them, and the
// payments' private state (a card set up for off-session use) survives a restart with a data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, waitFor } from './helpers.js';

let receiver: Server;
let receiverUrl: string;
const received: Array<{ body: string; signature: string }> = [];
const dataDir = mkdtempSync(join(tmpdir(), 'coffer-payments-'));

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
      });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

it('delivers payment_intent.succeeded and charge.succeeded signed for the endpoint', async () => {
  const h = await startHarness();
  try {
    const endpoint = await h.stripe.webhookEndpoints.create({
      url: receiverUrl,
      enabled_events: ['payment_intent.succeeded', 'charge.succeeded'],
    });
    const pi = await h.stripe.paymentIntents.create({
      amount: 1999,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await waitFor(() => received.length >= 2);
    const events = received.map((r) =>
      h.stripe.webhooks.constructEvent(r.body, r.signature, endpoint.secret!),
    );
    expect(events.map((e) => e.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);
    const succeeded = events.find((e) => e.type === 'payment_intent.succeeded')!;
    expect(succeeded.data.object).toMatchObject({ id: pi.id, status: 'succeeded', amount_received: 1999 });
  } finally {
    await h.emulator.close();
  }
});

it('a card set up for off-session use stays set up across a restart with --data-dir', async () => {
  const first = await startHarness({ dataDir });
  const customer = await first.stripe.customers.create();
  const si = await first.stripe.setupIntents.create({
    customer: customer.id,
    payment_method: 'pm_card_authenticationRequiredOnSetup',
    confirm: true,
  });
  await first.control(`/_emulator/intents/${si.id}/authenticate`, { outcome: 'complete' });
  await first.emulator.close();

  const second = await startHarness({ dataDir });
  try {
    const pm = (await second.stripe.setupIntents.retrieve(si.id)).payment_method as string;
    const pi = await second.stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm,
      confirm: true,
      off_session: true,
    });
    expect(pi.status).toBe('succeeded');
  } finally {
    await second.emulator.close();
  }
});
