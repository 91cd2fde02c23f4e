// Starts an in-process emulator on an ephemeral port and an official SDK client pointed at it.
import Stripe from 'stripe';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON replies.
export type Json = any;
export interface RawReply {
  status: number;
  headers: Headers;
  body: Json;
}

export interface Harness {
  emulator: RunningEmulator;
  stripe: Stripe;
  /** Raw HTTP to the emulator, with a test key unless `authorization` is given. */
  raw(path: string, init?: RequestInit & { authorization?: string | null }): Promise<RawReply>;
  control(path: string, body?: unknown): Promise<Json>;
}

export async function startHarness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator({ port: 0, ...options });
  const stripe = new Stripe('sk_test_emulator', {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  return {
    emulator,
    stripe,
    async raw(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.authorization !== null)
        headers.set('authorization', init.authorization ?? 'Bearer sk_test_raw');
      const res = await fetch(emulator.url + path, { ...init, headers });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: JSON.parse(text) };
    },
    async control(path, body) {
      const res = await fetch(emulator.url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`control ${path} failed: ${JSON.stringify(json)}`);
      return json;
    },
  };
}

export const form = (body: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body,
});

/** Waits until `check` returns a truthy value (bounded), polling every 10 ms. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Types of the latest 100 events about `objectIds`, oldest first. */
export async function eventTypesAbout(stripe: Stripe, ...objectIds: string[]): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data
    .filter((e) => objectIds.includes((e.data.object as { id: string }).id))
    .map((e) => e.type)
    .reverse();
}

/** Creates and confirms a 20.00 USD payment intent with `payment_method`. */
export const payWith = (
  stripe: Stripe,
  payment_method: string,
  extra: Partial<Stripe.PaymentIntentCreateParams> = {},
) => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method, confirm: true, ...extra });
