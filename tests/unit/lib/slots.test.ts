/**
 * The process-wide slot limiter (server/lib/slots.ts) that keeps large exports from taking the connection pool: at
 * most n holders, the rest wait in order; a slot is given back exactly once however its holder ends.
 */
import { describe, expect, it } from 'vitest';
import { inSlot, slots } from '../../../server/lib/slots';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('slots', () => {
  it('lets n hold at once; the next waits, in order, until one gives its slot back (once)', async () => {
    const s = slots(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((r) => (order.push('c'), r));
    const d = s.acquire().then((r) => (order.push('d'), r));
    await tick();
    expect({ inUse: s.inUse, waiting: s.waiting, order }).toEqual({ inUse: 2, waiting: 2, order: [] });
    a();
    a(); // a second call gives nothing back twice
    await tick();
    expect(order).toEqual(['c']);
    expect(s.waiting).toBe(1);
    b();
    (await c)();
    (await d)();
    expect(s.inUse).toBe(0);
  });

  it('holds a slot from a generator’s first pull to its end: finished, stopped midway, or never started', async () => {
    const s = slots(1);
    async function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    const never = inSlot(s, three);
    expect(s.inUse).toBe(0); // not started: no slot taken, none to give back
    const all: number[] = [];
    for await (const x of inSlot(s, three)) all.push(x);
    expect(all).toEqual([1, 2, 3]);
    expect(s.inUse).toBe(0);
    const stopped = inSlot(s, three);
    await stopped.next();
    expect(s.inUse).toBe(1);
    await stopped.return();
    expect(s.inUse).toBe(0);
    await never.return();
    expect(s.inUse).toBe(0);
  });
});
