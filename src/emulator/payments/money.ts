// Amount rules and the fee model of the emulator's balance.
// Fees: 2.9 % + a fixed 0.30 in the currency's major unit (30 minor units for two-decimal
// currencies, 0 for zero-decimal ones, 300 for three-decimal ones), rounded half up; a dispute
// costs a flat 15.00 in the same scaling. Refunds do not return the processing fee.

import { currencyExponent } from '../../shared/currency.js';

// Stripe's minimum charge amounts (in minor units) for the currencies it publishes; others use 50.
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** The largest amount Stripe accepts (eight digits of minor units). */
export const MAXIMUM_AMOUNT = 99_999_999;

export const minimumChargeAmount = (currency: string): number => MINIMUM_CHARGE[currency.toLowerCase()] ?? 50;

/** Scale a two-decimal amount to the currency's minor unit. */
function scaled(twoDecimalAmount: number, currency: string): number {
  return Math.round(twoDecimalAmount * 10 ** (currencyExponent(currency) - 2));
}

/** Processing fee of a charge of `amount` minor units. */
export function processingFee(amount: number, currency: string): number {
  return Math.round((amount * 29) / 1000) + scaled(30, currency);
}

/** Flat fee withdrawn when a charge is disputed. */
export const disputeFee = (currency: string): number => scaled(1500, currency);
