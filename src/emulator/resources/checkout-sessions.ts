// Routes of `/v1/checkout/sessions`: create, retrieve, update, expire, list, line_items.

import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest, parametersExclusive } from '../core/errors.js';
import { newId } from '../core/ids.js';
import {
  arrayListResponse,
  type ListParams,
  listResponse,
  listShape,
  listWithCreatedShape,
} from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { type Infer, Param, p, parseParams } from '../core/params.js';
import type { AccountStore } from '../core/store.js';
import { automaticContext, paymentsContext } from '../payments/context.js';
import { blankProduct, buildOneTimePrice } from './catalog-model.js';
import {
  checkoutHidden,
  createSession,
  expireIfDue,
  expireSession,
  lineItem,
  MAX_EXPIRY_SECONDS,
  MIN_EXPIRY_SECONDS,
} from './checkout-sessions-model.js';
import { currencyParam } from './common.js';
import { checkAmount } from './payment-intents-model.js';

const notYet = (what: string) =>
  new Param<never>((_value, path) => {
    throw invalidRequest(`The Coffer emulator does not support ${what} in Checkout yet.`, undefined, path);
  }, false);

const lineItemShape = {
  price: p.string(),
  price_data: p.object({
    currency: currencyParam().required(),
    product: p.string(),
    product_data: p.object({
      name: p.string().required(),
      description: p.string(),
      images: p.array(p.string()),
      metadata: metadataParam(),
      tax_code: p.string(),
      unit_label: p.string({ maxLength: 12 }),
    }),
    unit_amount: p.integer({ min: 0, max: 99_999_999 }),
    unit_amount_decimal: p.decimal(),
    tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
    recurring: notYet('recurring prices (subscription mode)'),
  }),
  quantity: p.integer({ min: 1 }),
  adjustable_quantity: p.object({
    enabled: p.boolean().required(),
    minimum: p.integer(),
    maximum: p.integer(),
  }),
  tax_rates: notYet('tax rates'),
  dynamic_tax_rates: notYet('tax rates'),
};
type LineItemParams = Infer<typeof lineItemShape>;

const autoOrNever = () => p.enum(['auto', 'never']);

const createShape = {
  mode: p
    .enum(['payment', 'setup', 'subscription'])
    .required()
    .refine((mode, path) => {
      if (mode === 'subscription') {
        throw invalidRequest(
          'The Coffer emulator does not support Checkout in subscription mode yet; use mode=payment or mode=setup.',
          undefined,
          path,
        );
      }
      return mode;
    }),
  line_items: p.array(p.object(lineItemShape)),
  currency: currencyParam(),
  customer: p.string(),
  customer_email: p.string({ maxLength: 800 }),
  customer_creation: p.enum(['always', 'if_required']),
  customer_update: p.object({ address: autoOrNever(), name: autoOrNever(), shipping: autoOrNever() }),
  success_url: p.string({ maxLength: 5000 }),
  cancel_url: p.string({ maxLength: 5000 }),
  return_url: p.string({ maxLength: 5000 }),
  metadata: metadataParam(),
  client_reference_id: p.string({ maxLength: 200 }),
  payment_intent_data: p.object({
    capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
    setup_future_usage: p.enum(['on_session', 'off_session']),
    description: p.string({ maxLength: 1000 }),
    metadata: metadataParam(),
    receipt_email: p.string(),
    statement_descriptor: p.string({ maxLength: 22 }),
    statement_descriptor_suffix: p.string({ maxLength: 22 }),
  }),
  setup_intent_data: p.object({ description: p.string({ maxLength: 1000 }), metadata: metadataParam() }),
  expires_at: p.integer(),
  billing_address_collection: p.enum(['auto', 'required']),
  allow_promotion_codes: p.boolean(),
  locale: p.string(),
  submit_type: p.enum(['auto', 'book', 'donate', 'pay', 'subscribe']),
  phone_number_collection: p.object({ enabled: p.boolean().required() }),
  ui_mode: p.enum(['hosted_page', 'hosted']),
  automatic_tax: p.object({
    enabled: p.boolean().refine((enabled, path) => {
      if (enabled)
        throw invalidRequest(
          'The Coffer emulator does not support automatic tax in Checkout yet.',
          undefined,
          path,
        );
      return enabled;
    }),
  }),
  subscription_data: notYet('subscription_data (subscription mode)'),
  discounts: notYet('discounts'),
};

/** Resolves one `line_items[i]` entry to a line item (storing the ad-hoc price of `price_data`). */
function buildLineItem(
  emu: EmulatorCore,
  account: AccountStore,
  item: LineItemParams,
  i: number,
): Stripe.LineItem {
  const at = (name: string) => `line_items[${i}][${name}]`;
  const quantity = item.quantity ?? 1;
  if (item.price !== undefined && item.price_data !== undefined)
    throw parametersExclusive([at('price'), at('price_data')]);
  if (item.price !== undefined) {
    const price = account.require('price', item.price, at('price'), 'price');
    if (!price.active) throw invalidRequest(`The price ${price.id} is not active.`, undefined, at('price'));
    if (price.type !== 'one_time') {
      throw invalidRequest(
        'You must be in subscription mode to use recurring prices.',
        undefined,
        at('price'),
      );
    }
    const product = account.get(
      'product',
      typeof price.product === 'string' ? price.product : price.product.id,
    );
    return lineItem(price, quantity, product?.name ?? null);
  }
  const data = item.price_data;
  if (data === undefined) {
    throw invalidRequest(
      `Missing required param: ${at('price')} or ${at('price_data')}.`,
      'parameter_missing',
      at('price'),
    );
  }
  const now = emu.clock.seconds();
  let product: Stripe.Product;
  if (data.product !== undefined) {
    product = account.require('product', data.product, `${at('price_data')}[product]`, 'product');
  } else if (data.product_data !== undefined) {
    const pd = data.product_data;
    product = account.insert({
      ...blankProduct(newId('prod', 14), pd.name, now),
      description: pd.description ?? null,
      images: pd.images ?? [],
      metadata: applyMetadata({}, pd.metadata),
      tax_code: pd.tax_code ?? null,
      unit_label: pd.unit_label ?? null,
    });
  } else {
    throw invalidRequest(
      `Missing required param: ${at('price_data')}[product] or ${at('price_data')}[product_data].`,
      'parameter_missing',
      `${at('price_data')}[product]`,
    );
  }
  const { product: _p, product_data: _pd, recurring: _r, ...amount } = data;
  const price = account.insert(
    buildOneTimePrice(product.id, amount, { active: false }, now, at('price_data')),
  );
  return lineItem(price, quantity, product.name);
}

type CreateParams = Infer<typeof createShape>;

function checkCreate(params: CreateParams, now: number): void {
  if (params.customer !== undefined && params.customer_email !== undefined) {
    throw parametersExclusive(['customer', 'customer_email']);
  }
  if (params.customer !== undefined && params.customer_creation !== undefined) {
    throw invalidRequest(
      'customer_creation can only be used when no customer is given.',
      undefined,
      'customer_creation',
    );
  }
  if (params.customer_update !== undefined && params.customer === undefined) {
    throw invalidRequest('customer_update can only be used with customer.', undefined, 'customer_update');
  }
  if (params.mode === 'payment' && (params.line_items === undefined || params.line_items.length === 0)) {
    throw invalidRequest(
      'Missing required param: line_items. A payment-mode session needs line items.',
      'parameter_missing',
      'line_items',
    );
  }
  if (params.mode === 'setup' && params.line_items !== undefined) {
    throw invalidRequest('line_items cannot be used in setup mode.', undefined, 'line_items');
  }
  if (params.mode === 'setup' && params.payment_intent_data !== undefined) {
    throw invalidRequest(
      'payment_intent_data can only be used in payment mode.',
      undefined,
      'payment_intent_data',
    );
  }
  if (params.expires_at !== undefined) {
    const ahead = params.expires_at - now;
    if (ahead < MIN_EXPIRY_SECONDS || ahead > MAX_EXPIRY_SECONDS) {
      throw invalidRequest(
        'The expires_at timestamp must be at least 30 minutes and at most 24 hours after the Checkout Session is created.',
        undefined,
        'expires_at',
      );
    }
  }
}

export function registerCheckoutSessions(emu: EmulatorCore): void {
  const lineItemsList = (
    session: Stripe.Checkout.Session,
    account: AccountStore,
    params: ListParams = {},
  ): Stripe.ApiList<Stripe.LineItem> =>
    arrayListResponse(
      checkoutHidden({ account }, session).lineItems,
      params,
      `/v1/checkout/sessions/${session.id}/line_items`,
      'line item',
    );
  emu.objects.define({
    object: 'checkout.session',
    expandable: ['customer', 'payment_intent', 'setup_intent', 'invoice', 'subscription'],
    includable: { line_items: (obj, account) => lineItemsList(obj as Stripe.Checkout.Session, account) },
  });
  const get = (req: ApiRequest) => {
    const session = req.account.require(
      'checkout.session',
      req.pathParams.id!,
      'session',
      'checkout.session',
    );
    return expireIfDue(automaticContext(emu, req.account), session);
  };

  emu.route('POST', '/v1/checkout/sessions', (req) => {
    const params = parseParams(createShape, req.params);
    const now = emu.clock.seconds();
    checkCreate(params, now);
    if (params.customer !== undefined)
      req.account.require('customer', params.customer, 'customer', 'customer');
    const lineItems = (params.line_items ?? []).map((item, i) => buildLineItem(emu, req.account, item, i));
    const currencies = new Set(lineItems.map((li) => li.currency));
    if (currencies.size > 1)
      throw invalidRequest('All line items must use the same currency.', undefined, 'line_items');
    const currency = lineItems[0]?.currency ?? params.currency ?? null;
    if (params.mode === 'payment' && currency) {
      checkAmount(
        lineItems.reduce((sum, li) => sum + li.amount_total, 0),
        currency,
        'line_items',
      );
    }
    const pid = params.payment_intent_data;
    const sid = params.setup_intent_data;
    return createSession(paymentsContext(emu, req), {
      mode: params.mode as 'payment' | 'setup',
      lineItems,
      currency,
      customer: params.customer ?? null,
      customerEmail: params.customer_email ?? null,
      customerCreation: params.customer_creation ?? null,
      successUrl: params.success_url ?? null,
      cancelUrl: params.cancel_url ?? null,
      returnUrl: params.return_url ?? null,
      expiresAt: params.expires_at ?? now + MAX_EXPIRY_SECONDS,
      metadata: applyMetadata({}, params.metadata),
      clientReferenceId: params.client_reference_id ?? null,
      billingAddressCollection: params.billing_address_collection ?? null,
      allowPromotionCodes: params.allow_promotion_codes ?? null,
      locale: (params.locale ?? null) as Stripe.Checkout.Session.Locale | null,
      submitType: params.submit_type ?? null,
      phoneNumberCollection: params.phone_number_collection?.enabled ?? false,
      paymentIntentData: pid === undefined ? {} : { ...pid, metadata: applyMetadata({}, pid.metadata) },
      setupIntentData: sid === undefined ? {} : { ...sid, metadata: applyMetadata({}, sid.metadata) },
    });
  });

  emu.route('GET', '/v1/checkout/sessions/:id', (req) => get(req));

  emu.route('POST', '/v1/checkout/sessions/:id', (req) => {
    const session = get(req);
    const params = parseParams({ metadata: metadataParam() }, req.params);
    return req.account.update({
      ...session,
      metadata: applyMetadata(session.metadata ?? {}, params.metadata),
    });
  });

  emu.route('POST', '/v1/checkout/sessions/:id/expire', (req) => {
    parseParams({}, req.params);
    return expireSession(paymentsContext(emu, req), get(req));
  });

  emu.route('GET', '/v1/checkout/sessions/:id/line_items', (req) => {
    const params = parseParams(listShape, req.params);
    return lineItemsList(get(req), req.account, params);
  });

  emu.route('GET', '/v1/checkout/sessions', (req) => {
    const params = parseParams(
      {
        ...listWithCreatedShape,
        customer: p.string(),
        payment_intent: p.string(),
        setup_intent: p.string(),
        status: p.enum(['open', 'complete', 'expired']),
      },
      req.params,
    );
    const { customer, payment_intent, setup_intent, status } = params;
    const ctx = automaticContext(emu, req.account);
    for (const e of [...req.account.collection('checkout.session').newestFirst()]) expireIfDue(ctx, e.obj);
    return listResponse(
      req.account.collection('checkout.session'),
      params,
      '/v1/checkout/sessions',
      (s) =>
        (customer === undefined || s.customer === customer) &&
        (payment_intent === undefined || s.payment_intent === payment_intent) &&
        (setup_intent === undefined || s.setup_intent === setup_intent) &&
        (status === undefined || s.status === status),
      'checkout.session',
    );
  });
}
