// The Search API (stripe-api.md §1.11) over one collection: `field:'value'` (case-insensitive),
// `field~'sub'`, numeric and `created` comparisons (`>`, `>=`, `<`, `<=`, `:`), `-` negation,
// `field:null`, `metadata['key']:'value'`, clauses joined by AND or by OR (not both).
import type Stripe from 'stripe';
import { invalidRequest } from './errors.js';
import { p } from './params.js';
import type { Collection, StoredObject } from './store.js';

export type SearchFieldType = 'string' | 'number' | 'boolean';

export interface SearchSpec<T> {
  /** Plural resource name used in messages, e.g. `customers`. */
  resource: string;
  fields: Record<string, { type: SearchFieldType; get: (obj: T) => unknown }>;
  /** Whether `metadata['key']` clauses apply (reads `obj.metadata`). */
  metadata: boolean;
}

export const searchShape = {
  query: p.string().required(),
  limit: p.integer({ min: 1, max: 100 }),
  page: p.string(),
};

type Op = ':' | '~' | '>' | '>=' | '<' | '<=';
interface Clause {
  negate: boolean;
  field: string;
  metadataKey: string | null;
  op: Op;
  value: string | number | null;
}

const badQuery = (message: string) => invalidRequest(message, undefined, 'query');

/** Splits `query` into clauses and the combinator joining them. */
export function parseQuery(query: string): { clauses: Clause[]; combinator: 'AND' | 'OR' } {
  let i = 0;
  const clauses: Clause[] = [];
  const combinators = new Set<'AND' | 'OR'>();
  const skipSpaces = () => {
    while (query[i] === ' ') i++;
  };
  const readQuoted = (): string => {
    const quote = query[i++];
    let s = '';
    while (i < query.length && query[i] !== quote) {
      if (query[i] === '\\' && i + 1 < query.length) i++;
      s += query[i++];
    }
    if (query[i] !== quote) throw badQuery(`Invalid query: unterminated string in ${query}`);
    i++;
    return s;
  };
  for (;;) {
    skipSpaces();
    const negate = query[i] === '-';
    if (negate) i++;
    const fieldMatch = /^[a-zA-Z_][a-zA-Z0-9_.]*/.exec(query.slice(i));
    if (!fieldMatch) throw badQuery(`Invalid query: expected a field at position ${i} of: ${query}`);
    const field = fieldMatch[0];
    i += field.length;
    let metadataKey: string | null = null;
    if (query[i] === '[') {
      i++;
      if (query[i] !== "'" && query[i] !== '"')
        throw badQuery(`Invalid query: metadata keys must be quoted: ${query}`);
      metadataKey = readQuoted();
      if (query[i++] !== ']') throw badQuery(`Invalid query: expected ']' after the metadata key: ${query}`);
    }
    const opMatch = /^(>=|<=|:|~|>|<)/.exec(query.slice(i));
    if (!opMatch) throw badQuery(`Invalid query: expected an operator after '${field}': ${query}`);
    const op = opMatch[0] as Op;
    i += op.length;
    let value: string | number | null;
    if (query[i] === "'" || query[i] === '"') value = readQuoted();
    else {
      const bare = /^[^\s]+/.exec(query.slice(i))?.[0] ?? '';
      i += bare.length;
      if (bare === 'null') value = null;
      else if (/^-?\d+(\.\d+)?$/.test(bare)) value = Number(bare);
      else throw badQuery(`Invalid query: string values must be quoted ('${bare}'): ${query}`);
    }
    if (op === '~' && (typeof value !== 'string' || value.length < 3)) {
      throw badQuery('Invalid query: a substring match (~) needs a quoted value of at least 3 characters');
    }
    clauses.push({ negate, field, metadataKey, op, value });
    skipSpaces();
    if (i >= query.length) break;
    const word = /^(AND|OR)\s/.exec(query.slice(i));
    if (!word) throw badQuery(`Invalid query: expected AND or OR at position ${i} of: ${query}`);
    combinators.add(word[1] as 'AND' | 'OR');
    i += word[0].length;
  }
  if (combinators.size > 1) throw badQuery('Invalid query: AND and OR cannot be combined in one query');
  if (clauses.length > 10) throw badQuery('Invalid query: at most 10 clauses are allowed');
  return { clauses, combinator: combinators.has('OR') ? 'OR' : 'AND' };
}

function compare(actual: unknown, op: Op, expected: string | number | null, type: SearchFieldType): boolean {
  if (expected === null) return op === ':' && (actual === null || actual === undefined || actual === '');
  if (type === 'number') {
    const a = typeof actual === 'number' ? actual : Number.NaN;
    const e = Number(expected);
    if (op === ':') return a === e;
    if (op === '>') return a > e;
    if (op === '>=') return a >= e;
    if (op === '<') return a < e;
    if (op === '<=') return a <= e;
    return false;
  }
  if (type === 'boolean') {
    if (op !== ':') throw badQuery(`Invalid query: the operator ${op} does not apply to boolean fields`);
    return String(actual) === String(expected).toLowerCase();
  }
  if (typeof actual !== 'string') return false;
  const a = actual.toLowerCase();
  const e = String(expected).toLowerCase();
  if (op === ':') return a === e;
  if (op === '~') return a.includes(e);
  throw badQuery(`Invalid query: the operator ${op} only applies to numeric fields`);
}

/** Builds a predicate for `query` against objects described by `spec`. */
export function compileQuery<T>(query: string, spec: SearchSpec<T>): (obj: T) => boolean {
  const { clauses, combinator } = parseQuery(query);
  const tests = clauses.map((c) => {
    let test: (obj: T) => boolean;
    if (c.metadataKey !== null) {
      if (c.field !== 'metadata' || !spec.metadata)
        throw badQuery(`Invalid query: ${c.field}[…] is not searchable`);
      const key = c.metadataKey;
      test = (obj) => {
        const md = (obj as { metadata?: Record<string, string> }).metadata ?? {};
        return compare(md[key] ?? null, c.op, c.value, 'string');
      };
    } else {
      const field = spec.fields[c.field];
      if (!field) {
        throw badQuery(
          `Field \`${c.field}\` is an unsupported search field for resource \`${spec.resource}\`. Supported: ${Object.keys(spec.fields).join(', ')}.`,
        );
      }
      test = (obj) => compare(field.get(obj), c.op, c.value, field.type);
    }
    return c.negate ? (obj: T) => !test(obj) : test;
  });
  return combinator === 'AND' ? (obj) => tests.every((t) => t(obj)) : (obj) => tests.some((t) => t(obj));
}

const encodePage = (seq: number) => `page_${Buffer.from(String(seq)).toString('base64url')}`;
function decodePage(page: string): number {
  const seq = Number(Buffer.from(page.replace(/^page_/, ''), 'base64url').toString());
  if (!Number.isSafeInteger(seq)) throw invalidRequest(`Invalid page: ${page}`, undefined, 'page');
  return seq;
}

/** Runs a search request: newest first, `next_page` cursor, `total_count` when expanded. */
export function searchResponse<T extends StoredObject>(
  collection: Collection<T>,
  spec: SearchSpec<T>,
  params: { query: string; limit?: number; page?: string },
  url: string,
  withTotal: boolean,
): Stripe.ApiSearchResult<T> {
  const match = compileQuery(params.query, spec);
  const limit = params.limit ?? 10;
  const data: T[] = [];
  let lastSeq = 0;
  let hasMore = false;
  for (const e of collection.newestFirst(params.page === undefined ? undefined : decodePage(params.page))) {
    if (!match(e.obj)) continue;
    if (data.length === limit) {
      hasMore = true;
      break;
    }
    data.push(e.obj);
    lastSeq = e.seq;
  }
  const result: Stripe.ApiSearchResult<T> = {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? encodePage(lastSeq) : null,
    url,
  };
  if (withTotal) {
    let total = 0;
    for (const e of collection.newestFirst()) if (match(e.obj)) total++;
    result.total_count = total;
  }
  return result;
}
