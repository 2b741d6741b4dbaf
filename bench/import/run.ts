/**
 * Import benchmark: `npx tsx bench/import/run.ts`. Starts a throw-away embedded PostgreSQL (or uses
 * DATABASE_URL), generates 1M item lines with ~5% bad rows, imports them and the UCI file through the engine the
 * CLI uses, and reports lines/s and the peak RSS of this process (sampled every 50 ms, and the kernel's maxRSS).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import { createTenant } from '../../server/tenancy/tenants.service';
import { runImport } from '../../server/ingest/import.engine';
import { registerImportFile, setImportMapping } from '../../server/ingest/imports.service';
import { DEMO_ORDER_HEADER, DEMO_ORDER_MAPPING } from '../../server/demo/orders';
import { generateBenchFile } from './generate';
import { measureWriteFloor } from './floor';
import { fileSha256 } from '../../server/ingest/fingerprint';

const out = path.join(import.meta.dirname, '../.out');
const benchFile = path.join(out, 'orders-1m.csv');
const uci = path.resolve(import.meta.dirname, '../../tests/fixtures/datasets/online-retail-uci/online_retail.csv.gz');

let peak = 0;
let atPeak: NodeJS.MemoryUsage = process.memoryUsage();
let phase = 'start';
let phaseAtPeak = phase;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peak) [peak, atPeak, phaseAtPeak] = [m.rss, m, phase];
}, 50);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-bench-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? String(55000 + (process.pid % 1000)), DEMO: 'off', NODE_ENV: 'test' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 4, ownerPoolSize: 3 });
try {
  if (!existsSync(benchFile)) {
    const g = await generateBenchFile(benchFile);
    process.stdout.write(`generated ${g.lines} lines (${g.bad} bad)\n`);
  }
  const runs: [string, string, Parameters<typeof setImportMapping>[3], string, number][] = [
    ['generated 1M lines', benchFile, { ...DEMO_ORDER_MAPPING, columns: { ...DEMO_ORDER_MAPPING.columns } }, 'Asia/Shanghai', DEMO_ORDER_HEADER.length],
    ['UCI Online Retail', uci, { columns: { order_no: 'InvoiceNo', paid_at: 'InvoiceDate', quantity: 'Quantity', unit_price: 'UnitPrice', sku: 'StockCode', item_name: 'Description', member_no: 'CustomerID' }, refund: { prefix: 'C' } }, 'Europe/London', 8],
  ];
  const only = process.argv[2]; // optional: a substring of the run label, e.g. `generated` or `UCI`
  for (const [label, file, mapping, tz, columns] of runs.filter((r) => !only || r[0].includes(only))) {
    const t = await createTenant(services, { slug: `bench-${Math.random().toString(36).slice(2, 8)}`, name: label, timezone: tz });
    const actor = systemActor(t.id, t.slug, 'bench');
    peak = process.memoryUsage().rss;
    const t0 = Date.now();
    const reg = await registerImportFile(services, actor, { path: file, fileName: path.basename(file), source: 'cli' });
    await setImportMapping(services, actor, reg.id, mapping);
    let readDone = 0;
    let mergeDone = 0;
    const s = await runImport(services, t.id, reg.id, {
      onProgress: (p) => {
        phase = p.phase;
        if (p.phase !== 'reading' && !readDone) readDone = Date.now();
        if (p.phase === 'reporting' && !mergeDone) mergeDone = Date.now();
      },
    });
    const end = Date.now();
    phase = 're-import';
    const secs = (Date.now() - t0) / 1000;
    const again = Date.now();
    const reg2 = await registerImportFile(services, actor, { path: file, fileName: path.basename(file), source: 'cli' });
    await setImportMapping(services, actor, reg2.id, mapping);
    const s2 = await runImport(services, t.id, reg2.id);
    const secs2 = (Date.now() - again) / 1000;
    const h0 = performance.now();
    await fileSha256(file);
    const hashSecs = (performance.now() - h0) / 1000;
    const floor = await measureWriteFloor(services.ownerSql, file, columns, t.id);
    process.stdout.write(
      JSON.stringify({
        run: label,
        lines: s.rows_read,
        rejected: s.rows_rejected,
        orders: s.orders_created,
        customers: s.customers_created,
        seconds: secs,
        lines_per_s: Math.round(s.rows_read / secs),
        read_phase_lines_per_s: readDone ? Math.round(s.rows_read / ((readDone - t0) / 1000)) : null,
        // seconds of the import's phases: reading (from registering the file), merging, reporting and finishing
        phases_s: readDone ? { read: (readDone - t0) / 1000, merge: ((mergeDone || end) - readDone) / 1000, report: mergeDone ? (end - mergeDone) / 1000 : 0 } : null,
        reimport_seconds: secs2,
        reimport_lines_per_s: Math.round(s2.rows_read / secs2),
        reimport_unchanged: s2.orders_unchanged,
        reimport_identical_to_first: s2.identical_to === s.import_id,
        file_sha256_s: +hashSecs.toFixed(3),
        floor: { copy_s: +floor.copy_s.toFixed(2), orders_s: +floor.orders_s.toFixed(2), items_s: +floor.items_s.toFixed(2), total_s: +floor.floor_s.toFixed(2), orders: floor.orders, items: floor.items },
        ratio_to_floor: +(secs / floor.floor_s).toFixed(2),
        reimport_ratio_to_floor: +(secs2 / floor.floor_s).toFixed(2),
        peak_rss_mb: Math.round(peak / 1e6),
        phase_at_peak: phaseAtPeak,
        at_peak_mb: { heap_used: Math.round(atPeak.heapUsed / 1e6), heap_total: Math.round(atPeak.heapTotal / 1e6), external: Math.round(atPeak.external / 1e6), array_buffers: Math.round(atPeak.arrayBuffers / 1e6) },
      }) + '\n',
    );
  }
  process.stdout.write(`maxRSS (kernel, whole run): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
} finally {
  clearInterval(sampler);
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
