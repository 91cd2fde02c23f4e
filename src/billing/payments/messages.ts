// Turns a PaymentIntent's state into words a customer can read. Codes stay available to the app, but
// the message never carries internal detail, and fraud-related declines (lost or stolen card, fraud
// suspicion) read as a plain decline, as Stripe advises, so nothing is revealed to a fraudster.
import type Stripe from 'stripe';

export type PaymentOutcome =
  | 'succeeded'
  | 'processing'
  | 'requires_action'
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_capture'
  | 'canceled';

export interface PaymentState {
  status: PaymentOutcome;
  /** Safe to show the customer. */
  message: string;
  /** Whether the customer can act to finish paying (authenticate, try another card, pay). */
  canRetry: boolean;
  /** Stripe's error code and the issuer's decline code, for the app's logic and logs only. */
  code?: string;
  declineCode?: string;
  /** What `requires_action` asks for (e.g. `redirect_to_url`, `use_stripe_sdk`). */
  nextAction?: string;
}

const GENERIC_DECLINE = 'Your card was declined. Try another card or contact your bank.';

// Declines whose reason the customer can act on; everything else reads as the generic decline.
const DECLINE_MESSAGES: Readonly<Record<string, string>> = {
  insufficient_funds: 'Your card has insufficient funds. Try another card.',
  expired_card: 'Your card has expired. Check the expiry date or use another card.',
  incorrect_cvc: "Your card's security code is incorrect.",
  invalid_cvc: "Your card's security code is incorrect.",
  incorrect_number: 'Your card number is incorrect.',
  invalid_number: 'Your card number is incorrect.',
  invalid_expiry_month: "Your card's expiry month is incorrect.",
  invalid_expiry_year: "Your card's expiry year is incorrect.",
  incorrect_zip: "The postal code doesn't match your card.",
  processing_error: 'An error occurred while processing your card. Please try again.',
  try_again_later: "Your bank couldn't process the payment right now. Please try again.",
  card_velocity_exceeded: 'Your card has reached its limit. Try another card or contact your bank.',
  withdrawal_count_limit_exceeded: 'Your card has reached its limit. Try another card or contact your bank.',
  authentication_required:
    'Your bank needs you to confirm this payment. Please try again and complete the check.',
  card_not_supported: "Your card doesn't support this type of purchase. Try another card.",
  currency_not_supported: "Your card doesn't support this currency. Try another card.",
  payment_intent_authentication_failure:
    "We couldn't confirm the payment with your bank. Try again or use another card.",
  amount_too_small: 'The amount is too small to be charged.',
  amount_too_large: 'The amount is too large to be charged.',
};

/** A readable message for a payment failure's code and decline code. */
export function declineMessage(
  code: string | undefined | null,
  declineCode: string | undefined | null,
): string {
  return (
    (declineCode ? DECLINE_MESSAGES[declineCode] : undefined) ??
    (code && code !== 'card_declined' ? DECLINE_MESSAGES[code] : undefined) ??
    GENERIC_DECLINE
  );
}

type IntentLike = Pick<Stripe.PaymentIntent, 'status'> & {
  last_payment_error?: Pick<Stripe.PaymentIntent.LastPaymentError, 'code' | 'decline_code'> | null;
  next_action?: Pick<Stripe.PaymentIntent.NextAction, 'type'> | null;
};

/** What the customer should be told about a payment intent. */
export function describePayment(intent: IntentLike): PaymentState {
  const error = intent.last_payment_error ?? undefined;
  const codes = {
    ...(error?.code ? { code: error.code } : {}),
    ...(error?.decline_code ? { declineCode: error.decline_code } : {}),
  };
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', message: 'Payment received. Thank you!', canRetry: false };
    case 'processing':
      return {
        status: 'processing',
        message: "Your payment is processing. We'll confirm as soon as it clears.",
        canRetry: false,
      };
    case 'requires_capture':
      return { status: 'requires_capture', message: 'Your payment is authorized.', canRetry: false };
    case 'requires_action':
      return {
        status: 'requires_action',
        message: 'Your bank needs you to confirm this payment.',
        canRetry: true,
        ...(intent.next_action?.type ? { nextAction: intent.next_action.type } : {}),
      };
    case 'requires_confirmation':
      return { status: 'requires_confirmation', message: 'Confirm the payment to continue.', canRetry: true };
    case 'canceled':
      return { status: 'canceled', message: 'This payment was canceled.', canRetry: false, ...codes };
    default:
      return {
        status: 'requires_payment_method',
        message: error ? declineMessage(error.code, error.decline_code) : 'Enter a payment method to pay.',
        canRetry: true,
        ...codes,
      };
  }
}
