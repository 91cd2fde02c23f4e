// The one table from Coffer's error classes to HTTP. Unknown errors become a 500 whose message says
// nothing about internals; the caller logs the original.
import {
  CofferError,
  ConflictError,
  NotFoundError,
  StripeUpstreamError,
  UnavailableError,
  ValidationError,
} from '../shared/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; field?: string; stripeCode?: string; requestId?: string };
}

export interface HttpError {
  status: number;
  body: ErrorBody;
}

/** A request body over the size cap; adapters answer 413 before the pipeline sees it. */
export class PayloadTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`Request body is larger than ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
    this.limit = limit;
  }
}

/** Another layer consumed the body before the adapter: the signature can never match re-serialised JSON. */
export class RawBodyLostError extends Error {
  constructor(fix: string) {
    super(`The webhook body was already read by another middleware and its raw bytes are gone; ${fix}`);
    this.name = 'RawBodyLostError';
  }
}

export function httpErrorOf(error: unknown): HttpError {
  if (error instanceof PayloadTooLargeError) {
    return { status: 413, body: { error: { code: 'payload_too_large', message: error.message } } };
  }
  if (error instanceof RawBodyLostError) {
    return { status: 500, body: { error: { code: 'raw_body_lost', message: error.message } } };
  }
  if (error instanceof ValidationError) {
    const field = error.field === undefined ? {} : { field: error.field };
    return { status: 400, body: { error: { code: error.code, message: error.message, ...field } } };
  }
  if (error instanceof StripeUpstreamError) {
    const stripe = {
      ...(error.stripeCode ? { stripeCode: error.stripeCode } : {}),
      ...(error.requestId ? { requestId: error.requestId } : {}),
    };
    return { status: 502, body: { error: { code: error.code, message: error.message, ...stripe } } };
  }
  const status =
    error instanceof NotFoundError
      ? 404
      : error instanceof ConflictError
        ? 409
        : error instanceof UnavailableError
          ? 503
          : undefined;
  if (status !== undefined && error instanceof CofferError) {
    return { status, body: { error: { code: error.code, message: error.message } } };
  }
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'Internal error; the server log has the details' } },
  };
}
