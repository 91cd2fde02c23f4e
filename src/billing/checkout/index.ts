export type {
  Checkout,
  CheckoutDeps,
  CheckoutInput,
  CheckoutMode,
  CheckoutState,
  CheckoutStatus,
  CreatedCheckout,
} from './checkout.js';
export { createCheckout, withSessionId } from './checkout.js';
export { createPriceResolver, LOOKUP_CACHE_MS, type PriceResolver } from './prices.js';
