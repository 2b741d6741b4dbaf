/**
 * Input validation at the service and API edges: a zod schema parses the input, or a ValidationError (400) says
 * what is wrong in the words of the schema's messages. One place for how zod issues read to users.
 */
import type { z } from 'zod';
import { ValidationError } from './errors';

/** What a failed parse tells the user. */
export interface ParseOptions {
  /**
   * Prefix each message with the issue's field path (`page: …`); the value names the whole input when the path is
   * empty (`'body'`, `'query'`, `'input'`, or `''`), and `null` leaves a message with an empty path unprefixed.
   * Without it the messages stand alone.
   */
  field?: string | null;
  /** The error's details for API callers: the zod issues as they are, or `{ field, message }` per issue (an empty path named by `field`). None by default. */
  details?: 'issues' | 'fields';
  /** Put before the messages, saying what was invalid (`映射无效 / Invalid mapping: `). */
  prefix?: string;
}

/** The issues' messages joined with '; ', each prefixed with its field path when `field` is given (see ParseOptions). */
export function issuesMessage(issues: readonly z.core.$ZodIssue[], field?: string | null): string {
  return issues
    .map((i) => {
      const path = i.path.join('.') || field;
      return field === undefined || path === null ? i.message : `${path}: ${i.message}`;
    })
    .join('; ');
}

/** Parses `input` with `schema`, or throws a ValidationError with the issues' messages (see ParseOptions). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, opts: ParseOptions = {}): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const details = opts.details === 'issues' ? issues : opts.details === 'fields' ? issues.map((i) => ({ field: i.path.join('.') || (opts.field ?? ''), message: i.message })) : undefined;
  throw new ValidationError((opts.prefix ?? '') + issuesMessage(issues, opts.field), details);
}
