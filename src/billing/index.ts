// The package's public entry: `import { createBilling } from 'coffer'`.

export { type Clock, ManualClock, systemClock } from '../shared/clock.js';
export {
  CofferError,
  ConfigurationError,
  ConflictError,
  NotFoundError,
  StripeUpstreamError,
  UnavailableError,
  ValidationError,
} from '../shared/errors.js';
export type {
  CheckoutInput,
  CheckoutMode,
  CheckoutState,
  CheckoutStatus,
  CreatedCheckout,
} from './checkout/index.js';
export { withSessionId } from './checkout/index.js';
export { type CofferConfig, type CofferMode, type ConfigOptions, loadConfig } from './config.js';
export {
  type Billing,
  type BillingHealth,
  type BillingOptions,
  createBilling,
  type MirrorReads,
} from './create-billing.js';
export type { CustomerRecord, Customers, EnsureCustomerInput, EnsuredCustomer } from './customers/index.js';
export type { Attempt, AttemptOptions, AttemptStatus } from './operations/index.js';
export {
  type CreatedIntent,
  type CreatedRefund,
  type CreateIntentInput,
  declineMessage,
  describePayment,
  minimumCharge,
  type PaymentOutcome,
  type PaymentState,
  type PaymentStatus,
  type Payments,
  paymentErrorMessage,
  type RefundInput,
  type RefundReason,
} from './payments/index.js';
export { openStore, type Store, type StoreOptions } from './store/index.js';
export { createStripeClient, STRIPE_API_VERSION, toCofferError } from './stripe-client.js';
export type { Sync } from './sync/index.js';
export type { Alert, EventHandler, HandlerContext, WebhookHealth, WorkerOptions } from './webhooks/index.js';
