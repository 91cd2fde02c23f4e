// List envelopes (stripe-api.md §1.9): newest first, `limit` 1–100 (default 10), one cursor at a
// time, `has_more` in the paging direction, `url` without the query string. Walks the collection
// lazily from the cursor, so a page costs O(page + filtered-out), not O(collection).
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from './errors.js';
import { type Infer, inRange, p, type RangeFilter } from './params.js';
import type { Collection, StoredObject } from './store.js';

/** Spread into a list endpoint's parameter shape. */
export const listShape = {
  limit: p.integer({ min: 1, max: 100 }),
  starting_after: p.string(),
  ending_before: p.string(),
};

/** `listShape` plus the `created` range filter most lists take. */
export const listWithCreatedShape = { ...listShape, created: p.range() };

export type ListParams = Infer<typeof listShape> & { created?: RangeFilter };

function checkOneCursor(params: ListParams): void {
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: starting_after, ending_before.',
      'parameters_exclusive',
      'ending_before',
    );
  }
}

export function listResponse<T extends StoredObject & { created?: number }>(
  collection: Collection<T>,
  params: ListParams,
  url: string,
  filter?: (obj: T) => boolean,
  label?: string,
): Stripe.ApiList<T> {
  const limit = params.limit ?? 10;
  const { created } = params;
  const matches = (obj: T) =>
    (created === undefined || inRange(obj.created ?? 0, created)) && (filter === undefined || filter(obj));
  checkOneCursor(params);
  const cursorSeq = (id: string, param: string) => {
    const entry = collection.entry(id);
    if (!entry) throw resourceMissing(label ?? 'object', id, param);
    return entry.seq;
  };

  const data: T[] = [];
  let hasMore = false;
  if (params.ending_before !== undefined) {
    for (const e of collection.oldestFirst(cursorSeq(params.ending_before, 'ending_before'))) {
      if (!matches(e.obj)) continue;
      if (data.length === limit) {
        hasMore = true;
        break;
      }
      data.push(e.obj);
    }
    data.reverse();
  } else {
    const before =
      params.starting_after === undefined ? undefined : cursorSeq(params.starting_after, 'starting_after');
    for (const e of collection.newestFirst(before)) {
      if (!matches(e.obj)) continue;
      if (data.length === limit) {
        hasMore = true;
        break;
      }
      data.push(e.obj);
    }
  }
  return { object: 'list', data, has_more: hasMore, url };
}

/**
 * A list over an array kept in its own order (the line items of a session, in the order given):
 * the same `limit`, cursors and `has_more` as `listResponse`, without reordering.
 */
export function arrayListResponse<T extends { id: string }>(
  items: readonly T[],
  params: ListParams,
  url: string,
  label: string,
): Stripe.ApiList<T> {
  const limit = params.limit ?? 10;
  checkOneCursor(params);
  const indexOf = (id: string, param: string) => {
    const i = items.findIndex((item) => item.id === id);
    if (i < 0) throw resourceMissing(label, id, param);
    return i;
  };
  if (params.ending_before !== undefined) {
    const end = indexOf(params.ending_before, 'ending_before');
    const start = Math.max(0, end - limit);
    return { object: 'list', data: items.slice(start, end), has_more: start > 0, url };
  }
  const start =
    params.starting_after === undefined ? 0 : indexOf(params.starting_after, 'starting_after') + 1;
  return {
    object: 'list',
    data: items.slice(start, start + limit),
    has_more: start + limit < items.length,
    url,
  };
}
