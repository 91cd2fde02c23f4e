// Realistic Stripe events for the webhook benchmark, written by hand in the endive shape: a rotation of
// customer.updated, payment_intent.succeeded and charge.succeeded, each about an object of its own
// (so neither system sees two states of one object in the same second, and no refetch is triggered).

export const EVENT_TYPES = ['customer.updated', 'payment_intent.succeeded', 'charge.succeeded'] as const;
export type BenchEventType = (typeof EVENT_TYPES)[number];

const API_VERSION = '2026-10-28.endive';

/** Ids derive from the run tag and the index, so every phase of a run can use fresh objects. */
export function benchEventType(index: number): BenchEventType {
  return EVENT_TYPES[index % EVENT_TYPES.length] as BenchEventType;
}

export function objectIdFor(tag: string, index: number): string {
  const type = benchEventType(index);
  const prefix = type === 'customer.updated' ? 'cus' : type === 'payment_intent.succeeded' ? 'pi' : 'ch';
  return `${prefix}_B${tag}${index.toString(36).padStart(6, '0')}`;
}

export function eventIdFor(tag: string, index: number): string {
  return `evt_B${tag}${index.toString(36).padStart(8, '0')}`;
}

export function buildEvent(tag: string, index: number, createdSeconds: number): string {
  const type = benchEventType(index);
  const n = index.toString(36).padStart(6, '0');
  const customer = `cus_B${tag}${n}`;
  const amount = 500 + (index % 97) * 100;
  const object =
    type === 'customer.updated'
      ? customerObject(customer, index, createdSeconds)
      : type === 'payment_intent.succeeded'
        ? paymentIntentObject(`pi_B${tag}${n}`, customer, `ch_B${tag}${n}`, amount, createdSeconds)
        : chargeObject(`ch_B${tag}${n}`, customer, `pi_B${tag}${n}`, amount, createdSeconds);
  return JSON.stringify({
    id: eventIdFor(tag, index),
    object: 'event',
    api_version: API_VERSION,
    created: createdSeconds,
    data:
      type === 'customer.updated'
        ? { object, previous_attributes: { email: `old-${index}@example.com` } }
        : { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_B${tag}${n}`, idempotency_key: `bench-${tag}-${index}` },
    type,
  });
}

function customerObject(id: string, index: number, created: number) {
  return {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created,
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: `user-${index}@example.com`,
    invoice_prefix: id.slice(-8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: { user_id: `user_${index}`, created_via: 'bench' },
    name: `Bench User ${index}`,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: ['en'],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

function paymentIntentObject(id: string, customer: string, charge: string, amount: number, created: number) {
  return {
    id,
    object: 'payment_intent',
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: amount,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_bench`,
    confirmation_method: 'automatic',
    created,
    currency: 'usd',
    customer,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: charge,
    livemode: false,
    metadata: { order_id: `order_${id.slice(-6)}` },
    next_action: null,
    on_behalf_of: null,
    payment_method: `pm_${id.slice(3)}`,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

function chargeObject(id: string, customer: string, paymentIntent: string, amount: number, created: number) {
  const address = { city: null, country: 'US', line1: null, line2: null, postal_code: '94107', state: null };
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: `txn_${id.slice(3)}`,
    billing_details: { address, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'COFFER BENCH',
    captured: true,
    created,
    currency: 'usd',
    customer,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 32,
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: paymentIntent,
    payment_method: `pm_${paymentIntent.slice(3)}`,
    payment_method_details: {
      card: {
        amount_authorized: amount,
        brand: 'visa',
        checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' },
        country: 'US',
        exp_month: 12,
        exp_year: 2034,
        fingerprint: 'BenchFingerprint',
        funding: 'credit',
        last4: '4242',
        network: 'visa',
        three_d_secure: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}
