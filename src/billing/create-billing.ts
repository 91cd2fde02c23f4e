// The composition root: configuration, store, Stripe client, webhook pipeline and the services an app
// calls. Everything is built here once and shared, so every path (app call, webhook, catch-up) sees
// the same store, clock and client.
import type Stripe from 'stripe';
import { type Clock, systemClock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { type Checkout, createCheckout, createPriceResolver } from './checkout/index.js';
import { type CofferConfig, type ConfigOptions, loadConfig } from './config.js';
import { type Customers, createCustomers, customerMappingProjection } from './customers/index.js';
import * as mirrorReads from './mirror/index.js';
import { createOperations, type Operations } from './operations/index.js';
import { createPayments, type Payments } from './payments/index.js';
import { openStore, type Store } from './store/index.js';
import { createStripeClient } from './stripe-client.js';
import { createSync, type Sync } from './sync/index.js';
import {
  type Alert,
  createWebhookPipeline,
  type IntakeOptions,
  type WebhookHealth,
  type WebhookPipeline,
  type WorkerOptions,
} from './webhooks/index.js';

export interface BillingOptions extends ConfigOptions {
  /** Time source for every service (tests pass a ManualClock). Default: the system clock. */
  clock?: Clock;
  /** Default: a pino logger at `logLevel`. */
  logger?: Logger;
  /** An already-open store; Coffer migrates it but leaves closing it to you. Default: opened from config. */
  store?: Store;
  /** Run migrations on start. Default true. */
  migrate?: boolean;
  /**
   * The in-process webhook worker: options, or `false` when workers run as their own processes
   * (`coffer worker`). Default: started with default options.
   */
  worker?: false | WorkerOptions;
  /**
   * The webhook intake: `{ maxBodyBytes, toleranceSeconds, storeTimeoutMs, maxBatch,
   * maxConcurrentWrites }`. Default: the pipeline's defaults.
   */
  intake?: IntakeOptions;
  /** Called on dead letters, webhook lag and failed refetches (page someone). */
  onAlert?: (alert: Alert) => void;
  /** Where configuration is read from besides the options. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface BillingHealth {
  /** Database reachable and, if webhooks flow, no dead letters and a live worker (or none expected). */
  ok: boolean;
  database: 'ok' | 'unavailable';
  webhooks: WebhookHealth | null;
  mode: CofferConfig['mode'];
  /** True when Stripe calls go to the local emulator. */
  emulator: boolean;
}

/** Reads from the local mirror of Stripe objects; never calls Stripe. */
export interface MirrorReads {
  customer(id: string): Promise<mirrorReads.CustomerRow | undefined>;
  customerForUser(userId: string): Promise<mirrorReads.CustomerRow | undefined>;
  product(id: string): Promise<mirrorReads.ProductRow | undefined>;
  price(id: string): Promise<mirrorReads.PriceRow | undefined>;
  paymentIntent(id: string): Promise<mirrorReads.PaymentIntentRow | undefined>;
  charge(id: string): Promise<mirrorReads.ChargeRow | undefined>;
  refund(id: string): Promise<mirrorReads.RefundRow | undefined>;
  refundsForPaymentIntent(paymentIntentId: string): Promise<mirrorReads.RefundRow[]>;
  dispute(id: string): Promise<mirrorReads.DisputeRow | undefined>;
  checkoutSession(id: string): Promise<mirrorReads.CheckoutSessionRow | undefined>;
}

export interface Billing {
  readonly config: CofferConfig;
  readonly store: Store;
  /** The pinned, configured SDK client (for calls Coffer does not wrap yet). */
  readonly stripe: Stripe;
  readonly logger: Logger;
  readonly clock: Clock;
  customers: Customers;
  checkout: Checkout;
  payments: Payments;
  /** The recorded attempts of mutating calls (idempotency), for support and tooling. */
  operations: Pick<Operations, 'latest' | 'forUser'>;
  webhooks: Pick<
    WebhookPipeline,
    'handle' | 'health' | 'replay' | 'replayFailed' | 'stats' | 'prune' | 'schedulePrune'
  >;
  /** Registers an app handler, run exactly once per event: `billing.on('checkout.session.completed', fn)`. */
  on: WebhookPipeline['on'];
  worker: WebhookPipeline['worker'];
  sync: Sync;
  mirror: MirrorReads;
  health(): Promise<BillingHealth>;
  /** Drains the worker (events in flight finish) and closes the pool if Coffer opened it. */
  close(): Promise<void>;
}

export async function createBilling(options: BillingOptions = {}): Promise<Billing> {
  const config = loadConfig(options, options.env ?? process.env);
  if (config.stripe.webhookSecrets.length === 0) {
    throw new ConfigurationError([
      'STRIPE_WEBHOOK_SECRET is required: Coffer learns outcomes from webhooks (the endpoint signing secret, whsec_…)',
    ]);
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    (await openStore({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      dataDir: config.dataDir,
      schema: config.schema,
    }));
  try {
    if (options.migrate !== false) await store.migrate();
    return compose({ config, store, ownsStore, clock, logger, options });
  } catch (error) {
    if (ownsStore) await store.close().catch(() => undefined);
    throw error;
  }
}

function compose(parts: {
  config: CofferConfig;
  store: Store;
  ownsStore: boolean;
  clock: Clock;
  logger: Logger;
  options: BillingOptions;
}): Billing {
  const { config, store, ownsStore, clock, logger, options } = parts;
  const stripe = createStripeClient(config);
  const pipeline = createWebhookPipeline({
    store,
    stripe,
    webhookSecrets: config.stripe.webhookSecrets,
    logger,
    clock,
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
    ...(options.worker ? { worker: options.worker } : {}),
    ...(options.intake ? { intake: options.intake } : {}),
  });
  const operations = createOperations(store.db, clock);
  const customers = createCustomers({ db: store.db, stripe, operations, clock, logger });
  // Recomputed from the mirror by every retry, so its writes need no fsync of their own.
  pipeline.project(customerMappingProjection(store.relaxed, clock));
  const checkout = createCheckout({
    db: store.db,
    stripe,
    operations,
    customers,
    prices: createPriceResolver(stripe, clock),
    clock,
  });
  const payments = createPayments({ db: store.db, stripe, operations, customers });
  const sync = createSync({ store, stripe, pipeline, logger, clock });
  if (options.worker !== false) pipeline.worker.start();

  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    stripe,
    logger,
    clock,
    customers,
    checkout,
    payments,
    operations: { latest: operations.latest, forUser: operations.forUser },
    webhooks: {
      handle: pipeline.handle,
      health: pipeline.health,
      replay: pipeline.replay,
      replayFailed: pipeline.replayFailed,
      prune: pipeline.prune,
      schedulePrune: pipeline.schedulePrune,
      get stats() {
        return pipeline.stats;
      },
    },
    on: pipeline.on,
    worker: pipeline.worker,
    sync,
    mirror: bindMirror(store),
    async health() {
      const database = await store.ping().then(
        () => 'ok' as const,
        () => 'unavailable' as const,
      );
      const webhooks = database === 'ok' ? await pipeline.health().catch(() => null) : null;
      const workerOk = options.worker === false || webhooks?.workerAlive === true;
      return {
        ok: database === 'ok' && webhooks !== null && webhooks.deadLetters === 0 && workerOk,
        database,
        webhooks,
        mode: config.mode,
        emulator: config.stripe.emulatorUrl !== undefined,
      };
    },
    close() {
      closing ??= (async () => {
        await pipeline.worker.stop();
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
}

function bindMirror(store: Store): MirrorReads {
  const db = store.db;
  return {
    customer: (id) => mirrorReads.getCustomer(db, id),
    customerForUser: (userId) => mirrorReads.findCustomerByUserId(db, userId),
    product: (id) => mirrorReads.getProduct(db, id),
    price: (id) => mirrorReads.getPrice(db, id),
    paymentIntent: (id) => mirrorReads.getPaymentIntent(db, id),
    charge: (id) => mirrorReads.getCharge(db, id),
    refund: (id) => mirrorReads.getRefund(db, id),
    refundsForPaymentIntent: (id) => mirrorReads.listRefundsForPaymentIntent(db, id),
    dispute: (id) => mirrorReads.getDispute(db, id),
    checkoutSession: (id) => mirrorReads.getCheckoutSession(db, id),
  };
}
