/**
 * Input contracts shared by the browser, the routes and the REST API (client-safe: imports nothing but zod).
 *
 * - `text()`: a string that PostgreSQL can store: no NUL character (`\u0000`), which `text` columns and query
 *   parameters refuse with an error (a 500 before this check). Every API text input is built from it.
 * - `isoDateParam`: a `YYYY-MM-DD` calendar date within a sane range (`DATE_MIN` .. tomorrow in UTC, so every
 *   time zone's today is inside): a date such as 9999-12-31 made the cohort report 4.8 MB of empty months.
 */
import { z } from 'zod';

export const NUL_MESSAGE = 'must not contain NUL characters';
export const hasNoNul = (s: string): boolean => !s.includes('\u0000');

/** Is `s` a UUID (any version, either case)? Ids in paths and cookies are checked with it before reaching PostgreSQL, where a malformed one is an error, not "not found". */
export const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** A string without NUL characters; chain `.trim().min().max()` as with `z.string()`. */
export const text = () => z.string().refine(hasNoNul, NUL_MESSAGE);

/** The earliest date a filter accepts (the CDNOW sample begins in 1997). */
export const DATE_MIN = '1990-01-01';

/** The latest date a filter accepts: tomorrow in UTC (today in every time zone). */
export function dateMax(now: Date = new Date()): string {
  return new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
}

const isCalendarDate = (d: string): boolean => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

export const isoDateParam = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  .refine((d) => d >= DATE_MIN && d <= dateMax(), `must be a date from ${DATE_MIN} to today`);
