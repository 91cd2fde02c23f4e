// The mirror of Stripe objects: tables (migration 0011), the mappers from Stripe objects to rows,
// the ordering gate that writes them, and the reads the rest of billing answers from.
export {
  type ApplyInput,
  type ApplyOutcome,
  createMirrorWriter,
  type MirrorWriter,
  RefetchError,
} from './gate.js';
export {
  type ColumnReader,
  chargeMapper,
  checkoutSessionMapper,
  customerMapper,
  defaultMappers,
  disputeMapper,
  idOf,
  type ListPage,
  type MapperRegistry,
  type MirroredResource,
  mapperRegistry,
  type ObjectMapper,
  paymentIntentMapper,
  priceMapper,
  productMapper,
  refundMapper,
  type StripeObject,
} from './mappers.js';
export { createTokenBucket, type TokenBucket } from './rate-limit.js';
export {
  findCustomerByUserId,
  getCharge,
  getCheckoutSession,
  getCustomer,
  getDispute,
  getPaymentIntent,
  getPrice,
  getProduct,
  getRefund,
  listRefundsForPaymentIntent,
} from './read.js';
export type {
  ChargeRow,
  CheckoutSessionRow,
  CustomerRow,
  DisputeRow,
  MirrorRowBase,
  MirrorTables,
  PaymentIntentRow,
  PriceRow,
  ProductRow,
  RefundRow,
} from './tables.js';
