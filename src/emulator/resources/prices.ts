// One-time prices: create (with `product` or `product_data`), retrieve, update, list, search.
// `lookup_key` is unique among the account's prices; `transfer_lookup_key` moves it from its holder.
// Recurring and tiered prices come with a later issue and are refused with a clear message.
import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest, parameterMissing, parametersExclusive } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { p, parseParams } from '../core/params.js';
import { type SearchSpec, searchResponse, searchShape } from '../core/search.js';
import {
  applyProductFields,
  blankProduct,
  buildOneTimePrice,
  checkNewProductId,
  insertProduct,
} from './catalog-model.js';
import { currencyParam, patch } from './common.js';

const lookupKey = () => p.string({ maxLength: 200 }).emptyable();

const createShape = {
  currency: currencyParam().required(),
  unit_amount: p.integer({ min: 0, max: 99_999_999 }),
  unit_amount_decimal: p.decimal(),
  active: p.boolean(),
  billing_scheme: p.enum(['per_unit']),
  lookup_key: lookupKey(),
  metadata: metadataParam(),
  nickname: p.string().emptyable(),
  product: p.string(),
  product_data: p.object({
    name: p.string().required(),
    id: p.string(),
    active: p.boolean(),
    metadata: metadataParam(),
    statement_descriptor: p.string({ maxLength: 22 }),
    tax_code: p.string(),
    unit_label: p.string({ maxLength: 12 }),
  }),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
  transfer_lookup_key: p.boolean(),
  recurring: p.unsupported('recurring prices'),
  tiers: p.unsupported('tiered prices'),
  tiers_mode: p.unsupported('tiered prices'),
  custom_unit_amount: p.unsupported('customer-chosen amounts'),
  transform_quantity: p.unsupported('transform_quantity'),
  currency_options: p.unsupported('currency_options'),
};

const updateShape = {
  active: p.boolean(),
  lookup_key: lookupKey(),
  metadata: metadataParam(),
  nickname: p.string().emptyable(),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']),
  transfer_lookup_key: p.boolean(),
};

const listShape = {
  ...listWithCreatedShape,
  active: p.boolean(),
  currency: currencyParam(),
  lookup_keys: p.array(p.string()),
  product: p.string(),
  type: p.enum(['one_time', 'recurring']),
};

const searchSpec: SearchSpec<Stripe.Price> = {
  resource: 'prices',
  metadata: true,
  fields: {
    active: { type: 'boolean', get: (x) => x.active },
    currency: { type: 'string', get: (x) => x.currency },
    lookup_key: { type: 'string', get: (x) => x.lookup_key },
    product: { type: 'string', get: (x) => x.product },
    type: { type: 'string', get: (x) => x.type },
    created: { type: 'number', get: (x) => x.created },
  },
};

/**
 * Makes `key` available for `priceId`: if another price holds it, either moves it (with
 * `transfer_lookup_key`, emitting `price.updated` for the old holder) or refuses.
 */
function claimLookupKey(
  emu: EmulatorCore,
  req: ApiRequest,
  key: string,
  priceId: string,
  transfer: boolean,
): void {
  for (const e of req.account.collection('price').newestFirst()) {
    const holder = e.obj;
    if (holder.lookup_key !== key || holder.id === priceId) continue;
    if (!transfer) {
      throw invalidRequest(
        `A price (\`${holder.id}\`) already uses that lookup key. Pass transfer_lookup_key=true to move it to this price.`,
        undefined,
        'lookup_key',
      );
    }
    const moved = req.account.update({ ...holder, lookup_key: null });
    emu.emitUpdate(req, 'price.updated', holder, moved);
  }
}

export function registerPrices(emu: EmulatorCore): void {
  emu.objects.define({ object: 'price', expandable: ['product'] });
  const get = (req: ApiRequest) => req.account.require('price', req.pathParams.id!);

  emu.route('POST', '/v1/prices', (req) => {
    const params = parseParams(createShape, req.params);
    const now = emu.clock.seconds();
    if (params.product !== undefined && params.product_data !== undefined)
      throw parametersExclusive(['product', 'product_data']);
    if (params.product === undefined && params.product_data === undefined) throw parameterMissing('product');
    // A product from `product_data` is stored only once every check on the price has passed.
    let newProduct: Stripe.Product | undefined;
    if (params.product_data !== undefined) {
      const { id, name, ...fields } = params.product_data;
      const pid = id === undefined ? newId('prod', 14) : checkNewProductId(req, id, 'product_data[id]');
      newProduct = applyProductFields(blankProduct(pid, name, now), fields, now);
    }
    const productId = newProduct?.id ?? req.account.require('product', params.product!, 'product').id;
    const price = buildOneTimePrice(
      productId,
      params,
      {
        active: params.active,
        lookup_key: params.lookup_key,
        metadata: applyMetadata({}, params.metadata),
        nickname: params.nickname,
      },
      now,
    );
    if (price.lookup_key !== null)
      claimLookupKey(emu, req, price.lookup_key, price.id, params.transfer_lookup_key ?? false);
    if (newProduct) insertProduct(emu, req, newProduct);
    req.account.insert(price);
    emu.emit(req, 'price.created', price);
    return price;
  });

  emu.route('GET', '/v1/prices/search', (req) =>
    searchResponse(
      req.account.collection('price'),
      searchSpec,
      parseParams(searchShape, req.params),
      '/v1/prices/search',
      req.expand.includes('total_count'),
    ),
  );

  emu.route('GET', '/v1/prices/:id', (req) => get(req));

  emu.route('POST', '/v1/prices/:id', (req) => {
    const before = get(req);
    const params = parseParams(updateShape, req.params);
    if (
      params.tax_behavior !== undefined &&
      before.tax_behavior !== 'unspecified' &&
      params.tax_behavior !== before.tax_behavior
    ) {
      throw invalidRequest(
        'tax_behavior cannot be changed once it is set to exclusive or inclusive.',
        undefined,
        'tax_behavior',
      );
    }
    if (params.lookup_key)
      claimLookupKey(emu, req, params.lookup_key, before.id, params.transfer_lookup_key ?? false);
    const after: Stripe.Price = {
      ...before,
      active: params.active ?? before.active,
      lookup_key: patch(before.lookup_key, params.lookup_key),
      metadata: applyMetadata(before.metadata, params.metadata),
      nickname: patch(before.nickname, params.nickname),
      tax_behavior: params.tax_behavior ?? before.tax_behavior,
    };
    req.account.update(after);
    emu.emitUpdate(req, 'price.updated', before, after);
    return after;
  });

  emu.route('GET', '/v1/prices', (req) => {
    const params = parseParams(listShape, req.params);
    if (params.lookup_keys !== undefined && params.lookup_keys.length > 10) {
      throw invalidRequest('lookup_keys can list at most 10 keys.', undefined, 'lookup_keys');
    }
    const keys = params.lookup_keys === undefined ? undefined : new Set(params.lookup_keys);
    return listResponse(
      req.account.collection('price'),
      params,
      '/v1/prices',
      (x) =>
        (params.active === undefined || x.active === params.active) &&
        (params.currency === undefined || x.currency === params.currency) &&
        (keys === undefined || (x.lookup_key !== null && keys.has(x.lookup_key))) &&
        (params.product === undefined || x.product === params.product) &&
        (params.type === undefined || x.type === params.type),
      'price',
    );
  });
}
