// Request bodies of the REST API, declared once: the routes validate with them and the OpenAPI
// description is generated from them. Field names match the library's (camelCase); the library
// then applies the business rules (amount bounds per currency, known prices, …).
import { z } from 'zod';
import { OPERATION_ID } from '../../billing/operations/index.js';

const metadata = z
  .record(z.string(), z.string())
  .describe('Up to 50 string pairs, stored on the Stripe object')
  .optional();
const userId = z.string().min(1).max(200).describe("Your application's id for the user");

// How a client tells a retry from a new purchase or refund (docs/billing.md, Idempotency): the same
// operationId is always the same Stripe object; newAttempt starts a new one deliberately.
const attempt = {
  operationId: z
    .string()
    .regex(OPERATION_ID, 'must be 1-100 letters, digits, _ . : - (your order or return id)')
    .describe('Your id for this operation (order, return): the same id never makes a second object')
    .optional(),
  newAttempt: z.boolean().describe('Start a new attempt instead of returning the last one').optional(),
};

export const ensureCustomerBody = z.strictObject({
  userId,
  email: z.email().optional(),
  name: z.string().max(256).optional(),
});

export const createCheckoutBody = z
  .strictObject({
    userId,
    email: z.email().describe('Used only if the user has no Stripe customer yet').optional(),
    name: z.string().max(256).optional(),
    price: z.string().min(1).describe('A Stripe price id (price_…)').optional(),
    lookupKey: z.string().min(1).describe('A price lookup key, instead of price').optional(),
    quantity: z.int().min(1).optional(),
    mode: z.enum(['payment', 'subscription']).optional(),
    successUrl: z.url(),
    cancelUrl: z.url(),
    metadata,
    billingAddressCollection: z.enum(['auto', 'required']).optional(),
    ...attempt,
  })
  .refine((body) => body.price !== undefined || body.lookupKey !== undefined, {
    message: 'Give either price or lookupKey',
    path: ['price'],
  });

export const createIntentBody = z.strictObject({
  userId,
  amount: z.int().positive().describe('Integer amount in the currency’s minor unit (cents; yen for JPY)'),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, 'must be a three-letter ISO currency code')
    .describe('ISO 4217 code, e.g. usd'),
  email: z.email().describe('Used only if the user has no Stripe customer yet').optional(),
  description: z.string().max(1000).optional(),
  metadata,
  ...attempt,
});

export const refundBody = z.strictObject({
  amount: z.int().positive().describe('Minor units; the whole remaining amount when omitted').optional(),
  reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  metadata,
  ...attempt,
});

/** `?userId=…` on the status reads: with it, another user's session or payment reads unknown. */
// Strict: a misspelt `?user_id=` must be refused, not ignored (it would skip the ownership check).
export const ownerQuery = z.strictObject({ userId: userId.optional() });
