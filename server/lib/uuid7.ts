/**
 * Time-ordered UUIDs (RFC 9562 version 7: 48-bit ms timestamp, version, 12-bit counter, variant, 62 random bits).
 * Ids created together sort together, so a bulk insert appends to the primary key (and to every index that leads
 * with the id) instead of dirtying a random page per row. Monotonic within a process: the counter orders ids of
 * one millisecond, and a clock step backwards keeps the last timestamp.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

export function uuid7(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter++;
    if (counter > 0xfff) {
      ms++;
      counter = 0;
    }
  } else counter = 0;
  lastMs = ms;
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
