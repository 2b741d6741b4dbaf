/**
 * An import that meets bad bytes or a database that refuses its data ends — with row rejects or a failure that
 * names its reason — and gives its connection back; a cancel works even when the process running it died.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../../server/ingest/import.engine';
import { cancelImport, getImportForActor, registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { q, writeTmp } from './helpers';

const h = useTestServices();
const HEADER = '订单号,支付时间,门店编码,商品名称,金额';
const mapping = { columns: { order_no: '订单号', paid_at: '支付时间', store_code: '门店编码', item_name: '商品名称', amount: '金额' }, unknownStores: 'create' as const };
const line = (i: number) => `N${i},2025-03-01 10:00:00,S1,北欧风抱枕 ${i},10.00`;

async function register(t: Awaited<ReturnType<typeof makeTenant>>, name: string, text: string | Buffer) {
  const file = writeTmp(`${name}-${t.slug}.csv`, text);
  const reg = await registerImportFile(h.services, t.actor, { path: file, fileName: `${name}.csv`, source: 'cli' });
  await setImportMapping(h.services, t.actor, reg.id, mapping);
  return reg.id;
}

async function stuckConnections(): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`.execute(h.services.dbs.owner);
  return r.rows[0]!.n;
}

describe('import failures', () => {
  it('a NUL byte after the first 64 KB becomes a rejected line with its reason; the rest imports', async () => {
    const t = await makeTenant(h.services);
    const lines = [HEADER, ...Array.from({ length: 2500 }, (_, i) => line(i)), 'N\u0000X,2025-03-01 10:00:00,S1,坏行,10.00', line(9999)];
    const text = lines.join('\n') + '\n';
    expect(text.indexOf('\u0000')).toBeGreaterThan(64 * 1024);
    const id = await register(t, 'nul', text);
    const s = await runImport(h.services, t.id, id);
    expect(s).toMatchObject({ status: 'done', rows_read: 2502, rows_rejected: 1, orders_created: 2501 });
    const report = readFileSync(s.error_report!, 'utf8').split('\r\n');
    expect(report[1]).toMatch(/^2502,订单号,invalid_character,.*NUL/);
    expect(await stuckConnections()).toBe(0);
  });

  // mid-stream, and on the last line (the refusal then arrives after CopyDone)
  it.each([2500, 3001])('data the database refuses in the COPY (line %i) fails the import with the reason and frees its connection and lock', async (badLine) => {
    const t = await makeTenant(h.services);
    const id = await register(t, `refused${badLine}`, [HEADER, ...Array.from({ length: 3000 }, (_, i) => line(i))].join('\n') + '\n');
    // the staging partition refuses a line with a data exception, as PostgreSQL refuses a bad byte
    const part = `import_staging_${id.replace(/-/g, '')}`;
    await h.services.ownerSql.unsafe(`create unlogged table ${part} partition of import_staging for values in ('${id}')`);
    await h.services.ownerSql.unsafe(`alter table ${part} add constraint refuse_line check (line_no < ${badLine} or 1 / (line_no - line_no) = 1)`);
    await expect(runImport(h.services, t.id, id)).rejects.toThrow(/The database refused data in the file: division by zero/);
    const row = await getImportForActor(h.services, t.actor, id);
    expect(row.status).toBe('failed');
    expect(row.error_message).toMatch(/The database refused data in the file: division by zero/);
    expect(await stuckConnections()).toBe(0);
    // the lock is free: running it again answers at once with the failed import
    await expect(runImport(h.services, t.id, id)).resolves.toMatchObject({ status: 'failed' });
    const staged = await h.services.ownerSql.unsafe(`select to_regclass('${part}') as r`);
    expect(staged[0]!.r).toBeNull();
  });

  it('cancel finishes at once an import whose process died mid-run', async () => {
    const t = await makeTenant(h.services);
    const id = await register(t, 'orphan', [HEADER, ...Array.from({ length: 3000 }, (_, i) => line(i))].join('\n') + '\n');
    await expect(runImport(h.services, t.id, id, { chunkLines: 500, crashAfterChunks: 2 })).rejects.toThrow('simulated crash');
    expect((await getImportForActor(h.services, t.actor, id)).status).toBe('running');
    await cancelImport(h.services, t.actor, id);
    const row = await getImportForActor(h.services, t.actor, id);
    expect(row.status).toBe('cancelled');
    const orders = await q(h.services, t.id, sql<{ n: number }>`select count(*)::int as n from orders`);
    expect(orders[0]!.n).toBe(0);
  });
});
