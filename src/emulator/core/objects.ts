// What the core needs to know about each object type beyond its stored shape: which fields can be
// expanded (ids that become objects) and which are "includable" (absent unless expanded).
import type { AccountStore, StoredObject } from './store.js';

export interface ObjectDefinition {
  /** The `object` field value, e.g. `customer`. */
  object: string;
  /** Dotted paths of id fields that `expand[]` may turn into objects, e.g. `invoice_settings.default_payment_method`. */
  expandable?: readonly string[];
  /** Fields computed only when expanded, e.g. checkout's `line_items`. */
  includable?: Readonly<Record<string, (obj: StoredObject, account: AccountStore) => unknown>>;
}

export class ObjectRegistry {
  private readonly defs = new Map<string, ObjectDefinition>();

  define(def: ObjectDefinition): void {
    this.defs.set(def.object, def);
  }

  get(object: string): ObjectDefinition | undefined {
    return this.defs.get(object);
  }
}
