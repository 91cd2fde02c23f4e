// Reads and validates a JSON body (or a query string); every problem becomes a ValidationError naming the field.
import type { Context } from 'hono';
import type { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';

export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  let body: unknown;
  try {
    const text = await c.req.text();
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ValidationError('The request body must be JSON (Content-Type: application/json)', 'body');
  }
  return parsed(schema, body, 'body');
}

/**
 * Validates a decoded body or query string; the first problem becomes a ValidationError naming it
 * (`whole` when the value itself is wrong, e.g. an array where an object belongs).
 */
export function parsed<T extends z.ZodType>(schema: T, value: unknown, whole = 'query'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const field = path.map(String).join('.') || whole;
  const message =
    issue.code === 'unrecognized_keys' ? `Unknown field ${field}` : `${field}: ${issue.message}`;
  throw new ValidationError(message, field);
}
