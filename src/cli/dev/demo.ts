// The demo `coffer dev` sets up at the emulator, idempotently: one webhook endpoint pointing at the
// local service (replacing the one a previous run left behind), and a small catalogue found by
// lookup key before anything is created.
import Stripe from 'stripe';

const DEV_ENDPOINT_MARK = 'coffer_dev';

export const DEMO_CATALOGUE = [
  { lookupKey: 'coffer_pro_lifetime', product: 'Coffer Pro — lifetime', amount: 14_900, currency: 'usd' },
  { lookupKey: 'coffer_team_lifetime', product: 'Coffer Team — lifetime', amount: 49_900, currency: 'usd' },
] as const;

export function emulatorClient(emulatorUrl: string, secretKey: string): Stripe {
  const url = new URL(emulatorUrl);
  return new Stripe(secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 2,
  });
}

/** Registers a fresh `*` endpoint for the dev service, deleting earlier dev endpoints; returns it with its secret. */
export async function registerDevEndpoint(
  stripe: Stripe,
  url: string,
): Promise<{ id: string; secret: string }> {
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    if (endpoint.metadata?.[DEV_ENDPOINT_MARK] === 'true') await stripe.webhookEndpoints.del(endpoint.id);
  }
  const created = await stripe.webhookEndpoints.create({
    url,
    enabled_events: ['*'],
    api_version: Stripe.API_VERSION as Stripe.WebhookEndpointCreateParams.ApiVersion,
    description: 'coffer dev: the local service',
    metadata: { [DEV_ENDPOINT_MARK]: 'true' },
  });
  if (!created.secret) throw new Error('The emulator returned no webhook signing secret');
  return { id: created.id, secret: created.secret };
}

/** Creates each demo product and price unless a price with its lookup key exists already. */
export async function ensureDemoCatalogue(stripe: Stripe): Promise<string[]> {
  const existing = await stripe.prices.list({ lookup_keys: DEMO_CATALOGUE.map((item) => item.lookupKey) });
  const found = new Set(existing.data.map((price) => price.lookup_key));
  for (const item of DEMO_CATALOGUE) {
    if (found.has(item.lookupKey)) continue;
    const product = await stripe.products.create(
      { name: item.product, metadata: { coffer_demo: 'true' } },
      { idempotencyKey: `coffer-dev-product-${item.lookupKey}` },
    );
    await stripe.prices.create(
      { product: product.id, unit_amount: item.amount, currency: item.currency, lookup_key: item.lookupKey },
      { idempotencyKey: `coffer-dev-price-${item.lookupKey}` },
    );
  }
  return DEMO_CATALOGUE.map((item) => item.lookupKey);
}
