// A running service for tests: the emulator, a store of the given target, createBilling pointed at the
// emulator with its worker, the service on an ephemeral port registered as the emulator's webhook
// endpoint, and every log line kept for inspection.
import { Writable } from 'node:stream';
import Stripe from 'stripe';
import { type Billing, createBilling } from '../../../src/billing/create-billing.js';
import type { Store } from '../../../src/billing/store/index.js';
import { type RunningEmulator, startEmulator } from '../../../src/emulator/index.js';
import { type RunningService, startService } from '../../../src/server/index.js';
import { createLogger, type Logger } from '../../../src/shared/logger.js';
import type { StoreTarget } from '../../support/store.js';

export { eventually } from './http.js';

export const API_KEY = 'test_service_api_key_0123456789abcdef';

export interface ServiceHarness {
  emulator: RunningEmulator;
  stripe: Stripe;
  store: Store;
  billing: Billing;
  service: RunningService;
  webhookSecret: string;
  logs: string[];
  /** fetch against the service with the API key (unless `headers.authorization` is given). */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export function captureLogs(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  return { logs, logger: createLogger({ destination, level: 'debug' }) };
}

export async function startHarness(target: StoreTarget): Promise<ServiceHarness> {
  const emulator = await startEmulator({ port: 0 });
  const stripe = new Stripe('sk_test_service_harness', {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  const endpoint = await stripe.webhookEndpoints.create({
    url: 'http://127.0.0.1:9/pending',
    enabled_events: ['*'],
  });
  const store = await target.open();
  const { logger, logs } = captureLogs();
  const billing = await createBilling({
    store,
    logger,
    env: {},
    stripe: {
      secretKey: 'sk_test_service_harness',
      emulatorUrl: emulator.url,
      webhookSecret: endpoint.secret!,
    },
    worker: { pollMs: 100 },
  });
  const service = await startService({ port: 0, billing, logger, apiKey: API_KEY });
  await stripe.webhookEndpoints.update(endpoint.id, { url: `${service.url}/webhooks/stripe` });
  return {
    emulator,
    stripe,
    store,
    billing,
    service,
    webhookSecret: endpoint.secret!,
    logs,
    api: (path, init = {}) =>
      fetch(`${service.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${API_KEY}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        ...(init.body === undefined
          ? {}
          : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
      }),
    close: async () => {
      await service.close();
      await billing.close();
      await emulator.close();
    },
  };
}
