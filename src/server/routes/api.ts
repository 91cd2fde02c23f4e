// REST endpoints for customers, Checkout and payments: each validates its body, calls the library and
// answers JSON. Errors are thrown and rendered by the app's one error handler.
import { type Context, Hono } from 'hono';
import { NotFoundError } from '../../shared/errors.js';
import type { ServiceBilling } from '../types.js';
import { jsonBody, parsed } from './json-body.js';
import {
  createCheckoutBody,
  createIntentBody,
  ensureCustomerBody,
  ownerQuery,
  refundBody,
} from './schemas.js';

/** The signed-in user a status read is for, when the app says (`?userId=`). */
const ownerOf = (c: Context): { userId?: string } => {
  const { userId } = parsed(ownerQuery, c.req.query());
  return userId ? { userId } : {};
};

export function apiRoutes(billing: ServiceBilling): Hono {
  const api = new Hono();

  api.post('/customers/ensure', async (c) => {
    return c.json((await billing.customers.ensure(await jsonBody(c, ensureCustomerBody))) as object);
  });
  api.get('/customers/:userId', async (c) => {
    const userId = c.req.param('userId');
    const customer = await billing.customers.get(userId);
    if (customer == null)
      throw new NotFoundError(`No customer for user ${userId}; call POST /v1/customers/ensure first`);
    return c.json(customer as object);
  });

  api.post('/checkout/sessions', async (c) => {
    return c.json((await billing.checkout.create(await jsonBody(c, createCheckoutBody))) as object, 201);
  });
  api.get('/checkout/sessions/:id/status', async (c) => {
    return c.json((await billing.checkout.status(c.req.param('id'), ownerOf(c))) as object);
  });

  api.post('/payments/intents', async (c) => {
    return c.json((await billing.payments.createIntent(await jsonBody(c, createIntentBody))) as object, 201);
  });
  api.get('/payments/intents/:id', async (c) => {
    return c.json((await billing.payments.status(c.req.param('id'), ownerOf(c))) as object);
  });
  api.post('/payments/intents/:id/refunds', async (c) => {
    const input = await jsonBody(c, refundBody);
    return c.json((await billing.payments.refund(c.req.param('id'), input)) as object, 201);
  });

  return api;
}
