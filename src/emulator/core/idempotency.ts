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
  response?: { status: number; body: string };
}

type CompletedRecord = IdempotencyRecord & { response: { status: number; body: string } };

export type IdempotencyOutcome =
  | { kind: 'execute'; record: IdempotencyRecord }
  | { kind: 'replay'; record: CompletedRecord };

export class IdempotencyStore {
  private records = new Map<string, IdempotencyRecord>();
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
    const id = `${accountId}\u0000${key}`;
    const existing = this.records.get(id);
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
    this.records.set(id, record);
    if (++this.insertsSincePrune > 1000) this.prune();
    return { kind: 'execute', record };
  }

  /** Stores the response the first request produced. */
  complete(record: IdempotencyRecord, status: number, body: string): void {
    record.response = { status, body };
  }

  /** Forgets a request that failed validation, so the key can be used again. */
  discard(record: IdempotencyRecord): void {
    const id = `${record.accountId}\u0000${record.key}`;
    if (this.records.get(id) === record) this.records.delete(id);
  }

  clear(): void {
    this.records = new Map();
  }

  private prune(): void {
    this.insertsSincePrune = 0;
    const cutoff = this.now() - RETENTION_MS;
    for (const [id, r] of this.records) if (r.response && r.createdAt < cutoff) this.records.delete(id);
  }

  /** Completed records, for persistence. */
  dump(): IdempotencyRecord[] {
    return [...this.records.values()].filter((r) => r.response !== undefined);
  }

  load(records: IdempotencyRecord[]): void {
    for (const r of records) this.records.set(`${r.accountId}\u0000${r.key}`, r);
  }
}
