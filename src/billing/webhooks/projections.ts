// Projections: state derived from mirror rows (the user ↔ customer mapping now; entitlements from
// subscriptions later). A projection recomputes from the mirror's current rows instead of applying
// an event's change, so running it twice or out of order ends the same: it needs no ledger, and the
// worker calls it once per batch with every object the batch touched, in one statement if it likes.

/** An object the batch wrote (or found newer already) in the mirror, and the event that named it. */
export interface ProjectionChange {
  objectId: string;
  eventType: string;
}

export interface Projection {
  /** Shown in logs and failures. */
  name: string;
  /** The Stripe object types (`customer`, `subscription`, …) whose events it follows. */
  objects: readonly string[];
  /**
   * Brings the derived state up to date with the mirror for these objects. Runs after the batch's
   * mirror writes and before the app's handlers; if it throws, those events are retried.
   */
  refresh(changes: readonly ProjectionChange[]): Promise<void>;
}

export interface ProjectionRegistry {
  add(projection: Projection): () => void;
  readonly all: readonly Projection[];
}

export function createProjectionRegistry(): ProjectionRegistry {
  let list: Projection[] = [];
  return {
    add(projection) {
      if (!projection || typeof projection.refresh !== 'function')
        throw new TypeError('a projection needs a refresh(changes) function');
      if (typeof projection.name !== 'string' || projection.name.trim() === '')
        throw new TypeError('a projection needs a non-empty name');
      if (list.some((p) => p.name === projection.name))
        throw new TypeError(`a projection named "${projection.name}" exists`);
      list = [...list, projection];
      return () => {
        list = list.filter((p) => p !== projection);
      };
    },
    get all() {
      return list;
    },
  };
}
