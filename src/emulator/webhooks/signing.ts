// The `Stripe-Signature` scheme (stripe-api.md §6.3): `t=<unix seconds>,v1=<hex HMAC-SHA256>` where
// the HMAC key is the whole `whsec_…` string and the message is `<t>.<raw body>`. One `v1` per
// active secret. Implemented here with node:crypto; the SDK's verifier is the independent check.
import { createHmac } from 'node:crypto';

export function computeSignature(secret: string, timestamp: number, payload: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
}

export function signatureHeader(secrets: readonly string[], timestamp: number, payload: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${computeSignature(s, timestamp, payload)}`)].join(',');
}
