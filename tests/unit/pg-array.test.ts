import { describe, expect, it } from 'vitest';
import { uuidArray } from '../../server/lib/pg-array';

describe('uuidArray', () => {
  it('writes the array literal PostgreSQL reads as uuid[], nulls included', () => {
    expect(uuidArray([])).toBe('{}');
    expect(uuidArray(['01a24d1f-866b-7017-961c-3beb90abb5aa', null, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'])).toBe('{01a24d1f-866b-7017-961c-3beb90abb5aa,NULL,A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}');
  });
  it('refuses anything that is not a uuid, so nothing can be smuggled into the literal', () => {
    expect(() => uuidArray(['01a24d1f-866b-7017-961c-3beb90abb5aa,01a24d1f-866b-7017-961c-3beb90abb5ab'])).toThrow(/not a uuid/);
    expect(() => uuidArray(['}'])).toThrow(/not a uuid/);
    expect(() => uuidArray(['x'])).toThrow(/not a uuid/);
    expect(() => uuidArray(['01a24d1f-866b-7017-961c-3beb90abb5a}'])).toThrow(/not a uuid/);
    expect(() => uuidArray(['01a24d1f-866b-7017-961c-3beb90abb5a,'])).toThrow(/not a uuid/);
    expect(() => uuidArray(['01a24d1f8866b-7017-961c-3beb90abb5aa'])).toThrow(/not a uuid/);
  });
});
