// Reads and validates a JSON body; every problem becomes a ValidationError naming the field.
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
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
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
