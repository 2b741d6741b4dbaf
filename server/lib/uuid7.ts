/**
 * Time-ordered UUIDs (RFC 9562 version 7: 48-bit ms timestamp, version, 12-bit counter, variant, 62 random bits).
 * Ids created together sort together, so a bulk insert appends to the primary key (and to every index that leads
 * with the id) instead of dirtying a random page per row. Monotonic within a process: the counter orders ids of
 * one millisecond, and a clock step backwards keeps the last timestamp.
 */
import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;

// Random bytes are drawn 16 KiB at a time (as crypto.randomUUID does) and the hex is written from a table: a
// randomBytes(16) + Buffer.toString per id cost ~4 µs, 0.4 s of a 100,000-customer WeCom sync.
const POOL = Buffer.alloc(16 * 1024);
let poolAt = POOL.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

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
  if (poolAt + 8 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 8;
  const p = POOL;
  // 48-bit timestamp (big-endian), version 7 + 12-bit counter, variant 10 + 62 random bits.
  const t = ms.toString(16).padStart(12, '0');
  return (
    `${t.slice(0, 8)}-${t.slice(8, 12)}-${HEX[0x70 | (counter >> 8)]}${HEX[counter & 0xff]}-` +
    `${HEX[0x80 | (p[r]! & 0x3f)]}${HEX[p[r + 1]!]}-${HEX[p[r + 2]!]}${HEX[p[r + 3]!]}${HEX[p[r + 4]!]}${HEX[p[r + 5]!]}${HEX[p[r + 6]!]}${HEX[p[r + 7]!]}`
  );
}
