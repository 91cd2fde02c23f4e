// An emulator per test file and a Stripe client pointed at it through Coffer's own client factory, so
// billing tests exercise the exact code path production uses (seed rule 6).
import type Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { createStripeClient } from '../../src/billing/stripe-client.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { closeStores } from './store.js';

export interface TestEmulator {
  emulator: RunningEmulator;
  url: string;
  stripe: Stripe;
  /** POSTs to the emulator's control API, e.g. `control('/_emulator/reset')`. */
  control(path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function startTestEmulator(
  options: { webhookRetrySchedule?: number[] } = {},
): Promise<TestEmulator> {
  const emulator = await startEmulator({ port: 0, ...options });
  const stripe = createStripeClient({
    stripe: { secretKey: 'sk_test_coffer_tests', webhookSecrets: [], emulatorUrl: emulator.url },
  });
  return {
    emulator,
    url: emulator.url,
    stripe,
    control: async (path, body) => {
      const response = await fetch(`${emulator.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk_test_coffer_tests' },
        body: JSON.stringify(body ?? {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`emulator ${path} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    close: () => emulator.close(),
  };
}

/** A user id no other test (or earlier run against the same emulator) uses. */
export const uniqueUser = (label = 'user'): string => `${label}_${Math.random().toString(36).slice(2, 10)}`;

/** Read through to a value that a `beforeAll` fills in. */
export function lateBound<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get: (_target, prop) => {
      const value = get();
      if (!value) throw new Error(`${what} is not started yet (use it inside a test or hook)`);
      const member = Reflect.get(value, prop);
      return typeof member === 'function' ? member.bind(value) : member;
    },
  });
}

/** One emulator for the test file (started before, closed after, with the file's stores). */
export function useTestEmulator(options: { webhookRetrySchedule?: number[] } = {}): TestEmulator {
  let current: TestEmulator | undefined;
  beforeAll(async () => {
    current = await startTestEmulator(options);
  });
  afterAll(async () => {
    await closeStores();
    await current?.close();
  });
  return lateBound('the emulator', () => current);
}
