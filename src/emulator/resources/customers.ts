// Customers: create, retrieve, update, delete, list (filter `email`), search. The default payment
// method in `invoice_settings` must be a payment method attached to the customer and is expandable.
import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest } from '../core/errors.js';
import { newId, randomChars } from '../core/ids.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { type Infer, p, parseParams } from '../core/params.js';
import { type SearchSpec, searchResponse, searchShape } from '../core/search.js';
import { addressParam, patch, renderAddress } from './common.js';

const shippingParam = () =>
  p.object({
    address: addressParam().required(),
    name: p.string().required(),
    phone: p.string().emptyable(),
  });

const writableShape = {
  address: addressParam().emptyable(),
  balance: p.integer(),
  business_name: p.string().emptyable(),
  description: p.string().emptyable(),
  email: p.string({ maxLength: 512 }).emptyable(),
  individual_name: p.string().emptyable(),
  invoice_prefix: p.string().refine((s, path) => {
    if (!/^[A-Z0-9]{3,12}$/.test(s))
      throw invalidRequest('invoice_prefix must be 3–12 upper-case letters or digits.', undefined, path);
    return s;
  }),
  invoice_settings: p.object({
    custom_fields: p
      .array(p.object({ name: p.string().required(), value: p.string().required() }))
      .emptyable(),
    default_payment_method: p.string().emptyable(),
    footer: p.string().emptyable(),
  }),
  metadata: metadataParam(),
  name: p.string({ maxLength: 256 }).emptyable(),
  next_invoice_sequence: p.integer({ min: 1 }),
  phone: p.string().emptyable(),
  preferred_locales: p.array(p.string()).emptyable(),
  shipping: shippingParam().emptyable(),
  tax_exempt: p.enum(['none', 'exempt', 'reverse']).emptyable(),
  cash_balance: p.unsupported('cash balances'),
  default_source: p.unsupported('legacy sources'),
  payment_method: p.unsupported(
    'attaching a payment method on customer create (attach it with POST /v1/payment_methods/:id/attach)',
  ),
  source: p.unsupported('legacy sources'),
  tax: p.unsupported('Stripe Tax settings'),
  tax_id_data: p.unsupported('tax ids'),
  test_clock: p.unsupported('test clocks'),
  validate: p.unsupported('customer validation'),
};
type Writable = Infer<typeof writableShape>;

const listShape = { ...listWithCreatedShape, email: p.string({ maxLength: 512 }) };

const searchSpec: SearchSpec<Stripe.Customer> = {
  resource: 'customers',
  metadata: true,
  fields: {
    email: { type: 'string', get: (c) => c.email },
    name: { type: 'string', get: (c) => c.name },
    phone: { type: 'string', get: (c) => c.phone },
    created: { type: 'number', get: (c) => c.created },
  },
};

/** A payment method id usable as this customer's default: it must exist and be attached to them. */
function checkDefaultPaymentMethod(req: ApiRequest, customerId: string, pmId: string): string {
  const pm = req.account.get('payment_method', pmId) as
    | (Stripe.PaymentMethod & { object: string })
    | undefined;
  if (!pm) {
    throw invalidRequest(
      `No such PaymentMethod: '${pmId}'`,
      'resource_missing',
      'invoice_settings[default_payment_method]',
      404,
    );
  }
  if (pm.customer !== customerId) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
      'resource_missing',
      'invoice_settings[default_payment_method]',
    );
  }
  return pmId;
}

function applyWritable(req: ApiRequest, c: Stripe.Customer, w: Writable): Stripe.Customer {
  const is = w.invoice_settings;
  const defaultPm = is?.default_payment_method;
  return {
    ...c,
    address: w.address === undefined ? (c.address ?? null) : w.address && renderAddress(w.address),
    balance: w.balance ?? c.balance,
    ...(w.business_name === undefined ? {} : { business_name: w.business_name ?? '' }),
    ...(w.individual_name === undefined ? {} : { individual_name: w.individual_name ?? '' }),
    description: patch(c.description, w.description),
    email: patch(c.email, w.email),
    invoice_prefix: w.invoice_prefix ?? c.invoice_prefix ?? null,
    invoice_settings: {
      ...c.invoice_settings,
      custom_fields: is?.custom_fields === undefined ? c.invoice_settings.custom_fields : is.custom_fields,
      default_payment_method:
        defaultPm === undefined
          ? c.invoice_settings.default_payment_method
          : defaultPm && checkDefaultPaymentMethod(req, c.id, defaultPm),
      footer: is?.footer === undefined ? c.invoice_settings.footer : is.footer,
    },
    metadata: applyMetadata(c.metadata, w.metadata),
    name: patch(c.name ?? null, w.name),
    next_invoice_sequence: w.next_invoice_sequence ?? c.next_invoice_sequence ?? 1,
    phone: patch(c.phone ?? null, w.phone),
    preferred_locales:
      w.preferred_locales === undefined ? (c.preferred_locales ?? []) : (w.preferred_locales ?? []),
    shipping:
      w.shipping === undefined
        ? c.shipping
        : w.shipping && {
            address: renderAddress(w.shipping.address),
            name: w.shipping.name,
            phone: w.shipping.phone ?? null,
          },
    tax_exempt: w.tax_exempt === undefined ? (c.tax_exempt ?? 'none') : (w.tax_exempt ?? 'none'),
  };
}

/** A new customer with nothing set: what `POST /v1/customers` starts from. */
export const blankCustomer = (id: string, created: number): Stripe.Customer => ({
  id,
  object: 'customer',
  address: null,
  balance: 0,
  created,
  currency: null,
  customer_account: null,
  default_source: null,
  delinquent: false,
  description: null,
  discount: null,
  email: null,
  invoice_prefix: randomChars(8).toUpperCase(),
  invoice_settings: {
    custom_fields: null,
    default_payment_method: null,
    footer: null,
    rendering_options: null,
  },
  livemode: false,
  metadata: {},
  name: null,
  next_invoice_sequence: 1,
  phone: null,
  preferred_locales: [],
  shipping: null,
  tax_exempt: 'none',
  test_clock: null,
});

export function registerCustomers(emu: EmulatorCore): void {
  emu.objects.define({
    object: 'customer',
    expandable: ['invoice_settings.default_payment_method', 'default_source', 'test_clock'],
  });
  const get = (req: ApiRequest) => req.account.require('customer', req.pathParams.id!);

  emu.route('POST', '/v1/customers', (req) => {
    const params = parseParams(writableShape, req.params);
    const blank = blankCustomer(newId('cus', 14), emu.clock.seconds());
    if (params.invoice_settings?.default_payment_method) {
      throw invalidRequest(
        'A new customer has no attached payment methods; attach one first, then set invoice_settings[default_payment_method].',
        undefined,
        'invoice_settings[default_payment_method]',
      );
    }
    const customer = req.account.insert(applyWritable(req, blank, params));
    emu.emit(req, 'customer.created', customer);
    return customer;
  });

  emu.route('GET', '/v1/customers/search', (req) => {
    const params = parseParams(searchShape, req.params);
    return searchResponse(
      req.account.collection('customer'),
      searchSpec,
      params,
      '/v1/customers/search',
      req.expand.includes('total_count'),
    );
  });

  // A deleted customer is still retrievable, as `{ id, object: 'customer', deleted: true }`.
  emu.route(
    'GET',
    '/v1/customers/:id',
    (req) => req.account.deleted('customer', req.pathParams.id!) ?? get(req),
  );

  emu.route('POST', '/v1/customers/:id', (req) => {
    const before = get(req);
    const params = parseParams(writableShape, req.params);
    const after = req.account.update(applyWritable(req, before, params));
    emu.emitUpdate(req, 'customer.updated', before, after);
    return after;
  });

  emu.route('DELETE', '/v1/customers/:id', (req) => {
    const customer = get(req);
    req.account.remove('customer', customer.id);
    emu.emit(req, 'customer.deleted', customer);
    return { id: customer.id, object: 'customer', deleted: true } satisfies Stripe.DeletedCustomer;
  });

  emu.route('GET', '/v1/customers', (req) => {
    const params = parseParams(listShape, req.params);
    const { email } = params;
    return listResponse(
      req.account.collection('customer'),
      params,
      '/v1/customers',
      email === undefined ? undefined : (c) => c.email === email,
      'customer',
    );
  });
}
