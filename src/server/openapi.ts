// The OpenAPI 3.1 description of the service, served at GET /openapi.json. Request bodies come from
// the same zod schemas the routes validate with, so the two cannot drift apart.
import { z } from 'zod';
import { responseSchemas } from './openapi-responses.js';
import { createCheckoutBody, createIntentBody, ensureCustomerBody, refundBody } from './routes/schemas.js';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description: 'validation_error, not_found, conflict, stripe_error, unavailable, …',
        },
        message: { type: 'string' },
        field: { type: 'string', description: 'The offending field, for validation errors' },
        stripeCode: { type: 'string', description: 'Stripe’s error code, for stripe_error (502)' },
        requestId: { type: 'string', description: 'Stripe’s request id, for stripe_error (502)' },
      },
    },
  },
} as const;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { description: ERROR_TEXT[status], content: json(ref('Error')) },
    ]),
  );
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `field` names it',
  401: 'Missing or wrong API key',
  404: 'Not found',
  409: 'Conflicts with the current state',
  502: 'Stripe refused or failed the call',
  503: 'A dependency is unavailable, or COFFER_API_KEY is not configured',
};
const API_ERRORS = [400, 401, 404, 409, 502, 503];

const operation = (
  summary: string,
  body: string | undefined,
  [success, result]: [string, keyof typeof responseSchemas],
  params: string[] = [],
) => ({
  summary,
  security: [{ bearer: [] }],
  ...(params.length
    ? { parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) }
    : {}),
  ...(body ? { requestBody: { required: true, content: json(ref(body)) } } : {}),
  responses: {
    [success]: { description: 'OK', content: json(ref(result)) },
    ...errors(...API_ERRORS),
  },
});

/** Adds the optional `?userId=` of the status reads to an operation's parameters. */
const withOwnerQuery = (op: ReturnType<typeof operation>) => ({
  ...op,
  parameters: [
    ...(op.parameters ?? []),
    {
      name: 'userId',
      in: 'query',
      required: false,
      description: 'The signed-in user: an object of another user reads as unknown',
      schema: { type: 'string' },
    },
  ],
});

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Coffer service',
      version: '0.1.0',
      description:
        'REST API over Coffer billing (customers, Checkout, payments) plus the Stripe webhook route and health probes. ' +
        'Authenticate with `Authorization: Bearer <COFFER_API_KEY>`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'COFFER_API_KEY' } },
      schemas: {
        Error: errorSchema,
        EnsureCustomer: jsonSchema(ensureCustomerBody),
        CreateCheckoutSession: jsonSchema(createCheckoutBody),
        CreatePaymentIntent: jsonSchema(createIntentBody),
        CreateRefund: jsonSchema(refundBody),
        ...responseSchemas,
      },
    },
    paths: {
      '/v1/customers/ensure': {
        post: operation('Create (once) or return the Stripe customer of a user', 'EnsureCustomer', [
          '200',
          'EnsuredCustomer',
        ]),
      },
      '/v1/customers/{userId}': {
        get: operation('The customer mapped to a user', undefined, ['200', 'Customer'], ['userId']),
      },
      '/v1/checkout/sessions': {
        post: operation('Start a Checkout Session', 'CreateCheckoutSession', ['201', 'CheckoutSession']),
      },
      '/v1/checkout/sessions/{id}/status': {
        get: withOwnerQuery(
          operation(
            'A session’s status from the mirror (paid only once the webhook arrived)',
            undefined,
            ['200', 'CheckoutStatus'],
            ['id'],
          ),
        ),
      },
      '/v1/payments/intents': {
        post: operation('Create a PaymentIntent and return its client secret', 'CreatePaymentIntent', [
          '201',
          'PaymentIntent',
        ]),
      },
      '/v1/payments/intents/{id}': {
        get: withOwnerQuery(
          operation(
            'A payment’s outcome with a message safe to show the customer',
            undefined,
            ['200', 'PaymentStatus'],
            ['id'],
          ),
        ),
      },
      '/v1/payments/intents/{id}/refunds': {
        post: operation('Refund a payment in full or in part', 'CreateRefund', ['201', 'Refund'], ['id']),
      },
      '/webhooks/stripe': {
        post: {
          summary: 'Stripe webhook deliveries (the Stripe-Signature header is the authentication)',
          requestBody: { required: true, content: json({ type: 'object' }) },
          responses: {
            '200': { description: 'Stored (or a duplicate acknowledged)' },
            '400': { description: 'Missing or invalid signature', content: json(ref('Error')) },
            '413': { description: 'Body over 1 MB', content: json(ref('Error')) },
            '503': {
              description: 'The database is unavailable; Stripe retries',
              content: json(ref('Error')),
            },
          },
        },
      },
      '/healthz': {
        get: { summary: 'The process is alive', responses: { '200': { description: 'alive' } } },
      },
      '/readyz': {
        get: {
          summary: 'Database reachable, migrations applied, worker alive; webhook lag and backlog',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
    },
  };
}
