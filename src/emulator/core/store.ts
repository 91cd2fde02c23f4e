// In-memory state, scoped per account (the `Stripe-Account` header), one insertion-ordered
// collection per object type. Stored objects are the wire objects and are never mutated in place:
// an update stores a new object, so an event can keep a reference as its snapshot without copying.
import type Stripe from 'stripe';
import { resourceMissing } from './errors.js';

/** Anything the emulator stores: a Stripe object with an id. */
export interface StoredObject {
  id: string;
  object: string;
}

/**
 * Object type name → SDK type. Resource files add their own entries by declaration merging:
 * `declare module '../core/store.js' { interface ObjectTypes { payment_intent: Stripe.PaymentIntent } }`
 */
export interface ObjectTypes {
  customer: Stripe.Customer;
  product: Stripe.Product;
  price: Stripe.Price;
  event: Stripe.Event;
  webhook_endpoint: Stripe.WebhookEndpoint;
}
export type ObjectName = keyof ObjectTypes;

export interface Entry<T extends StoredObject = StoredObject> {
  obj: T;
  /** Private state that is persisted but never rendered (e.g. a webhook secret, a test card number). */
  hidden: unknown;
  /** Global creation order; lists are newest first by this. */
  readonly seq: number;
  removed: boolean;
}

/** Insertion-ordered objects of one type: O(1) by id, cursor lookups by binary search on `seq`. */
export class Collection<T extends StoredObject = StoredObject> {
  private readonly byId = new Map<string, Entry<T>>();
  private order: Entry<T>[] = [];
  private tombstones = 0;

  get size(): number {
    return this.byId.size;
  }

  entry(id: string): Entry<T> | undefined {
    return this.byId.get(id);
  }

  get(id: string): T | undefined {
    return this.byId.get(id)?.obj;
  }

  add(entry: Entry<T>): void {
    this.byId.set(entry.obj.id, entry);
    this.order.push(entry);
  }

  remove(id: string): Entry<T> | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.byId.delete(id);
    entry.removed = true;
    if (++this.tombstones > 64 && this.tombstones > this.order.length / 2) {
      this.order = this.order.filter((e) => !e.removed);
      this.tombstones = 0;
    }
    return entry;
  }

  /** Index of the first entry with seq ≥ `seq`. */
  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Newest first, only entries older than `beforeSeq` when given. */
  *newestFirst(beforeSeq?: number): Generator<Entry<T>> {
    const start = beforeSeq === undefined ? this.order.length - 1 : this.lowerBound(beforeSeq) - 1;
    for (let i = start; i >= 0; i--) {
      const e = this.order[i]!;
      if (!e.removed) yield e;
    }
  }

  /** Oldest first, only entries newer than `afterSeq`. */
  *oldestFirst(afterSeq: number): Generator<Entry<T>> {
    for (let i = this.lowerBound(afterSeq + 1); i < this.order.length; i++) {
      const e = this.order[i]!;
      if (!e.removed) yield e;
    }
  }
}

type AnyCollection = Collection<StoredObject>;

/** What remains of a deleted object. */
export interface DeletedStub extends StoredObject {
  deleted: true;
}
const DELETED = '_deleted';

export interface StoreHooks {
  nextSeq(): number;
  changed(): void;
}

/** The objects of one account. */
export class AccountStore {
  private readonly collections = new Map<string, AnyCollection>();
  /** Every live object of the account by id, for `expand` and polymorphic lookups. */
  private readonly index = new Map<string, Entry>();

  constructor(
    readonly id: string,
    private readonly hooks: StoreHooks,
  ) {}

  collection<K extends ObjectName>(object: K): Collection<ObjectTypes[K]>;
  collection(object: string): AnyCollection;
  collection(object: string): AnyCollection {
    let c = this.collections.get(object);
    if (!c) {
      c = new Collection();
      this.collections.set(object, c);
    }
    return c;
  }

  /** Stores a new object (its `object` field picks the collection) and returns it. */
  insert<T extends StoredObject>(obj: T, hidden?: unknown): T {
    return this.insertInto(obj.object, obj, hidden);
  }

  private insertInto<T extends StoredObject>(collection: string, obj: T, hidden?: unknown): T {
    const entry: Entry = { obj, hidden, seq: this.hooks.nextSeq(), removed: false };
    this.collection(collection).add(entry);
    this.index.set(obj.id, entry);
    this.hooks.changed();
    return obj;
  }

  /** Replaces a stored object by a new version; `hidden` is kept unless given. */
  update<T extends StoredObject>(obj: T, hidden?: unknown): T {
    const entry = this.collection(obj.object).entry(obj.id);
    if (!entry) throw new Error(`emulator: update of unknown ${obj.object} ${obj.id}`);
    entry.obj = obj;
    if (hidden !== undefined) entry.hidden = hidden;
    this.hooks.changed();
    return obj;
  }

  get<K extends ObjectName>(object: K, id: string): ObjectTypes[K] | undefined;
  get(object: string, id: string): StoredObject | undefined;
  get(object: string, id: string): StoredObject | undefined {
    return this.collections.get(object)?.get(id);
  }

  /** Like `get`, but a missing object is Stripe's 404 `resource_missing` naming `param`. */
  require<K extends ObjectName>(object: K, id: string, param?: string, label?: string): ObjectTypes[K];
  require(object: string, id: string, param?: string, label?: string): StoredObject;
  require(object: string, id: string, param = 'id', label = object): StoredObject {
    const found = this.collections.get(object)?.get(id);
    if (!found) throw resourceMissing(label, id, param);
    return found;
  }

  /** Any object by id, whatever its type. */
  find(id: string): StoredObject | undefined {
    return this.index.get(id)?.obj;
  }

  hidden<H>(id: string): H | undefined {
    return this.index.get(id)?.hidden as H | undefined;
  }

  /**
   * Deletes an object. A `{ id, object, deleted: true }` stub stays behind: Stripe answers a retrieve
   * of a deleted customer with it, and `expand` of a deleted object's id yields it.
   */
  remove(object: string, id: string): boolean {
    const entry = this.collections.get(object)?.remove(id);
    if (!entry) return false;
    this.index.delete(id);
    this.insertInto(DELETED, { id, object, deleted: true });
    return true;
  }

  /** The stub of a deleted object of type `object`, if `id` was one. */
  deleted(object: string, id: string): DeletedStub | undefined {
    const stub = this.collections.get(DELETED)?.get(id) as DeletedStub | undefined;
    return stub?.object === object ? stub : undefined;
  }

  /** Puts back one persisted entry into its collection. */
  restoreEntry(collection: string, obj: StoredObject, hidden: unknown): void {
    this.insertInto(collection, obj, hidden);
  }

  /** Entries of every collection, for persistence. */
  dump(): Record<string, Array<[StoredObject, unknown]>> {
    const out: Record<string, Array<[StoredObject, unknown]>> = {};
    for (const [name, c] of this.collections) {
      const rows: Array<[StoredObject, unknown]> = [];
      for (const e of [...c.newestFirst()].reverse()) rows.push([e.obj, e.hidden]);
      out[name] = rows;
    }
    return out;
  }
}

export interface StoreSnapshot {
  version: 1;
  accounts: Record<string, Record<string, Array<[StoredObject, unknown]>>>;
}

export class Store {
  private accounts = new Map<string, AccountStore>();
  private seq = 0;
  private readonly listeners: Array<() => void> = [];
  private readonly hooks: StoreHooks = {
    nextSeq: () => ++this.seq,
    changed: () => {
      for (const l of this.listeners) l();
    },
  };

  /** The state of `accountId`, created on first use. */
  account(accountId: string): AccountStore {
    let a = this.accounts.get(accountId);
    if (!a) {
      a = new AccountStore(accountId, this.hooks);
      this.accounts.set(accountId, a);
    }
    return a;
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.accounts = new Map();
    this.hooks.changed();
  }

  snapshot(): StoreSnapshot {
    const accounts: StoreSnapshot['accounts'] = {};
    for (const [id, a] of this.accounts) accounts[id] = a.dump();
    return { version: 1, accounts };
  }

  /** Replaces all state with a snapshot, keeping each collection's order. */
  restore(snapshot: StoreSnapshot): void {
    this.accounts = new Map();
    for (const [accountId, collections] of Object.entries(snapshot.accounts)) {
      const account = this.account(accountId);
      for (const [name, rows] of Object.entries(collections)) {
        for (const [obj, hidden] of rows) account.restoreEntry(name, obj, hidden);
      }
    }
  }
}
