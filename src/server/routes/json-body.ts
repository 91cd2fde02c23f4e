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
    throw new ValidationError('The request body must be JSON (Content-Type: application/json)');
  }
  return parsed(schema, body);
}

/** Validates a decoded body or query string; the first problem becomes a ValidationError naming it. */
export function parsed<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const field = path.map(String).join('.') || undefined;
  const message =
    issue.code === 'unrecognized_keys'
      ? `Unknown field ${field}`
      : field
        ? `${field}: ${issue.message}`
        : issue.message;
  throw new ValidationError(message, field);
}
