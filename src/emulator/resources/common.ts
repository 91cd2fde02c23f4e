// Parameter pieces, renderers and routes several resources share.
import type Stripe from 'stripe';
import { isKnownCurrency } from '../../shared/currency.js';
import type { EmulatorCore } from '../core/emulator.js';
import { invalidRequest } from '../core/errors.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { type Infer, p, parseParams } from '../core/params.js';
import type { ObjectName, ObjectTypes } from '../core/store.js';

const addressShape = {
  city: p.string().emptyable(),
  country: p.string().emptyable(),
  line1: p.string().emptyable(),
  line2: p.string().emptyable(),
  postal_code: p.string().emptyable(),
  state: p.string().emptyable(),
};
export const addressParam = () => p.object(addressShape);
export type AddressParams = Infer<typeof addressShape>;

export const renderAddress = (a: AddressParams): Stripe.Address => ({
  city: a.city ?? null,
  country: a.country ?? null,
  line1: a.line1 ?? null,
  line2: a.line2 ?? null,
  postal_code: a.postal_code ?? null,
  state: a.state ?? null,
});

/** A three-letter currency code, returned lower case as Stripe stores it. */
export const currencyParam = () =>
  p.string().refine((s, path) => {
    if (!isKnownCurrency(s))
      throw invalidRequest(
        `Invalid currency: ${s}. Stripe currencies are three-letter ISO codes.`,
        undefined,
        path,
      );
    return s.toLowerCase();
  });

/** Applies an emptyable scalar update: undefined keeps, null clears, a value sets. */
export const patch = <T>(current: T | null, next: T | null | undefined): T | null =>
  next === undefined ? current : next;

type ChargeLinked = {
  [K in ObjectName]: ObjectTypes[K] extends { charge: unknown; payment_intent?: unknown } ? K : never;
}[ObjectName];

/** `GET <path>`: a list of what hangs off charges (refunds, disputes, …), filtered by `charge` / `payment_intent`. */
export function routeChargeLinkedList(
  emu: EmulatorCore,
  object: ChargeLinked,
  path: string,
  label: string,
): void {
  emu.route('GET', path, (req) => {
    const params = parseParams(
      { ...listWithCreatedShape, charge: p.string(), payment_intent: p.string() },
      req.params,
    );
    const { charge, payment_intent } = params;
    return listResponse(
      req.account.collection(object),
      params,
      path,
      (o: { charge: unknown; payment_intent?: unknown }) =>
        (charge === undefined || o.charge === charge) &&
        (payment_intent === undefined || o.payment_intent === payment_intent),
      label,
    );
  });
}
