// What the payment resources need from the emulator core for one request: the account's objects, the
// emulator clock, event emission and the emulator's own base URL (for 3DS and Checkout links).
// Route handlers build it from the core's request; the payment logic only sees this interface.

import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { previousAttributes } from '../core/events.js';
import type { AccountStore, StoredObject } from '../core/store.js';

export interface PaymentsContext {
  account: AccountStore;
  /** Unix seconds from the emulator clock. */
  now(): number;
  /** Records an event with `object` as its snapshot (and `previous_attributes` on updates). */
  emit(type: Stripe.Event.Type, object: StoredObject, previous?: Record<string, unknown>): void;
  /** Emits `type` for an update with the changed fields of `before` as `previous_attributes`. */
  emitUpdate(type: Stripe.Event.Type, before: StoredObject, after: StoredObject): void;
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  baseUrl(): string;
  /** Runs `task` after the current request has answered, with a context whose events have no request. */
  later(task: (ctx: PaymentsContext) => void): void;
}

const pending = new WeakMap<EmulatorCore, Set<ReturnType<typeof setTimeout>>>();

function timersOf(emu: EmulatorCore): Set<ReturnType<typeof setTimeout>> {
  let set = pending.get(emu);
  if (!set) {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    emu.onReset(() => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    });
    pending.set(emu, timers);
    set = timers;
  }
  return set;
}

function build(emu: EmulatorCore, account: AccountStore, req: ApiRequest | null): PaymentsContext {
  const emit = (type: Stripe.Event.Type, object: StoredObject, previous?: Record<string, unknown>) => {
    if (req) emu.emit(req, type, object, previous);
    else emu.emitAutomatic(account, type, object, previous);
  };
  const ctx: PaymentsContext = {
    account,
    now: () => emu.clock.seconds(),
    emit,
    emitUpdate(type, before, after) {
      const previous = previousAttributes(before, after);
      if (Object.keys(previous).length > 0) emit(type, after, previous);
    },
    baseUrl: () => emu.baseUrl,
    later(task) {
      const timers = timersOf(emu);
      const timer = setTimeout(() => {
        timers.delete(timer);
        task(build(emu, account, null));
      }, 0);
      timers.add(timer);
    },
  };
  return ctx;
}

/** The payments context of an API request. */
export const paymentsContext = (emu: EmulatorCore, req: ApiRequest): PaymentsContext =>
  build(emu, req.account, req);

/** A context for work no API request caused (control routes, the 3DS page). */
export const automaticContext = (emu: EmulatorCore, account: AccountStore): PaymentsContext =>
  build(emu, account, null);
