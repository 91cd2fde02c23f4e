export {
  MAX_CHARGE_AMOUNT,
  minimumCharge,
  validateChargeAmount,
  validateCurrency,
  validateMinorUnits,
} from './amount.js';
export { declineMessage, describePayment, type PaymentOutcome, type PaymentState } from './messages.js';
export type {
  CreatedIntent,
  CreatedRefund,
  CreateIntentInput,
  PaymentStatus,
  Payments,
  PaymentsDeps,
  RefundInput,
  RefundReason,
} from './payments.js';
export { createPayments, paymentErrorMessage } from './payments.js';
