// Products: create (optionally with `default_price_data`, which creates a one-time price), retrieve,
// update (including `default_price`), list, search, delete (refused while prices use the product).
import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest } from '../core/errors.js';
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
  priceAmountShape,
  productFieldsShape,
} from './catalog-model.js';

const createShape = {
  ...productFieldsShape,
  name: p.string().required(),
  id: p.string(),
  type: p.enum(['good', 'service']),
  default_price_data: p.object({ ...priceAmountShape, metadata: metadataParam() }),
};

const updateShape = { ...productFieldsShape, name: p.string(), default_price: p.string() };

const listShape = {
  ...listWithCreatedShape,
  active: p.boolean(),
  ids: p.array(p.string()),
  shippable: p.boolean(),
  type: p.enum(['good', 'service']),
  url: p.string(),
};

const searchSpec: SearchSpec<Stripe.Product> = {
  resource: 'products',
  metadata: true,
  fields: {
    active: { type: 'boolean', get: (x) => x.active },
    description: { type: 'string', get: (x) => x.description },
    name: { type: 'string', get: (x) => x.name },
    shippable: { type: 'boolean', get: (x) => x.shippable },
    url: { type: 'string', get: (x) => x.url },
    created: { type: 'number', get: (x) => x.created },
  },
};

export function registerProducts(emu: EmulatorCore): void {
  emu.objects.define({ object: 'product', expandable: ['default_price', 'tax_code'] });
  const get = (req: ApiRequest) => req.account.require('product', req.pathParams.id!);

  emu.route('POST', '/v1/products', (req) => {
    const { id, default_price_data: priceData, type, ...fields } = parseParams(createShape, req.params);
    const now = emu.clock.seconds();
    const productId = id === undefined ? newId('prod', 14) : checkNewProductId(req, id, 'id');
    let product = applyProductFields(blankProduct(productId, fields.name, now), fields, now);
    if (type !== undefined) product = { ...product, type };
    if (!priceData) return insertProduct(emu, req, product);
    const { metadata, ...amount } = priceData;
    const price = buildOneTimePrice(
      product.id,
      amount,
      { metadata: applyMetadata({}, metadata) },
      now,
      'default_price_data',
    );
    product = insertProduct(emu, req, { ...product, default_price: price.id });
    req.account.insert(price);
    emu.emit(req, 'price.created', price);
    return product;
  });

  emu.route('GET', '/v1/products/search', (req) =>
    searchResponse(
      req.account.collection('product'),
      searchSpec,
      parseParams(searchShape, req.params),
      '/v1/products/search',
      req.expand.includes('total_count'),
    ),
  );

  emu.route('GET', '/v1/products/:id', (req) => get(req));

  emu.route('POST', '/v1/products/:id', (req) => {
    const before = get(req);
    const { default_price: defaultPrice, ...fields } = parseParams(updateShape, req.params);
    let after = applyProductFields(before, fields, emu.clock.seconds());
    if (defaultPrice !== undefined) {
      const price = req.account.require('price', defaultPrice, 'default_price');
      if (price.product !== before.id) {
        throw invalidRequest(
          `The price ${defaultPrice} does not belong to product ${before.id}.`,
          undefined,
          'default_price',
        );
      }
      after = { ...after, default_price: price.id };
    }
    req.account.update(after);
    emu.emitUpdate(req, 'product.updated', before, after);
    return after;
  });

  emu.route('GET', '/v1/products', (req) => {
    const params = parseParams(listShape, req.params);
    const ids = params.ids === undefined ? undefined : new Set(params.ids);
    return listResponse(
      req.account.collection('product'),
      params,
      '/v1/products',
      (x) =>
        (params.active === undefined || x.active === params.active) &&
        (ids === undefined || ids.has(x.id)) &&
        (params.shippable === undefined || x.shippable === params.shippable) &&
        (params.type === undefined || x.type === params.type) &&
        (params.url === undefined || x.url === params.url),
      'product',
    );
  });

  emu.route('DELETE', '/v1/products/:id', (req) => {
    const product = get(req);
    for (const e of req.account.collection('price').newestFirst()) {
      if (e.obj.product === product.id) {
        throw invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices.',
          undefined,
          'id',
        );
      }
    }
    req.account.remove('product', product.id);
    emu.emit(req, 'product.deleted', product);
    return { id: product.id, object: 'product', deleted: true } satisfies Stripe.DeletedProduct;
  });
}
