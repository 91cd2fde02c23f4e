// Public entry of the Coffer Stripe emulator: `import { startEmulator } from 'coffer/emulator'`.
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../shared/logger.js';
import { registerControlRoutes } from './control/routes.js';
import { EmulatorCore } from './core/emulator.js';
import { Persistence } from './core/persistence.js';
import { createHttpServer } from './http/server.js';
import { registerResources } from './resources/index.js';
import { WebhookDeliverer } from './webhooks/delivery.js';

export interface EmulatorOptions {
  /** 0 picks a free port; default 12111. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep state in this directory between restarts; omitted = memory only. */
  dataDir?: string;
  /** Milliseconds before each webhook retry; default: Stripe's sandbox, 3 retries over about 4 hours. */
  webhookRetrySchedule?: number[];
  /** How long a webhook receiver gets to answer; default 10 s. */
  deliveryTimeoutMs?: number;
  logger?: Logger;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:12111` */
  url: string;
  host: string;
  port: number;
  /** The in-process core: state, clock, settings (for inspection in tests). */
  core: EmulatorCore;
  /** Webhook delivery attempts so far. */
  deliveries: WebhookDeliverer;
  /** Stops listening, cancels webhook retries and, with `dataDir`, writes the state. */
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const logger = options.logger ?? silentLogger;
  const core = new EmulatorCore({
    ...(options.webhookRetrySchedule ? { webhookRetrySchedule: options.webhookRetrySchedule } : {}),
    ...(options.deliveryTimeoutMs ? { deliveryTimeoutMs: options.deliveryTimeoutMs } : {}),
  });
  const deliverer = new WebhookDeliverer(core, logger);
  core.events.sink = deliverer;
  registerResources(core);
  registerControlRoutes(core, deliverer);
  const persistence = options.dataDir ? new Persistence(core, options.dataDir, logger) : null;
  persistence?.load();

  const server = createHttpServer(core, logger);
  // The SDK keeps connections alive; outlive its idle sockets so it never writes to a closed one.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 12111, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  core.baseUrl = url;
  logger.info({ url }, 'emulator: listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    host,
    port,
    core,
    deliveries: deliverer,
    close() {
      closing ??= (async () => {
        deliverer.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await persistence?.flush();
      })();
      return closing;
    },
  };
}

export type { ApiRequest, EmulatorSettings } from './core/emulator.js';
export {
  EmulatorCore,
  PLATFORM_ACCOUNT_ID,
  STRIPE_LIVE_RETRY_SCHEDULE_MS,
  STRIPE_RETRY_SCHEDULE_MS,
} from './core/emulator.js';
export { API_VERSION } from './core/events.js';
export type { DeliveryAttempt } from './webhooks/delivery.js';
