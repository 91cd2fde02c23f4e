// Idempotency-Key semantics of v1 POSTs (stripe-api.md §1.7): scoped per account and key, replayed
// with the stored status and body, 400 `idempotency_error` for another endpoint or other parameters,
// 409 `idempotency_key_in_use` while the first request runs. Validation failures are not stored.
import { idempotencyError, invalidRequest } from './errors.js';

export const MAX_KEY_LENGTH = 255;
const RETENTION_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyRecord {
  accountId: string;
  key: string;
  endpoint: string;
  fingerprint: string;
  createdAt: number;
  /** Absent while the first request is still executing. */
  response?: StoredResponse;
}

/**
 * The first response: its JSON text, or — for an unexpanded 200 — the returned object itself.
 * Stored objects are never mutated, so the reference is the response as it was, and holding it
 * costs no copy of the text (every SDK POST carries a key, so this is most of the cache).
 */
export type StoredResponse = { status: number; body: string } | { status: number; value: unknown };

export const responseBody = (r: StoredResponse): string => ('body' in r ? r.body : JSON.stringify(r.value));

type CompletedRecord = IdempotencyRecord & { response: StoredResponse };

export type IdempotencyOutcome =
  | { kind: 'execute'; record: IdempotencyRecord }
  | { kind: 'replay'; record: CompletedRecord };

export class IdempotencyStore {
  /** Account id → key → record (nested so the key string itself is the map key; no joined copy). */
  private records = new Map<string, Map<string, IdempotencyRecord>>();

  private of(accountId: string): Map<string, IdempotencyRecord> {
    let m = this.records.get(accountId);
    if (!m) {
      m = new Map();
      this.records.set(accountId, m);
    }
    return m;
  }
  private insertsSincePrune = 0;

  constructor(private readonly now: () => number) {}

  /** Decides what to do with a keyed request; throws the idempotency errors. */
  begin(accountId: string, key: string, endpoint: string, fingerprint: string): IdempotencyOutcome {
    if (key.length > MAX_KEY_LENGTH) {
      throw invalidRequest(
        `Idempotency keys can be at most ${MAX_KEY_LENGTH} characters long; this one has ${key.length}.`,
        undefined,
        'Idempotency-Key',
      );
    }
    const existing = this.of(accountId).get(key);
    if (existing && this.now() - existing.createdAt < RETENTION_MS) {
      if (existing.endpoint !== endpoint) {
        throw idempotencyError(
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${existing.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (existing.fingerprint !== fingerprint) {
        throw idempotencyError(
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (!existing.response) {
        const err = idempotencyError(
          `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
          409,
        );
        err.body.code = 'idempotency_key_in_use';
        throw err;
      }
      return { kind: 'replay', record: existing as CompletedRecord };
    }
    const record: IdempotencyRecord = { accountId, key, endpoint, fingerprint, createdAt: this.now() };
    this.of(accountId).set(key, record);
    if (++this.insertsSincePrune > 1000) this.prune();
    return { kind: 'execute', record };
  }

  /** Stores the response the first request produced. */
  complete(record: IdempotencyRecord, response: StoredResponse): void {
    record.response = response;
  }

  /** Forgets a request that failed validation, so the key can be used again. */
  discard(record: IdempotencyRecord): void {
    const m = this.records.get(record.accountId);
    if (m?.get(record.key) === record) m.delete(record.key);
  }

  clear(): void {
    this.records = new Map();
  }

  private prune(): void {
    this.insertsSincePrune = 0;
    const cutoff = this.now() - RETENTION_MS;
    for (const m of this.records.values()) {
      for (const [key, r] of m) if (r.response && r.createdAt < cutoff) m.delete(key);
    }
  }

  /** Completed records, for persistence. */
  dump(): IdempotencyRecord[] {
    const out: IdempotencyRecord[] = [];
    for (const r of [...this.records.values()].flatMap((m) => [...m.values()])) {
      if (r.response)
        out.push({ ...r, response: { status: r.response.status, body: responseBody(r.response) } });
    }
    return out;
  }

  load(records: IdempotencyRecord[]): void {
    for (const r of records) this.of(r.accountId).set(r.key, r);
  }
}
