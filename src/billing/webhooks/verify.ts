// Stripe-Signature verification on the raw bytes, before anything reads the body:
// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=…]`. Any configured secret may match
// any v1 signature (secret rotation), the comparison is constant-time, and a timestamp further than
// the tolerance from now — in the past or in the future — is refused. Other schemes (v0) are ignored.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

const HEX_SIGNATURE = /^[0-9a-f]{64}$/i;

interface ParsedHeader {
  timestamp: number;
  signatures: Buffer[];
}

function parseHeader(header: string): ParsedHeader | string {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return 'the Stripe-Signature timestamp is not a number';
      timestamp = Number(value);
    } else if (key === 'v1' && HEX_SIGNATURE.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined) return 'the Stripe-Signature header has no timestamp (t=)';
  if (signatures.length === 0) return 'the Stripe-Signature header has no v1 signature';
  return { timestamp, signatures };
}

export function verifySignature(
  body: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  if (header === undefined || header.trim() === '')
    return { ok: false, reason: 'missing Stripe-Signature header' };
  const parsed = parseHeader(header);
  if (typeof parsed === 'string') return { ok: false, reason: parsed };
  const age = nowSeconds - parsed.timestamp;
  if (age > toleranceSeconds) return { ok: false, reason: 'the signature timestamp is too old' };
  if (-age > toleranceSeconds) return { ok: false, reason: 'the signature timestamp is in the future' };
  const prefix = `${parsed.timestamp}.`;
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(prefix).update(body).digest();
    for (const signature of parsed.signatures) {
      // Keep comparing after a match so timing does not reveal which secret or signature matched.
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  return matched ? { ok: true, timestamp: parsed.timestamp } : { ok: false, reason: 'no signature matches' };
}
