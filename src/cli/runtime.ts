// What the long-running commands share: one Billing built from the environment (store opened and
// migrated, worker started or not), and its orderly close (worker drained, pool closed).
import { type Billing, type BillingOptions, createBilling } from '../billing/create-billing.js';
import type { Logger } from '../shared/logger.js';

export interface RuntimeOptions {
  /** Options that win over the environment (coffer dev passes the emulator's). */
  config?: Omit<BillingOptions, 'worker' | 'logger' | 'env'>;
  env?: NodeJS.ProcessEnv;
  /** Run the webhook worker in this process. */
  worker: boolean;
  logger?: Logger;
}

export function openRuntime(options: RuntimeOptions): Promise<Billing> {
  return createBilling({
    ...options.config,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.env ? { env: options.env } : {}),
    worker: options.worker ? {} : false,
  });
}
