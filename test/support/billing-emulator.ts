// An emulator per test file and a Stripe client pointed at it through Coffer's own client factory, so
// billing tests exercise the exact code path production uses (seed rule 6).
import type Stripe from 'stripe';
import { createStripeClient } from '../../src/billing/stripe-client.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

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
