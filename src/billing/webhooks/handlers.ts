// The app's event handlers and the side-effect ledger that makes each run once per event:
// a handler's completion is recorded as (event id, handler name) and never repeated, whatever the
// number of deliveries, retries, replays or workers.
import type Stripe from 'stripe';
import { run } from '../mirror/sql.js';
import type { Store } from '../store/index.js';
import { groupCommit } from './group-commit.js';

export interface HandlerContext {
  /** The attempt processing this event (1 on first delivery). */
  attempt: number;
  /** `webhook`, `events_api` or `replay`. */
  source: string;
}

export type EventHandler = (event: Stripe.Event, context: HandlerContext) => Promise<void> | void;

export interface HandlerOptions {
  /**
   * The handler's name in the ledger. Defaults to `<type>#<n>` (its position among the handlers of
   * that type), so keep registration order stable or pass a name.
   */
  name?: string;
}

interface Registered {
  name: string;
  fn: EventHandler;
}

export interface HandlerRegistry {
  on(type: string, fn: EventHandler, options?: HandlerOptions): () => void;
  /** The handlers for an event type, in registration order, the `*` ones last. */
  forType(type: string): Registered[];
  /** Runs the handlers not yet in the ledger for this event; throws the first failure. */
  run(event: Stripe.Event, context: HandlerContext, alreadyDone: ReadonlySet<string>): Promise<number>;
  /** The handler names already recorded for each event. */
  ledger(eventIds: readonly string[]): Promise<Map<string, Set<string>>>;
}

const RECORD = `insert into webhook_side_effects (event_id, handler)
  select * from unnest($1::text[], $2::text[]) on conflict do nothing`;

export function createHandlerRegistry(store: Pick<Store, 'db' | 'kind'>): HandlerRegistry {
  const byType = new Map<string, Registered[]>();
  const counts = new Map<string, number>();
  // Each completion is recorded as soon as its handler returns (the window in which a crash reruns a
  // handler stays one statement long); completions of concurrent lanes share that statement.
  const record = groupCommit(
    async (done: readonly { eventId: string; handler: string }[]) => {
      await run(store, RECORD, [done.map((d) => d.eventId), done.map((d) => d.handler)]);
      return done.map(() => undefined);
    },
    { maxBatch: 500, maxInFlight: 1 },
  );

  const forType = (type: string): Registered[] => [...(byType.get(type) ?? []), ...(byType.get('*') ?? [])];

  return {
    on(type, fn, options = {}) {
      if (typeof type !== 'string' || type.trim() === '')
        throw new TypeError('event type must be a non-empty string');
      if (typeof fn !== 'function') throw new TypeError(`handler for "${type}" must be a function`);
      const n = (counts.get(type) ?? 0) + 1;
      counts.set(type, n);
      const entry = { name: options.name ?? `${type}#${n}`, fn };
      const list = byType.get(type) ?? [];
      if (list.some((h) => h.name === entry.name))
        throw new TypeError(`a handler named "${entry.name}" exists`);
      byType.set(type, [...list, entry]);
      return () => {
        byType.set(
          type,
          (byType.get(type) ?? []).filter((h) => h !== entry),
        );
      };
    },
    forType,
    async run(event, context, alreadyDone) {
      let ran = 0;
      for (const handler of forType(event.type)) {
        if (alreadyDone.has(handler.name)) continue;
        await handler.fn(event, context);
        await record({ eventId: event.id, handler: handler.name });
        ran++;
      }
      return ran;
    },
    async ledger(eventIds) {
      const done = new Map<string, Set<string>>();
      if (eventIds.length === 0) return done;
      const rows = await run<{ event_id: string; handler: string }>(
        store,
        'select event_id, handler from webhook_side_effects where event_id = any($1::text[])',
        [eventIds],
      );
      for (const row of rows) {
        const set = done.get(row.event_id) ?? new Set<string>();
        set.add(row.handler);
        done.set(row.event_id, set);
      }
      return done;
    },
  };
}
