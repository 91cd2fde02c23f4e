// Response bodies of the REST API for the OpenAPI document, written against the library's result
// types (customers.ensure/get, checkout.create/status, payments.createIntent/status/refund).
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;

const object = (properties: Record<string, object>, required: string[]) => ({
  type: 'object',
  properties,
  required,
});

const customer = {
  userId: str,
  customerId: { type: 'string', description: 'cus_…' },
  email: nullableStr,
  name: nullableStr,
  source: { type: 'string', description: 'created, recovered from Stripe, or learned from a webhook' },
  createdAt: { type: 'string', format: 'date-time' },
};

export const responseSchemas = {
  Customer: object(customer, ['userId', 'customerId']),
  EnsuredCustomer: object({ ...customer, created: { type: 'boolean' } }, ['userId', 'customerId', 'created']),
  CheckoutSession: object(
    {
      id: { type: 'string', description: 'cs_…' },
      url: { type: 'string', description: 'The hosted page to send the customer to' },
      expiresAt: { ...int, description: 'Unix seconds' },
      customerId: str,
    },
    ['id', 'url'],
  ),
  CheckoutStatus: object(
    {
      status: {
        enum: ['paid', 'pending', 'expired', 'unknown'],
        description: 'paid only once the mirror has it',
      },
      sessionId: str,
      paymentStatus: nullableStr,
      amountTotal: { type: ['integer', 'null'] },
      currency: nullableStr,
      customerId: nullableStr,
      paymentIntentId: nullableStr,
      userId: nullableStr,
    },
    ['status', 'sessionId'],
  ),
  PaymentIntent: object(
    {
      id: { type: 'string', description: 'pi_…' },
      clientSecret: { type: 'string', description: 'For Stripe.js in the browser only; never log it' },
      status: str,
      amount: int,
      currency: str,
      customerId: str,
    },
    ['id', 'clientSecret', 'status', 'amount', 'currency'],
  ),
  PaymentStatus: object(
    {
      paymentIntentId: str,
      status: str,
      message: { type: 'string', description: 'Safe to show the customer' },
      canRetry: { type: 'boolean' },
      amount: int,
      currency: str,
      code: str,
      declineCode: str,
      nextAction: str,
    },
    ['paymentIntentId', 'status', 'message', 'canRetry'],
  ),
  Refund: object(
    {
      id: { type: 'string', description: 're_…' },
      status: nullableStr,
      amount: int,
      currency: str,
      paymentIntentId: str,
    },
    ['id', 'amount', 'currency', 'paymentIntentId'],
  ),
};
