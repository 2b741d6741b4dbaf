import { describe, expect, it } from 'vitest';
import { uuid7 } from '../../server/lib/uuid7';

describe('uuid7', () => {
  it('is a version-7, RFC-variant UUID carrying its millisecond timestamp', () => {
    const at = Date.UTC(2026, 11, 6, 8, 0, 0);
    const id = uuid7(at + 10_000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(at + 10_000);
  });

  it('sorts in creation order, also within one millisecond and across a clock step backwards', () => {
    const ids = [...Array.from({ length: 5000 }, () => uuid7(Date.now() + 60_000)), uuid7(0), uuid7()];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
