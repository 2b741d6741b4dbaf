/**
 * The requests of the batch ingest APIs (`POST /orders`, `POST /members`): the body parsed by its zod schema and
 * refused with every problem named by its path in the body (`orders[0].items[1].sku`), at most 20 in the message;
 * the Idempotency-Key checked and the body hashed for the idempotency record.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { ValidationError } from '../lib/errors';

/** A zod path as the API names it: `orders[0].items[1].sku`; the empty path is the body itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || 'body';
}

/**
 * Parses a batch body whose `list` holds records keyed by `key`. zod skips the schema's duplicate check when any
 * field failed; the duplicates are named anyway, so one round trip shows every problem.
 */
export function parseBatchBody<S extends z.ZodTypeAny>(schema: S, body: unknown, list: string, key: string): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ field: formatPath(i.path), message: i.message }));
  const raw = (body as Record<string, unknown> | null)?.[list];
  if (Array.isArray(raw) && !details.some((d) => d.message.startsWith('duplicates '))) {
    const seen = new Map<string, number>();
    raw.forEach((item: unknown, i) => {
      const v = (item as Record<string, unknown> | null)?.[key];
      if (typeof v !== 'string') return;
      const j = seen.get(v.trim());
      if (j !== undefined) details.push({ field: `${list}[${i}].${key}`, message: `duplicates ${list}[${j}].${key}` });
      else seen.set(v.trim(), i);
    });
  }
  throw batchRefusal(details);
}

/** A batch request's refusal: every problem in the details, the first 20 in the message and the rest counted. */
export function batchRefusal(details: readonly { field: string; message: string }[]): ValidationError {
  const shown = details.slice(0, 20).map((d) => `${d.field}: ${d.message}`).join('; ');
  return new ValidationError(`Invalid request: ${shown}${details.length > 20 ? ` (and ${details.length - 20} more)` : ''}`, details);
}

/** Refuses an Idempotency-Key header outside 1–255 characters (none at all is fine). */
export function checkIdempotencyKey(key: string | null): void {
  if (key !== null && (key.length < 1 || key.length > 255)) {
    throw new ValidationError('Idempotency-Key must be 1–255 characters', [{ field: 'Idempotency-Key', message: 'must be 1–255 characters' }]);
  }
}

/** The request body's hash stored with its Idempotency-Key (a retry must send the same body). */
export const hashBody = (body: unknown): string => createHash('sha256').update(JSON.stringify(body)).digest('hex');
