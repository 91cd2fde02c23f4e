// Money checks before anything reaches Stripe: integer minor units for the currency, at least Stripe's
// minimum charge, and errors that name the field and say what the amount means in major units.

import {
  currencyExponent,
  formatMoney,
  isKnownCurrency,
  isValidCurrencyCode,
} from '../../shared/currency.js';
import { ValidationError } from '../../shared/errors.js';

// Stripe's published minimum charge per currency, in major units (stripe.com/docs/currencies).
// Currencies not listed here have a minimum equivalent to 0.50 USD, which depends on exchange rates,
// so only Stripe can check it.
const MINIMUM_MAJOR: Readonly<Record<string, number>> = {
  usd: 0.5,
  aed: 2,
  aud: 0.5,
  bgn: 1,
  brl: 0.5,
  cad: 0.5,
  chf: 0.5,
  czk: 15,
  dkk: 2.5,
  eur: 0.5,
  gbp: 0.3,
  hkd: 4,
  huf: 175,
  inr: 0.5,
  jpy: 50,
  mxn: 10,
  myr: 2,
  nok: 3,
  nzd: 0.5,
  pln: 2,
  ron: 2,
  sek: 3,
  sgd: 0.5,
  thb: 10,
};

/** Stripe accepts at most eight digits of minor units for a charge. */
export const MAX_CHARGE_AMOUNT = 99_999_999;

/** The minimum charge in minor units, when Stripe publishes one for the currency. */
export function minimumCharge(currency: string): number | undefined {
  const major = MINIMUM_MAJOR[currency.toLowerCase()];
  return major === undefined ? undefined : Math.round(major * 10 ** currencyExponent(currency));
}

/** A three-letter ISO 4217 code, returned lower-case as Stripe wants it. */
export function validateCurrency(currency: unknown, field = 'currency'): string {
  if (typeof currency !== 'string' || !isValidCurrencyCode(currency)) {
    throw new ValidationError(`${field} must be a three-letter ISO currency code such as "usd"`, field);
  }
  const code = currency.toLowerCase();
  if (!isKnownCurrency(code)) {
    throw new ValidationError(`${field} "${code}" is not an ISO 4217 currency code (such as "usd")`, field);
  }
  return code;
}

/** A positive whole number of minor units; `what` names the amount in messages. */
export function validateMinorUnits(amount: unknown, currency: string, field = 'amount'): number {
  const exponent = currencyExponent(currency);
  const unit = exponent === 0 ? `whole ${currency.toUpperCase()}` : `minor units (1/${10 ** exponent})`;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new ValidationError(`${field} must be a number of ${unit}`, field);
  }
  if (!Number.isInteger(amount)) {
    const hint =
      exponent === 0
        ? `${currency.toUpperCase()} has no decimals`
        : `amounts are integers in ${unit}; ${amount} ${currency.toUpperCase()} would be ${Math.round(amount * 10 ** exponent)}`;
    throw new ValidationError(`${field} must be an integer of ${unit}: ${hint}`, field);
  }
  if (amount <= 0) throw new ValidationError(`${field} must be greater than zero`, field);
  if (!Number.isSafeInteger(amount) || amount > MAX_CHARGE_AMOUNT) {
    throw new ValidationError(
      `${field} must be at most ${MAX_CHARGE_AMOUNT} (eight digits of ${unit})`,
      field,
    );
  }
  if (exponent === 3 && amount % 10 !== 0) {
    // Stripe requires the last digit of a three-decimal amount to be 0.
    throw new ValidationError(
      `${field} in ${currency.toUpperCase()} must end in 0 (three-decimal currencies are charged to 0.01): ` +
        `${formatMoney({ amount, currency })} → ${formatMoney({ amount: Math.round(amount / 10) * 10, currency })}`,
      field,
    );
  }
  return amount;
}

/** A chargeable amount: valid minor units and at least Stripe's minimum for the currency. */
export function validateChargeAmount(amount: unknown, currency: string, field = 'amount'): number {
  const value = validateMinorUnits(amount, currency, field);
  const minimum = minimumCharge(currency);
  if (minimum !== undefined && value < minimum) {
    throw new ValidationError(
      `${field} ${formatMoney({ amount: value, currency })} is below Stripe's minimum charge of ` +
        `${formatMoney({ amount: minimum, currency })} (${minimum} in minor units)`,
      field,
    );
  }
  return value;
}
