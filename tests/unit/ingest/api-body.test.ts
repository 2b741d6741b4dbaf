import { describe, expect, it } from 'vitest';
import { checkIdempotencyKey, parseBatchBody } from '../../../server/ingest/api-body';
import { ValidationError } from '../../../server/lib/errors';
import { parseApiOrders } from '../../../server/ingest/orders.service';

const order = (no: string, amountFen: unknown = 1000) => ({ order_no: no, paid_at: '2026-12-01T10:00:00+08:00', amount_fen: amountFen });

type Detail = { field: string; message: string };

/** The refusal's message and per-field details. */
function refusal(fn: () => unknown): { message: string; details: Detail[] } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return { message: e.message, details: e.details as Detail[] };
    throw e;
  }
  throw new Error('not refused');
}

describe('batch API bodies (POST /orders, POST /members)', () => {
  it('names every problem by its path in the body, and a duplicate number even when another field failed', () => {
    const e = refusal(() => parseApiOrders({ orders: [order('A1'), order('A2', 'ten'), order(' A1 ')] }));
    const fields = e.details.map((d) => d.field);
    expect(fields).toContain('orders[1].amount_fen');
    expect(e.details).toContainEqual({ field: 'orders[2].order_no', message: 'duplicates orders[0].order_no' });
    expect(e.message).toMatch(/^Invalid request: orders\[1\]\.amount_fen: /);
  });

  it('shows at most 20 problems in the message and counts the rest; the details keep them all', () => {
    const e = refusal(() => parseApiOrders({ orders: Array.from({ length: 25 }, (_, i) => order(`B${i}`, 'x')) }));
    expect(e.details).toHaveLength(25);
    expect(e.message).toMatch(/\(and 5 more\)$/);
    expect(e.message.split('; ')).toHaveLength(20);
  });

  it('an empty path is the body itself; a valid body comes back parsed', async () => {
    const { z } = await import('zod');
    const schema = z.object({ members: z.array(z.object({ member_no: z.string() })) });
    expect(refusal(() => parseBatchBody(schema, 'nope', 'members', 'member_no')).details[0]!.field).toBe('body');
    expect(parseBatchBody(schema, { members: [{ member_no: 'M1' }] }, 'members', 'member_no')).toEqual({ members: [{ member_no: 'M1' }] });
  });

  it('an Idempotency-Key header of 1–255 characters, or none, is taken; an empty or longer one is refused', () => {
    expect(() => checkIdempotencyKey(null)).not.toThrow();
    expect(() => checkIdempotencyKey('k'.repeat(255))).not.toThrow();
    expect(refusal(() => checkIdempotencyKey('')).details).toEqual([{ field: 'Idempotency-Key', message: 'must be 1–255 characters' }]);
    expect(() => checkIdempotencyKey('k'.repeat(256))).toThrow(/Idempotency-Key must be 1–255 characters/);
  });
});
