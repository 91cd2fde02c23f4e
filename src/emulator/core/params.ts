// Typed validation of decoded request parameters with Stripe's error codes: unknown keys are
// `parameter_unknown` (named in bracket form), absent required ones `parameter_missing`, bad
// integers `parameter_invalid_integer`, '' where unsetting is not allowed `parameter_invalid_empty`.
// Form bodies carry only strings; JSON bodies may carry numbers and booleans, so both are accepted.
import {
  invalidRequest,
  parameterInvalid,
  parameterInvalidEmpty,
  parameterInvalidInteger,
  parameterMissing,
  parameterUnknown,
} from './errors.js';

type ParseFn<T> = (value: unknown, path: string) => T;

/** One parameter: how to parse it, whether it is required (`R`), whether '' unsets it. */
export class Param<T, R extends boolean = false> {
  constructor(
    readonly parseValue: ParseFn<T>,
    readonly isRequired: R,
    readonly isEmptyable: boolean = false,
  ) {}

  required(): Param<T, true> {
    return new Param(this.parseValue, true, this.isEmptyable);
  }

  /** '' (or JSON null) is accepted and parsed as `null`: "unset this field". */
  emptyable(): Param<T | null, R> {
    return new Param<T | null, R>(this.parseValue, this.isRequired, true);
  }

  /** A further check or conversion of the parsed value (throw a StripeApiError to reject it). */
  refine<U>(fn: (value: T, path: string) => U): Param<U, R> {
    return new Param<U, R>(
      (value, path) => fn(this.parseValue(value, path), path),
      this.isRequired,
      this.isEmptyable,
    );
  }

  parse(value: unknown, path: string): T {
    if (value === '' || value === null) {
      if (this.isEmptyable) return null as T;
      throw parameterInvalidEmpty(path);
    }
    return this.parseValue(value, path);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the shape's value types are inferred per key.
export type Shape = Record<string, Param<any, boolean>>;
export type ValueOf<P> = P extends Param<infer T, boolean> ? T : never;
type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Param<unknown, true> ? K : never;
}[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type Infer<S extends Shape> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function parseShape<S extends Shape>(shape: S, value: unknown, prefix: string): Infer<S> {
  if (!isPlainObject(value)) {
    throw invalidRequest(
      `Invalid object${prefix ? ` for ${prefix}` : ''}: ${show(value)}`,
      undefined,
      prefix,
    );
  }
  const name = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const param = shape[key];
    if (!param) throw parameterUnknown(name(key));
    out[key] = param.parse(value[key], name(key));
  }
  for (const key of Object.keys(shape)) {
    if (shape[key]!.isRequired && !(key in value)) throw parameterMissing(name(key));
  }
  return out as Infer<S>;
}

/** Parses a whole request's parameters against `shape`. */
export function parseParams<S extends Shape>(shape: S, params: Record<string, unknown>): Infer<S> {
  return parseShape(shape, params, '');
}

function toInteger(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  throw parameterInvalidInteger(path, show(value));
}

/** Arrays arrive from `qs` as arrays (indexed or `[]`) or, for large or sparse indexes, as objects. */
function toArray(value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (isPlainObject(value) && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.keys(value)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => value[k]);
  }
  throw invalidRequest(`Invalid array${path ? ` for ${path}` : ''}: ${show(value)}`, undefined, path);
}

export const p = {
  string(opts: { maxLength?: number } = {}): Param<string> {
    return new Param((value, path) => {
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      if (typeof value !== 'string') throw parameterInvalid(path, `Invalid string: ${show(value)}`);
      if (opts.maxLength !== undefined && value.length > opts.maxLength) {
        throw parameterInvalid(path, `Invalid ${path}: must be at most ${opts.maxLength} characters`);
      }
      return value;
    }, false);
  },

  integer(opts: { min?: number; max?: number } = {}): Param<number> {
    return new Param((value, path) => {
      const n = toInteger(value, path);
      if (opts.min !== undefined && n < opts.min) {
        throw parameterInvalid(path, `Invalid ${path}: must be greater than or equal to ${opts.min}`);
      }
      if (opts.max !== undefined && n > opts.max) {
        throw parameterInvalid(path, `Invalid ${path}: must be less than or equal to ${opts.max}`);
      }
      return n;
    }, false);
  },

  /** A decimal string with up to 12 decimal places (`unit_amount_decimal`). */
  decimal(): Param<string> {
    return new Param((value, path) => {
      const s = typeof value === 'number' ? String(value) : value;
      if (typeof s !== 'string' || !/^-?\d+(\.\d{1,12})?$/.test(s)) {
        throw parameterInvalid(path, `Invalid decimal: ${show(value)}`);
      }
      return s;
    }, false);
  },

  boolean(): Param<boolean> {
    return new Param((value, path) => {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw parameterInvalid(path, `Invalid boolean: ${show(value)}`);
    }, false);
  },

  enum<const V extends string>(values: readonly V[]): Param<V> {
    return new Param((value, path) => {
      if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as V;
      throw parameterInvalid(path, `Invalid ${path}: must be one of ${values.join(', ')}`);
    }, false);
  },

  /** Unix seconds, or the literal `now` resolved by the caller's clock. */
  timestamp(now: () => number): Param<number> {
    return new Param((value, path) => (value === 'now' ? now() : toInteger(value, path)), false);
  },

  object<S extends Shape>(shape: S): Param<Infer<S>> {
    return new Param((value, path) => parseShape(shape, value, path), false);
  },

  array<T>(item: Param<T, boolean>): Param<T[]> {
    return new Param(
      (value, path) => toArray(value, path).map((v, i) => item.parse(v, `${path}[${i}]`)),
      false,
    );
  },

  /** A map of free keys (e.g. `metadata`); values parsed by `value`. */
  record<T>(value: Param<T, boolean>): Param<Record<string, T>> {
    return new Param((v, path) => {
      if (!isPlainObject(v)) throw invalidRequest(`Invalid hash for ${path}: ${show(v)}`, undefined, path);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = value.parse(x, `${path}[${k}]`);
      return out;
    }, false);
  },

  /** A real Stripe parameter the emulator does not implement: refused with a message saying so. */
  unsupported(what: string): Param<never> {
    return new Param<never>((_value, path) => {
      throw invalidRequest(`The Coffer emulator does not support ${what} yet (${path}).`, undefined, path);
    }, false);
  },

  /** `created=123` or `created[gte]=…&created[lt]=…`, as list filters take it. */
  range(): Param<RangeFilter> {
    const bound = p.integer();
    return new Param((value, path) => {
      if (!isPlainObject(value)) return { eq: toInteger(value, path) };
      const out: RangeFilter = {};
      for (const [k, v] of Object.entries(value)) {
        if (k !== 'gt' && k !== 'gte' && k !== 'lt' && k !== 'lte') throw parameterUnknown(`${path}[${k}]`);
        out[k] = bound.parse(v, `${path}[${k}]`);
      }
      return out;
    }, false);
  },
};

export interface RangeFilter {
  eq?: number;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export function inRange(value: number, r: RangeFilter): boolean {
  return (
    (r.eq === undefined || value === r.eq) &&
    (r.gt === undefined || value > r.gt) &&
    (r.gte === undefined || value >= r.gte) &&
    (r.lt === undefined || value < r.lt) &&
    (r.lte === undefined || value <= r.lte)
  );
}
