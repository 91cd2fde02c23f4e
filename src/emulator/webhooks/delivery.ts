// Webhook delivery (stripe-api.md §6.2): one signed POST per event per matching endpoint, run in the
// background so a slow or dead receiver never holds up the API. A non-2xx answer, a network error or
// a timeout is retried on `settings.webhookRetrySchedule`; every attempt is logged.
import type Stripe from 'stripe';
import type { Logger } from '../../shared/logger.js';
import { type EmulatorCore, PLATFORM_ACCOUNT_ID } from '../core/emulator.js';
import type { EventSink } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { AccountStore } from '../core/store.js';
import { type WebhookEndpointHidden, wantsEvent } from './endpoints.js';
import { signatureHeader } from './signing.js';

export interface DeliveryAttempt {
  id: string;
  event: string;
  event_type: string;
  endpoint: string;
  url: string;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** Unix milliseconds when the attempt started. */
  started_at: number;
  duration_ms: number;
  /** The receiver's HTTP status, or null when there was none (timeout, refused connection). */
  status: number | null;
  succeeded: boolean;
  error: string | null;
  /** Unix milliseconds of the next retry, or null when none is scheduled. */
  next_retry_at: number | null;
  /** Set on attempts started by a resend through the control API. */
  resend: boolean;
}

const MAX_LOG = 20_000;
const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

interface Target {
  account: AccountStore;
  endpoint: Stripe.WebhookEndpoint;
}

/** A delivery attempt still to come, as kept across restarts with `--data-dir`. */
interface PendingDelivery {
  account: string;
  event: string;
  endpoint_account: string;
  endpoint: string;
  attempt: number;
  /** Unix milliseconds (wall clock) when it is due. */
  due_at: number;
  resend: boolean;
}

export class WebhookDeliverer implements EventSink {
  private log: DeliveryAttempt[] = [];
  private readonly timers = new Map<NodeJS.Timeout, PendingDelivery>();
  /** Attempts under way, with what to retry if the emulator stops before they answer. */
  private readonly inFlight = new Map<AbortController, PendingDelivery>();
  /** What was still to come when the deliverer closed (written by persistence after that). */
  private leftAtClose: PendingDelivery[] = [];
  private closed = false;
  /** Bumped on reset so attempts started before it leave no trace after it. */
  private generation = 0;

  constructor(
    private readonly emu: EmulatorCore,
    private readonly logger: Logger,
  ) {
    emu.onReset(() => this.cancelAll());
    emu.persist('webhook_deliveries', {
      dump: () => (this.closed ? this.leftAtClose : [...this.timers.values(), ...this.inFlight.values()]),
      load: (data) => {
        for (const p of data as PendingDelivery[]) {
          const account = emu.store.account(p.endpoint_account);
          const endpoint = account.get('webhook_endpoint', p.endpoint);
          if (!endpoint) continue;
          const target = { account, endpoint };
          this.schedule(p.account, p.event, target, p.attempt, Math.max(0, p.due_at - Date.now()), p.resend);
        }
      },
    });
  }

  /** Enabled endpoints of the event's account, plus the platform's `connect` endpoints for connected accounts. */
  private targets(accountId: string, type: string): Target[] {
    const out: Target[] = [];
    const collect = (account: AccountStore, connectOnly: boolean) => {
      for (const e of account.collection('webhook_endpoint').newestFirst()) {
        const hidden = e.hidden as WebhookEndpointHidden;
        if (e.obj.status !== 'enabled' || !wantsEvent(e.obj.enabled_events, type)) continue;
        if (connectOnly && !hidden.connect) continue;
        out.push({ account, endpoint: e.obj });
      }
    };
    collect(this.emu.store.account(accountId), false);
    if (accountId !== PLATFORM_ACCOUNT_ID) collect(this.emu.store.account(PLATFORM_ACCOUNT_ID), true);
    return out;
  }

  countTargets(accountId: string, type: string): number {
    return this.targets(accountId, type).length;
  }

  deliver(accountId: string, event: Stripe.Event): void {
    for (const target of this.targets(accountId, event.type))
      this.schedule(accountId, event.id, target, 1, 0, false);
  }

  /** Sends `eventId` again to one endpoint (or every matching one); returns how many deliveries started. */
  resend(eventId: string, endpointId?: string): number {
    for (const accountId of this.emu.store.accountIds()) {
      const event = this.emu.store.account(accountId).get('event', eventId);
      if (!event) continue;
      const targets = this.targets(accountId, event.type).filter(
        (t) => endpointId === undefined || t.endpoint.id === endpointId,
      );
      for (const t of targets) this.schedule(accountId, eventId, t, 1, 0, true);
      return targets.length;
    }
    return -1;
  }

  attempts(filter: { event?: string; endpoint?: string } = {}): DeliveryAttempt[] {
    return this.log.filter(
      (a) =>
        (filter.event === undefined || a.event === filter.event) &&
        (filter.endpoint === undefined || a.endpoint === filter.endpoint),
    );
  }

  private schedule(
    accountId: string,
    eventId: string,
    target: Target,
    attempt: number,
    delayMs: number,
    resend: boolean,
  ): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(accountId, eventId, target, attempt, resend);
    }, delayMs);
    timer.unref();
    this.timers.set(timer, {
      account: accountId,
      event: eventId,
      endpoint_account: target.account.id,
      endpoint: target.endpoint.id,
      attempt,
      due_at: Date.now() + delayMs,
      resend,
    });
    this.emu.partChanged();
  }

  private async attempt(
    accountId: string,
    eventId: string,
    target: Target,
    attempt: number,
    resend: boolean,
  ): Promise<void> {
    const account = this.emu.store.account(accountId);
    const event = account.get('event', eventId);
    // The endpoint may have been deleted or disabled since; that stops further attempts, as on Stripe.
    const endpointEntry = target.account.collection('webhook_endpoint').entry(target.endpoint.id);
    if (!event || !endpointEntry || endpointEntry.obj.status !== 'enabled') return;
    const { secrets } = endpointEntry.hidden as WebhookEndpointHidden;
    const payload = JSON.stringify(event, null, 2);
    const started = Date.now();
    const generation = this.generation;
    const controller = new AbortController();
    this.inFlight.set(controller, {
      account: accountId,
      event: eventId,
      endpoint_account: target.account.id,
      endpoint: target.endpoint.id,
      attempt,
      due_at: started,
      resend,
    });
    const timeout = setTimeout(() => controller.abort(), this.emu.settings.deliveryTimeoutMs);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(endpointEntry.obj.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': USER_AGENT,
          'Stripe-Signature': signatureHeader(secrets, Math.floor(started / 1000), payload),
        },
        body: payload,
        redirect: 'manual',
        signal: controller.signal,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = controller.signal.aborted
        ? `timed out after ${this.emu.settings.deliveryTimeoutMs} ms`
        : String((err as Error).cause ?? err);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
    if (this.closed || generation !== this.generation) return;
    const succeeded = error === null;
    const schedule = this.emu.settings.webhookRetrySchedule;
    const retryDelay = succeeded ? undefined : schedule[attempt - 1];
    this.record({
      id: newId('whatt', 16),
      event: eventId,
      event_type: event.type,
      endpoint: endpointEntry.obj.id,
      url: endpointEntry.obj.url,
      attempt,
      started_at: started,
      duration_ms: Date.now() - started,
      status,
      succeeded,
      error,
      next_retry_at: retryDelay === undefined ? null : Date.now() + retryDelay,
      resend,
    });
    if (succeeded) {
      const current = account.get('event', eventId);
      if (current && !resend && current.pending_webhooks > 0) {
        account.update({ ...current, pending_webhooks: current.pending_webhooks - 1 } as Stripe.Event);
      }
    } else if (retryDelay !== undefined) {
      this.schedule(accountId, eventId, target, attempt + 1, retryDelay, resend);
    } else {
      this.logger.warn(
        { event: eventId, endpoint: endpointEntry.obj.id, attempts: attempt },
        'emulator: webhook delivery gave up',
      );
    }
  }

  private record(attempt: DeliveryAttempt): void {
    this.log.push(attempt);
    if (this.log.length > MAX_LOG) this.log = this.log.slice(-MAX_LOG / 2);
  }

  private cancelAll(): void {
    this.stopAll();
    this.timers.clear();
    this.log = [];
  }

  private stopAll(): void {
    this.generation++;
    for (const t of this.timers.keys()) clearTimeout(t);
    for (const c of this.inFlight.keys()) c.abort();
  }

  /** Stops every pending retry and in-flight delivery; the pending ones stay listed for persistence. */
  close(): void {
    this.leftAtClose = [...this.timers.values(), ...this.inFlight.values()];
    this.stopAll();
    this.closed = true;
  }
}
