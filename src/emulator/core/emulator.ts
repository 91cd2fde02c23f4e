// The emulator's core object: state, clock, events, idempotency, routes and settings. Resource files
// receive it in their `register(emu)` function and add routes and object definitions to it.
import type Stripe from 'stripe';
import { EmulatorClock } from './clock.js';
import { Events, previousAttributes } from './events.js';
import { IdempotencyStore } from './idempotency.js';
import { ObjectRegistry } from './objects.js';
import { type HttpMethod, Router } from './router.js';
import { type AccountStore, Store, type StoredObject } from './store.js';

/** The platform account: what requests without a `Stripe-Account` header act on. */
export const PLATFORM_ACCOUNT_ID = 'acct_1CofferEmulator0';

/** One authenticated v1 API request, as a handler sees it. */
export interface ApiRequest {
  method: HttpMethod;
  /** The concrete path, e.g. `/v1/customers/cus_123`. */
  path: string;
  /** `:name` segments of the matched route. */
  pathParams: Record<string, string>;
  /** Decoded query (GET/DELETE) or body (POST) parameters, without `expand`. */
  params: Record<string, unknown>;
  /** `expand[]` paths; applied to the handler's return value by the server. */
  expand: string[];
  accountId: string;
  account: AccountStore;
  requestId: string;
  idempotencyKey: string | null;
  apiVersion: string;
}

/** Returns the response object (status 200); throws `StripeApiError` for an error response. */
export type ApiHandler = (req: ApiRequest) => unknown | Promise<unknown>;

export interface ControlRequest {
  method: HttpMethod;
  path: string;
  pathParams: Record<string, string>;
  /** Query parameters merged with the JSON or form body. */
  params: Record<string, unknown>;
}

/**
 * Returns the JSON response (status 200), or a `PageResponse` (core/page-response.ts) for an HTML
 * page or a redirect; throw `StripeApiError` for an error.
 */
export type ControlHandler = (req: ControlRequest) => unknown | Promise<unknown>;

export interface RouteDelay {
  method?: HttpMethod;
  /** Exact request path, e.g. `/v1/customers`. */
  path: string;
  ms: number;
}

/** An outage to rehearse: matching requests fail with `status` before they run (nothing changes). */
export interface RouteFailure {
  method?: HttpMethod;
  /** Exact request path, e.g. `/v1/customers`. */
  path: string;
  /** 429 (rate limited) or a 5xx. */
  status: 429 | 500 | 502 | 503 | 504;
  /** How many matching requests still fail; absent = until the setting is cleared. */
  remaining?: number;
}

export interface EmulatorSettings {
  /** Milliseconds to wait before each retry of a failed webhook delivery; its length is the retry count. */
  webhookRetrySchedule: number[];
  deliveryTimeoutMs: number;
  /** Artificial latency for matching requests, applied while the request is in flight. */
  delays: RouteDelay[];
  failures: RouteFailure[];
}

/**
 * Stripe retries a sandbox (test-mode) delivery three times over a few hours; it does not publish
 * the intervals. The emulator is always test mode, so this is its default.
 */
export const STRIPE_RETRY_SCHEDULE_MS: readonly number[] = [15 * 60_000, 60 * 60_000, 3 * 3_600_000];

/** Live mode retries for up to three days with exponential backoff (intervals unpublished). */
export const STRIPE_LIVE_RETRY_SCHEDULE_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 3_600_000,
  4 * 3_600_000,
  8 * 3_600_000,
  12 * 3_600_000,
  12 * 3_600_000,
  12 * 3_600_000,
  12 * 3_600_000,
  8 * 3_600_000,
];

/** State outside the store that `--data-dir` keeps too (e.g. webhook retries still to come). */
export interface PersistedPart {
  dump(): unknown;
  load(data: unknown): void;
}

export class EmulatorCore {
  readonly store = new Store();
  readonly clock = new EmulatorClock();
  readonly objects = new ObjectRegistry();
  readonly events = new Events(this.clock, PLATFORM_ACCOUNT_ID);
  /** Keys expire on the emulator clock, so a test can move past Stripe's 24 h retention. */
  readonly idempotency = new IdempotencyStore(() => this.clock.now());
  readonly api = new Router<ApiHandler>();
  readonly controlRoutes = new Router<ControlHandler>();
  readonly settings: EmulatorSettings;
  /** `http://127.0.0.1:PORT` once the server listens (for links to the emulator's own pages). */
  baseUrl = '';
  private readonly resetHooks: Array<() => void> = [];
  /** Parts persisted beside the store, by name; see `persist`. */
  readonly persistedParts = new Map<string, PersistedPart>();
  private readonly changeHooks: Array<() => void> = [];

  constructor(settings: Partial<EmulatorSettings> = {}) {
    this.settings = {
      webhookRetrySchedule: settings.webhookRetrySchedule ?? [...STRIPE_RETRY_SCHEDULE_MS],
      deliveryTimeoutMs: settings.deliveryTimeoutMs ?? 10_000,
      delays: settings.delays ?? [],
      failures: settings.failures ?? [],
    };
  }

  /** Registers a v1 API route, e.g. `emu.route('POST', '/v1/customers/:id', update)`. */
  route(method: HttpMethod, pattern: string, handler: ApiHandler): void {
    this.api.add(method, pattern, handler);
  }

  /** Registers a control route under `/_emulator/` (no auth, no idempotency). */
  control(method: HttpMethod, pattern: string, handler: ControlHandler): void {
    if (!pattern.startsWith('/_emulator/'))
      throw new Error(`emulator: control route ${pattern} must start with /_emulator/`);
    this.controlRoutes.add(method, pattern, handler);
  }

  /** Emits an event caused by `req` (its request id and idempotency key go into `event.request`). */
  emit(
    req: ApiRequest,
    type: Stripe.Event.Type,
    object: StoredObject,
    previous?: Record<string, unknown>,
  ): Stripe.Event {
    return this.events.emit(
      req.account,
      type,
      object,
      { id: req.requestId, idempotency_key: req.idempotencyKey },
      previous,
    );
  }

  /** Emits `type` for an update from `before` to `after`, with `previous_attributes`; no event if nothing changed. */
  emitUpdate(
    req: ApiRequest,
    type: Stripe.Event.Type,
    before: StoredObject,
    after: StoredObject,
  ): Stripe.Event | null {
    const previous = previousAttributes(before, after);
    if (Object.keys(previous).length === 0) return null;
    return this.emit(req, type, after, previous);
  }

  /** Emits an event no API request caused (timers, async outcomes): `request.id` is null. */
  emitAutomatic(
    account: AccountStore,
    type: Stripe.Event.Type,
    object: StoredObject,
    previous?: Record<string, unknown>,
  ): Stripe.Event {
    return this.events.emit(account, type, object, null, previous);
  }

  /** Keeps `part` in the state file with `--data-dir`; call `partChanged()` when it changes. */
  persist(name: string, part: PersistedPart): void {
    this.persistedParts.set(name, part);
  }

  onPartChange(hook: () => void): void {
    this.changeHooks.push(hook);
  }

  partChanged(): void {
    for (const hook of this.changeHooks) hook();
  }

  /** Runs `hook` on `POST /_emulator/reset` (e.g. to cancel timers a module owns). */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  reset(): void {
    this.store.reset();
    this.idempotency.clear();
    for (const hook of this.resetHooks) hook();
  }
}
