// The PaymentIntent and SetupIntent state machines as pure functions: which operation is allowed in
// which status, and where a confirmation attempt leads. Messages follow Stripe's wording.

import type { ChargeVerdict, SetupVerdict } from './card-outcome.js';

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export type SetupIntentStatus = Exclude<PaymentIntentStatus, 'requires_capture'>;

export type IntentOperation = 'confirm' | 'capture' | 'cancel' | 'update' | 'authenticate';

const PAYMENT_INTENT_ALLOWED: Record<IntentOperation, readonly PaymentIntentStatus[]> = {
  confirm: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  capture: ['requires_capture'],
  cancel: [
    'requires_payment_method',
    'requires_capture',
    'requires_confirmation',
    'requires_action',
    'processing',
  ],
  update: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'],
  authenticate: ['requires_action'],
};

const SETUP_INTENT_ALLOWED: Record<IntentOperation, readonly SetupIntentStatus[]> = {
  confirm: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  capture: [],
  cancel: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  update: ['requires_payment_method', 'requires_confirmation', 'requires_action'],
  authenticate: ['requires_action'],
};

const PAST: Record<IntentOperation, string> = {
  confirm: 'confirmed',
  capture: 'captured',
  cancel: 'canceled',
  update: 'updated',
  authenticate: 'authenticated',
};

/**
 * `null` when `operation` is allowed in `status`, otherwise Stripe's
 * `payment_intent_unexpected_state` / `setup_intent_unexpected_state` message.
 */
export function unexpectedStateMessage(
  kind: 'PaymentIntent' | 'SetupIntent',
  status: PaymentIntentStatus,
  operation: IntentOperation,
): string | null {
  const allowed: readonly string[] =
    kind === 'PaymentIntent' ? PAYMENT_INTENT_ALLOWED[operation] : SETUP_INTENT_ALLOWED[operation];
  if (allowed.includes(status)) return null;
  if (allowed.length === 0) return `You cannot ${operation} this ${kind}.`;
  return (
    `You cannot ${operation} this ${kind} because it has a status of ${status}. ` +
    `Only a ${kind} with one of the following statuses may be ${PAST[operation]}: ` +
    `${allowed.join(', ')}.`
  );
}

/** Status after creating an intent. */
export const initialStatus = (hasPaymentMethod: boolean): PaymentIntentStatus =>
  hasPaymentMethod ? 'requires_confirmation' : 'requires_payment_method';

/** Status of a payment intent after a confirmation attempt with the given verdict. */
export function paymentIntentStatusAfter(verdict: ChargeVerdict, captureMethod: string): PaymentIntentStatus {
  switch (verdict.kind) {
    case 'requires_action':
      return 'requires_action';
    case 'decline':
      return 'requires_payment_method';
    case 'succeed':
      return captureMethod === 'manual' ? 'requires_capture' : 'succeeded';
  }
}

/** Status of a setup intent after a confirmation attempt with the given verdict. */
export function setupIntentStatusAfter(verdict: SetupVerdict): SetupIntentStatus {
  switch (verdict.kind) {
    case 'requires_action':
      return 'requires_action';
    case 'decline':
      return 'requires_payment_method';
    case 'succeed':
      return 'succeeded';
  }
}

/** Checks an `amount_to_capture` against what is capturable; returns an error message or null. */
export function captureAmountError(amountToCapture: number, amountCapturable: number): string | null {
  if (!Number.isInteger(amountToCapture) || amountToCapture <= 0) {
    return 'amount_to_capture must be a positive integer.';
  }
  if (amountToCapture > amountCapturable) {
    return `The amount to capture (${amountToCapture}) is greater than the amount capturable (${amountCapturable}).`;
  }
  return null;
}
