// A Billing instance wired to the emulator the way an app deploys it: a webhook endpoint registered at
// the emulator, pointing at a small node:http server that hands the raw body to `billing.webhooks.handle`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { type Billing, type BillingOptions, createBilling } from '../../src/billing/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { lateBound, type TestEmulator } from './billing-emulator.js';
import type { StoreTarget } from './store.js';

export interface BillingApp {
  billing: Billing;
  webhookUrl: string;
  close(): Promise<void>;
}

export async function startBillingApp(
  emu: TestEmulator,
  store: Store,
  options: Partial<BillingOptions> = {},
): Promise<BillingApp> {
  let billing: Billing | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = billing
        ? await billing.webhooks.handle(Buffer.concat(chunks), headers)
        : { status: 503, headers: {}, body: 'starting' };
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  const endpoint = await emu.stripe.webhookEndpoints.create({ url: webhookUrl, enabled_events: ['*'] });
  billing = await createBilling({
    stripe: { emulatorUrl: emu.url, secretKey: 'sk_test_coffer_tests', webhookSecret: endpoint.secret! },
    store,
    logger: silentLogger,
    worker: { pollMs: 50, backoff: { baseMs: 50, maxMs: 200 } },
    env: {},
    ...options,
  });
  const running = billing;
  return {
    billing: running,
    webhookUrl,
    close: async () => {
      await emu.stripe.webhookEndpoints.del(endpoint.id).catch(() => undefined);
      await running.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns a value (bounded: 20 s; the machine may be busy), for state that webhooks bring. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const fileStores = new Map<string, Promise<Store>>();

/**
 * One migrated store per engine for the whole test file (opening PGlite costs seconds). Suites share
 * it; tests keep apart by using their own user ids. `closeStores()` closes it at the end of the file.
 */
export function fileStore(target: StoreTarget): Promise<Store> {
  let store = fileStores.get(target.name);
  if (!store) {
    store = target.open().then(async (opened) => {
      await opened.migrate();
      return opened;
    });
    fileStores.set(target.name, store);
  }
  return store;
}

/** A Billing app on the file's store of `target` for the enclosing describe block. */
export function useBillingApp(
  emu: TestEmulator,
  target: StoreTarget,
  options: Partial<BillingOptions> = {},
): Billing {
  let app: BillingApp | undefined;
  beforeAll(async () => {
    app = await startBillingApp(emu, await fileStore(target), options);
  });
  afterAll(async () => {
    await app?.close();
  });
  return lateBound('the billing app', () => app?.billing);
}
