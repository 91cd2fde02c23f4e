// `expand[]` (stripe-api.md §1.10): dotted paths up to four levels, `data.` prefix inside lists and
// search results. Expansion copies only the objects on the path; stored objects stay untouched.
import { invalidRequest } from './errors.js';
import type { ObjectRegistry } from './objects.js';
import type { AccountStore, StoredObject } from './store.js';

const MAX_DEPTH = 4;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const cannotExpand = (path: string) =>
  invalidRequest(`This property cannot be expanded (${path}).`, undefined, 'expand');

/** Returns `value` with every path in `paths` expanded. */
export function expandResponse(
  value: unknown,
  paths: readonly string[],
  account: AccountStore,
  registry: ObjectRegistry,
): unknown {
  if (paths.length === 0 || !isObject(value)) return value;
  let out: Json = value;
  for (const path of paths) {
    const segments = path.split('.');
    const isCollection = out.object === 'list' || out.object === 'search_result';
    if (isCollection && path === 'total_count') continue; // handled by the search endpoint
    const depth = isCollection && segments[0] === 'data' ? segments.length - 1 : segments.length;
    if (depth > MAX_DEPTH) {
      throw invalidRequest(
        `You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`,
        undefined,
        'expand',
      );
    }
    out = expandPath(out, segments, path, account, registry);
  }
  return out;
}

function expandPath(
  obj: Json,
  segments: string[],
  fullPath: string,
  account: AccountStore,
  registry: ObjectRegistry,
): Json {
  if ((obj.object === 'list' || obj.object === 'search_result') && Array.isArray(obj.data)) {
    if (segments[0] !== 'data' || segments.length < 2) throw cannotExpand(fullPath);
    const rest = segments.slice(1);
    return {
      ...obj,
      data: obj.data.map((item) =>
        isObject(item) ? expandPath(item, rest, fullPath, account, registry) : item,
      ),
    };
  }
  const def = typeof obj.object === 'string' ? registry.get(obj.object) : undefined;
  if (!def) throw cannotExpand(fullPath);
  // The longest declared field that prefixes the path; what follows it expands the fetched object.
  for (let i = segments.length; i >= 1; i--) {
    const field = segments.slice(0, i).join('.');
    const rest = segments.slice(i);
    const include = def.includable?.[field];
    if (include && rest.length === 0)
      return setIn(obj, segments, include(obj as unknown as StoredObject, account));
    if (!def.expandable?.includes(field)) continue;
    const current = getIn(obj, segments.slice(0, i));
    let target: unknown = current;
    if (typeof current === 'string') target = account.find(current) ?? current;
    if (isObject(target) && rest.length > 0) target = expandPath(target, rest, fullPath, account, registry);
    return target === current ? obj : setIn(obj, segments.slice(0, i), target);
  }
  throw cannotExpand(fullPath);
}

function getIn(obj: Json, keys: string[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

function setIn(obj: Json, keys: string[], value: unknown): Json {
  const [head, ...rest] = keys;
  if (head === undefined) return obj;
  const child = obj[head];
  return { ...obj, [head]: rest.length === 0 ? value : setIn(isObject(child) ? child : {}, rest, value) };
}
