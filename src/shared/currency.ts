// Money is integer minor units with a currency. This table says how many decimals each currency's
// minor unit has on Stripe (zero-decimal and three-decimal currencies differ from the usual two).

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Decimals of the currency's minor unit: 0 (JPY), 3 (KWD) or 2 (most). */
export function currencyExponent(currency: string): 0 | 2 | 3 {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

export const isValidCurrencyCode = (currency: string): boolean => /^[a-z]{3}$/i.test(currency);

// ISO 4217 codes as the runtime's ICU knows them, so a made-up code ("zzz") is caught. Without ICU
// (a small-icu build) every well-shaped code passes.
const ISO_CURRENCIES: ReadonlySet<string> | undefined =
  typeof Intl.supportedValuesOf === 'function'
    ? new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()))
    : undefined;

/** True for a three-letter code that ISO 4217 defines (as far as the runtime knows). */
export const isKnownCurrency = (currency: string): boolean =>
  isValidCurrencyCode(currency) && (ISO_CURRENCIES?.has(currency.toLowerCase()) ?? true);

export interface Money {
  amount: number;
  currency: string;
}

/** `1999, 'usd'` → `"19.99 USD"`; for messages and the dashboard, never for arithmetic. */
export function formatMoney({ amount, currency }: Money): string {
  const exp = currencyExponent(currency);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const major = Math.floor(abs / 10 ** exp);
  const minor = exp === 0 ? '' : `.${String(abs % 10 ** exp).padStart(exp, '0')}`;
  return `${sign}${major}${minor} ${currency.toUpperCase()}`;
}
