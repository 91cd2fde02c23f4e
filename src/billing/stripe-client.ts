// The one Stripe client Coffer uses. Live, test and emulator share this code path (seed rule 6): the
// emulator only changes where the requests go, never what they are.
import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { StripeUpstreamError, UnavailableError, ValidationError } from '../shared/errors.js';
import { scrubString } from '../shared/logger.js';
import type { CofferConfig } from './config.js';

/** The API version the SDK was generated for; pinned on every request. */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

export const STRIPE_TIMEOUT_MS = 10_000;
export const STRIPE_MAX_NETWORK_RETRIES = 2;

interface PackageInfo {
  version: string;
  homepage?: string;
}

// Read at run time so the same line works from src/ (tsx) and dist/ (both sit two levels deep).
const packageInfo: PackageInfo = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as PackageInfo;

export interface StripeClientOptions {
  /** Overrides the 10 s request timeout (tests of slow upstreams). */
  timeoutMs?: number;
  /** Overrides the SDK's automatic retries (2). */
  maxNetworkRetries?: number;
}

/** Builds the SDK client from the validated configuration; points it at the emulator when configured. */
export function createStripeClient(
  config: Pick<CofferConfig, 'stripe'>,
  options: StripeClientOptions = {},
): Stripe {
  return new Stripe(config.stripe.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    timeout: options.timeoutMs ?? STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: {
      name: 'coffer',
      version: packageInfo.version,
      ...(packageInfo.homepage ? { url: packageInfo.homepage } : {}),
    },
    ...(config.stripe.emulatorUrl ? emulatorTarget(config.stripe.emulatorUrl) : {}),
  });
}

function emulatorTarget(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'https:' ? 'https' : parsed.protocol === 'http:' ? 'http' : undefined;
  if (!protocol) {
    throw new ValidationError(
      `COFFER_EMULATOR_URL must use http or https, got ${parsed.protocol}`,
      'emulatorUrl',
    );
  }
  const port = parsed.port ? Number(parsed.port) : protocol === 'https' ? 443 : 80;
  // URL keeps IPv6 hosts in brackets; the SDK wants the bare address.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}

/** True for an error the Stripe SDK threw (any subclass). */
export const isStripeError = (error: unknown): error is Stripe.errors.StripeError =>
  error instanceof Stripe.errors.StripeError;

/**
 * Turns an SDK failure into Coffer's error: StripeUpstreamError keeps type, code, decline code, status
 * and request id (for support) and drops everything else, so no header or key travels with it.
 * Errors that are not the SDK's are returned unchanged.
 */
export function toCofferError(operation: string, error: unknown): unknown {
  if (!isStripeError(error)) return error;
  return new StripeUpstreamError(operation, {
    // Stripe's own error type (`card_error`, …); the SDK's `type` is its class name.
    type: error.rawType ?? error.type,
    code: error.code,
    statusCode: error.statusCode,
    requestId: error.requestId,
    message: scrubString(error.message),
    decline_code: error.decline_code,
    param: error.param,
  });
}

/** Runs one SDK call, rethrowing its failure as a Coffer error naming the operation. */
export async function callStripe<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toCofferError(operation, error);
  }
}

/** The request parameter Stripe blamed (`line_items[0][price]`), when it named one. */
export function stripeParam(error: unknown): string | undefined {
  return error instanceof StripeUpstreamError ? error.param : undefined;
}

/** Whether the failure left the outcome unknown: no answer reached us, so Stripe may have acted. */
export function isOutcomeUnknown(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  if (error instanceof StripeUpstreamError) {
    return error.statusCode === undefined || error.stripeCode === 'idempotency_key_in_use';
  }
  if (isStripeError(error)) {
    return error.statusCode === undefined || error.code === 'idempotency_key_in_use';
  }
  return false;
}
