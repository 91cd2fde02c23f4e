// Pieces both intent kinds share: the error object left on `last_payment_error` /
// `last_setup_error`, the 3D Secure next action, and reading an id from an expandable field.

import type Stripe from 'stripe';
import type { CardDecline } from './test-cards.js';

type IntentError = Stripe.PaymentIntent.LastPaymentError & Stripe.SetupIntent.LastSetupError;

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;

/** The id of an expandable field, whether it holds an id or an object. */
export const idOf = (v: string | { id: string } | null): string | null =>
  typeof v === 'string' ? v : (v?.id ?? null);

/** A card decline as the intent records it. */
export function declineRecord(d: CardDecline, pm: Stripe.PaymentMethod, charge?: string): IntentError {
  return {
    type: 'card_error',
    ...(charge === undefined ? {} : { charge }),
    code: d.code,
    ...(d.declineCode === null ? {} : { decline_code: d.declineCode }),
    doc_url: docUrl(d.code),
    message: d.message,
    ...(d.param === undefined ? {} : { param: d.param }),
    payment_method: pm,
  };
}

const AUTH_FAILURE = {
  payment_intent: {
    code: 'payment_intent_authentication_failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
  },
  setup_intent: {
    code: 'setup_intent_authentication_failure',
    message:
      'The latest attempt to set up the payment method has failed because authentication failed. Provide a new payment method to attempt to set up again.',
  },
} as const;

/** What the intent records when the customer fails 3D Secure. */
export function authenticationFailure(
  kind: keyof typeof AUTH_FAILURE,
  pm: Stripe.PaymentMethod,
): IntentError {
  const { code, message } = AUTH_FAILURE[kind];
  return { type: 'invalid_request_error', code, doc_url: docUrl(code), message, payment_method: pm };
}

/** `next_action` pointing at the emulator's 3D Secure test page. */
export function threeDSecureAction(
  baseUrl: string,
  intent: { id: string; client_secret: string | null },
  returnUrl: string | null,
): { type: 'redirect_to_url'; redirect_to_url: { url: string; return_url: string | null } } {
  const url = `${baseUrl}/_emulator/3ds/${intent.id}?client_secret=${encodeURIComponent(intent.client_secret ?? '')}`;
  return { type: 'redirect_to_url', redirect_to_url: { url, return_url: returnUrl } };
}
