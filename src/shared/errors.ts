// The error classes the rest of Coffer throws. Each has a stable `code` callers can branch on;
// messages name what was wrong and never carry a secret.

export type CofferErrorCode =
  | 'configuration_error'
  | 'validation_error'
  | 'stripe_error'
  | 'not_found'
  | 'conflict'
  | 'unavailable';

export class CofferError extends Error {
  readonly code: CofferErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: CofferErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** A setting is missing or invalid; `issues` lists each one with the variable or option it came from. */
export class ConfigurationError extends CofferError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super('configuration_error', `Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.issues = issues;
  }
}

/** Input from a caller was rejected; `field` names the offending field. */
export class ValidationError extends CofferError {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super('validation_error', message, { details: field === undefined ? undefined : { field } });
    this.field = field;
  }
}

export class NotFoundError extends CofferError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends CofferError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A dependency (database, Stripe) cannot be reached right now; the caller may retry. */
export class UnavailableError extends CofferError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { cause });
  }
}

/** Stripe shape of an upstream failure, without importing the SDK here. */
export interface UpstreamStripeError {
  type?: string;
  code?: string;
  statusCode?: number;
  requestId?: string;
  message?: string;
  decline_code?: string;
  param?: string;
}

/** Wraps an error thrown by the Stripe SDK, keeping its type, code and request id for support. */
export class StripeUpstreamError extends CofferError {
  readonly stripeType: string | undefined;
  readonly stripeCode: string | undefined;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly declineCode: string | undefined;
  /** The request parameter Stripe blamed, when it named one. */
  readonly param: string | undefined;

  constructor(operation: string, error: UpstreamStripeError) {
    super('stripe_error', `Stripe ${operation} failed: ${error.message ?? 'unknown error'}`, {
      cause: error,
    });
    this.stripeType = error.type;
    this.stripeCode = error.code;
    this.statusCode = error.statusCode;
    this.requestId = error.requestId;
    this.declineCode = error.decline_code;
    this.param = error.param;
  }
}
