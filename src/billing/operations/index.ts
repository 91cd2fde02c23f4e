export type { Attempt, AttemptOptions, OperationOutcome, OperationSpec, Operations } from './operations.js';
export {
  createOperations,
  fingerprint,
  idempotencyKeyFor,
  madeByAttempt,
  mayHaveActed,
  OPERATION_ID,
  scopeKey,
} from './operations.js';
export type { AttemptStatus, OperationsTables } from './tables.js';
