// Request parameters: bracket form encoding decoded with `qs` (nested objects, indexed and `[]`
// arrays, '' kept as '' so handlers can treat it as "unset"), or JSON where a client sends it.
import qs from 'qs';
import { invalidRequest } from '../core/errors.js';

const QS_OPTIONS: qs.IParseOptions = { depth: 10, arrayLimit: 1000, parameterLimit: 100_000 };

export function decodeForm(text: string): Record<string, unknown> {
  if (text === '') return {};
  return qs.parse(text, QS_OPTIONS) as Record<string, unknown>;
}

/** Decodes a request body by content type (form unless it says JSON). */
export function decodeBody(contentType: string | undefined, text: string): Record<string, unknown> {
  if (text === '') return {};
  if (contentType?.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidRequest('Invalid JSON in the request body.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidRequest('The JSON request body must be an object.');
    }
    return parsed as Record<string, unknown>;
  }
  return decodeForm(text);
}

/** `expand[]` as a list of paths, validated. */
export function takeExpand(params: Record<string, unknown>): string[] {
  const raw = params.expand;
  if (raw === undefined) return [];
  delete params.expand;
  const list = Array.isArray(raw)
    ? raw
    : typeof raw === 'object' && raw !== null
      ? Object.values(raw)
      : [raw];
  if (raw === '') return [];
  return list.map((v, i) => {
    if (typeof v !== 'string' || v === '')
      throw invalidRequest(`Invalid expand[${i}]: must be a non-empty string`, undefined, 'expand');
    return v;
  });
}
