// Stripe's v1 error body and the HTTP status the SDK maps each error class from (stripe-api.md §1.6).
// Handlers throw `StripeApiError`; the server turns it into `{ error: {...} }` with its status.

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  /** Card errors carry the charge, payment intent, payment method or setup intent involved. */
  [extra: string]: unknown;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  constructor(status: number, body: StripeErrorBody) {
    super(body.message);
    this.name = 'StripeApiError';
    this.status = status;
    this.body = body;
  }
}

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;

/** A 400 `invalid_request_error` with a code, as Stripe returns for bad parameters and bad states. */
export function invalidRequest(message: string, code?: string, param?: string, status = 400): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (code !== undefined) {
    body.code = code;
    body.doc_url = docUrl(code);
  }
  if (param !== undefined) body.param = param;
  return new StripeApiError(status, body);
}

export const parameterUnknown = (param: string) =>
  invalidRequest(`Received unknown parameter: ${param}`, 'parameter_unknown', param);

export const parameterMissing = (param: string) =>
  invalidRequest(`Missing required param: ${param}.`, 'parameter_missing', param);

export const parameterInvalidInteger = (param: string, value: unknown) =>
  invalidRequest(`Invalid integer: ${String(value)}`, 'parameter_invalid_integer', param);

export const parameterInvalidEmpty = (param: string) =>
  invalidRequest(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    'parameter_invalid_empty',
    param,
  );

/** A value of the right kind but not acceptable (bad enum, out of range, wrong shape). */
export const parameterInvalid = (param: string, message: string) => invalidRequest(message, undefined, param);

export const parametersExclusive = (params: readonly string[]) =>
  invalidRequest(
    `You may only specify one of these parameters: ${params.join(', ')}.`,
    'parameters_exclusive',
    params[0],
  );

/** 404 `resource_missing`: "No such customer: 'cus_123'". `label` is how Stripe names the kind. */
export const resourceMissing = (label: string, id: string, param = 'id') =>
  invalidRequest(`No such ${label}: '${id}'`, 'resource_missing', param, 404);

/**
 * Whether a 400 says the object's state refused the operation (the request ran) rather than that
 * its parameters failed validation: Stripe keeps the first for an idempotency key, not the second.
 */
export const isStateError = (err: StripeApiError): boolean =>
  err.status === 400 && /(_unexpected_state|_already_refunded|_already_captured)$/.test(err.body.code ?? '');

/** 400 for an operation the object's current state does not allow. */
export const unexpectedState = (message: string, code = 'resource_unexpected_state') =>
  invalidRequest(message, code);

/** 402 `card_error`; `extra` carries `decline_code`, `charge`, `payment_intent`, `payment_method`, … */
export function cardError(
  code: string,
  message: string,
  extra: Omit<Partial<StripeErrorBody>, 'type' | 'code' | 'message'> = {},
): StripeApiError {
  return new StripeApiError(402, { type: 'card_error', code, message, doc_url: docUrl(code), ...extra });
}

export const idempotencyError = (message: string, status = 400) =>
  new StripeApiError(status, { type: 'idempotency_error', message });

export const apiError = (message: string, status = 500) =>
  new StripeApiError(status, { type: 'api_error', message });

/** 429 as Stripe sends it: the SDK raises `StripeRateLimitError` and retries it. */
export const rateLimitError = () =>
  invalidRequest(
    'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
    'rate_limit',
    undefined,
    429,
  );

/** 401 with Stripe's wording; `authentication_error` is what the current API still sends for keys. */
export const authenticationError = (message: string, code?: string) =>
  new StripeApiError(401, {
    type: 'invalid_request_error',
    message,
    ...(code === undefined ? {} : { code, doc_url: docUrl(code) }),
  });
