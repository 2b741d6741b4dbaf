/**
 * Generates bench/.out/orders-1m.csv: 1,000,000 item lines of a lifestyle chain (about 3 lines per order, 12
 * stores, 60 clerks, 200k members, mobiles, refunds) with about 5% bad rows (dates, numbers, phones, missing order
 * numbers). Deterministic. Usage: npx tsx bench/import/generate.ts [lines] [out]
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../../server/demo/random';
import { CATALOG, DEMO_ORDER_HEADER } from '../../server/demo/orders';
import { csvLine } from '../../app/lib/csv';

export async function generateBenchFile(file: string, lines = 1_000_000, seed = 42): Promise<{ lines: number; bad: number }> {
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const rng = new Rng(seed);
  let buf = csvLine(DEMO_ORDER_HEADER);
  let written = 0;
  let bad = 0;
  let order = 0;
  const start = Date.parse('2024-01-01T00:00:00Z');
  while (written < lines) {
    order++;
    const n = Math.min(lines - written, 1 + Math.floor(rng.exponential(0.6)));
    const t = new Date(start + Math.floor(rng.next() * 700) * 86_400_000 + rng.int(600, 1310) * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    const store = `S${String(rng.int(1, 12)).padStart(3, '0')}`;
    const member = rng.chance(0.7) ? String(800_000_000 + rng.int(0, 200_000)) : '';
    const mobile = !member && rng.chance(0.3) ? `138${String(rng.int(0, 99_999_999)).padStart(8, '0')}` : '';
    const refund = rng.chance(0.02);
    const no = `${refund ? 'R' : 'B'}${order}`;
    for (let k = 0; k < n; k++) {
      const item = CATALOG[rng.int(0, CATALOG.length - 1)]!;
      const row = [no, t, store, '', `clerk${String(rng.int(1, 60)).padStart(4, '0')}`, '门店', refund ? '退款' : '已支付', '', member, mobile, '', '', item.sku, item.name, item.category, String(rng.int(1, 3)), item.price.toFixed(2)];
      if (rng.chance(0.05)) {
        bad++;
        const kind = rng.int(0, 4);
        if (kind === 0) row[1] = '2024-02-30 10:00:00';
        else if (kind === 1) row[15] = 'x';
        else if (kind === 2) row[16] = '¥—';
        else if (kind === 3) row[9] = '1234';
        else row[0] = '';
      }
      buf += csvLine(row);
      written++;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return { lines: written, bad };
}

if (process.argv[1]?.endsWith('generate.ts')) {
  const lines = Number(process.argv[2] ?? 1_000_000);
  const file = process.argv[3] ?? path.join(import.meta.dirname, '../.out/orders-1m.csv');
  const r = await generateBenchFile(file, lines);
  process.stdout.write(`${file}: ${r.lines} lines, ${r.bad} bad\n`);
}
