// Products and one-time prices as objects: builders typed against the SDK and the inserts that both
// `/v1/products` (default_price_data) and `/v1/prices` (product_data) need.
import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest, parametersExclusive } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { type Infer, p } from '../core/params.js';
import { currencyParam } from './common.js';

/** Fields a product takes on create and (most of them) on update. */
export const productFieldsShape = {
  active: p.boolean(),
  description: p.string().emptyable(),
  images: p.array(p.string()).emptyable(),
  marketing_features: p.array(p.object({ name: p.string().required() })).emptyable(),
  metadata: metadataParam(),
  package_dimensions: p
    .object({
      height: p.decimal().required(),
      length: p.decimal().required(),
      weight: p.decimal().required(),
      width: p.decimal().required(),
    })
    .emptyable(),
  shippable: p.boolean(),
  statement_descriptor: p.string({ maxLength: 22 }).emptyable(),
  tax_code: p.string().emptyable(),
  unit_label: p.string({ maxLength: 12 }).emptyable(),
  url: p.string().emptyable(),
};
export type ProductFields = Infer<typeof productFieldsShape> & { name?: string };

/** Applies product fields to `current` (a blank product on create). */
export function applyProductFields(current: Stripe.Product, f: ProductFields, now: number): Stripe.Product {
  const keep = <T>(old: T, next: T | undefined) => (next === undefined ? old : next);
  return {
    ...current,
    active: f.active ?? current.active,
    description: keep(current.description, f.description),
    images: f.images === undefined ? current.images : (f.images ?? []),
    marketing_features:
      f.marketing_features === undefined ? current.marketing_features : (f.marketing_features ?? []),
    metadata: applyMetadata(current.metadata, f.metadata),
    name: f.name ?? current.name,
    package_dimensions:
      f.package_dimensions === undefined
        ? current.package_dimensions
        : f.package_dimensions && {
            height: Number(f.package_dimensions.height),
            length: Number(f.package_dimensions.length),
            weight: Number(f.package_dimensions.weight),
            width: Number(f.package_dimensions.width),
          },
    shippable: f.shippable ?? current.shippable,
    statement_descriptor: keep(current.statement_descriptor ?? null, f.statement_descriptor),
    tax_code: keep(current.tax_code ?? null, f.tax_code),
    unit_label: keep(current.unit_label ?? null, f.unit_label),
    updated: now,
    url: keep(current.url, f.url),
  };
}

export function blankProduct(id: string, name: string, now: number): Stripe.Product {
  return {
    id,
    object: 'product',
    active: true,
    created: now,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
}

/** A product id given by the caller must be free. */
export function checkNewProductId(req: ApiRequest, id: string, param: string): string {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(id))
    throw invalidRequest(`Invalid product id: '${id}'.`, undefined, param);
  if (req.account.get('product', id)) {
    throw invalidRequest(`Product already exists.`, 'resource_already_exists', param);
  }
  return id;
}

/** Amount fields of a one-time price: exactly one of `unit_amount` / `unit_amount_decimal`. */
export const priceAmountShape = {
  currency: currencyParam().required(),
  unit_amount: p.integer({ min: 0, max: 99_999_999 }),
  unit_amount_decimal: p.decimal(),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
};
export type PriceAmount = Infer<typeof priceAmountShape>;

/** Decimal fields travel as strings; the SDK types them as its `Decimal` wrapper on the way in. */
const wireDecimal = (s: string) => s as unknown as Stripe.Decimal;

export function buildOneTimePrice(
  productId: string,
  amount: PriceAmount,
  rest: {
    active?: boolean;
    lookup_key?: string | null;
    metadata?: Stripe.Metadata;
    nickname?: string | null;
  },
  now: number,
  param = '',
): Stripe.Price {
  const name = (n: string) => (param ? `${param}[${n}]` : n);
  if (amount.unit_amount !== undefined && amount.unit_amount_decimal !== undefined) {
    throw parametersExclusive([name('unit_amount'), name('unit_amount_decimal')]);
  }
  let unitAmount: number | null;
  let decimal: string;
  if (amount.unit_amount !== undefined) {
    unitAmount = amount.unit_amount;
    decimal = String(amount.unit_amount);
  } else if (amount.unit_amount_decimal !== undefined) {
    // Stripe returns the decimal without trailing zeros ("12.50" → "12.5").
    const given = amount.unit_amount_decimal;
    decimal = given.includes('.') ? given.replace(/0+$/, '').replace(/\.$/, '') : given;
    unitAmount = /^\d+$/.test(decimal) ? Number(decimal) : null;
  } else {
    throw invalidRequest(
      `Missing required param: ${name('unit_amount')}. A one-time price needs unit_amount or unit_amount_decimal.`,
      'parameter_missing',
      name('unit_amount'),
    );
  }
  return {
    id: newId('price'),
    object: 'price',
    active: rest.active ?? true,
    billing_scheme: 'per_unit',
    created: now,
    currency: amount.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: rest.lookup_key ?? null,
    metadata: rest.metadata ?? {},
    nickname: rest.nickname ?? null,
    product: productId,
    recurring: null,
    tax_behavior: amount.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: wireDecimal(decimal),
  };
}

/** Inserts a product and emits `product.created`. */
export function insertProduct(emu: EmulatorCore, req: ApiRequest, product: Stripe.Product): Stripe.Product {
  req.account.insert(product);
  emu.emit(req, 'product.created', product);
  return product;
}
