import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../server/lib/errors';
import { parseOrThrow } from '../../../server/lib/validation';

const schema = z.object({ name: z.string().min(1, 'name is required'), size: z.number().max(5, 'at most 5') }).strict();
const caught = (f: () => unknown): ValidationError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('parseOrThrow', () => {
  it('returns the parsed value', () => {
    expect(parseOrThrow(z.object({ n: z.coerce.number() }), { n: '3' })).toEqual({ n: 3 });
  });

  it('joins the messages alone by default, without details', () => {
    const e = caught(() => parseOrThrow(schema, { name: '', size: 9 }));
    expect(e.message).toBe('name is required; at most 5');
    expect(e.details).toBeUndefined();
    expect(e.status).toBe(400);
  });

  it('prefixes field paths, naming an empty path as asked, and attaches the issues or per-field details', () => {
    const issues = caught(() => parseOrThrow(schema, 'x', { field: 'body', details: 'issues' }));
    expect(issues.message).toMatch(/^body: /);
    expect(issues.details).toEqual([expect.objectContaining({ path: [] })]);
    const fields = caught(() => parseOrThrow(schema, { name: '', size: 9 }, { field: '', details: 'fields' }));
    expect(fields.message).toBe('name: name is required; size: at most 5');
    expect(fields.details).toEqual([
      { field: 'name', message: 'name is required' },
      { field: 'size', message: 'at most 5' },
    ]);
    expect(caught(() => parseOrThrow(schema, 1, { field: '' })).message).toMatch(/^: /);
  });

  it('leaves a message with an empty path unprefixed when the field is null, names it in the details, and puts a prefix first', () => {
    const opts = { prefix: 'Invalid mapping: ', field: null, details: 'fields' } as const;
    expect(caught(() => parseOrThrow(schema, { name: '', size: 9 }, opts)).message).toBe('Invalid mapping: name: name is required; size: at most 5');
    const whole = caught(() => parseOrThrow(schema, 'x', opts));
    expect(whole.message).toMatch(/^Invalid mapping: Invalid input/);
    expect(whole.details).toEqual([{ field: '', message: expect.stringMatching(/^Invalid input/) }]);
    const scalar = caught(() => parseOrThrow(z.string().max(2, 'too long'), 'abc', { field: 'order_no', details: 'fields' }));
    expect([scalar.message, scalar.details]).toEqual(['order_no: too long', [{ field: 'order_no', message: 'too long' }]]);
  });
});
