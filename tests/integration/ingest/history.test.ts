/**
 * The import history as a user meets it: a draft left at the mapping step can be deleted (audited, its stored
 * upload removed, a started import refused), the history filters by status, and the result page's rejected rows
 * come from the error report in the file's line order.
 */
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../server/cli/main';
import { readRejectedLines } from '../../../server/ingest/error-report';
import { discardImport, getImportForActor, listImportsForActor, registerImportFile } from '../../../server/ingest/imports.service';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { importFile, q, writeTmp } from './helpers';

const h = useTestServices();
const csv = ['订单号,支付时间,门店编码,金额', 'H1,2025-03-01 10:00:00,S1,10.00', 'H2,2025-03-01 11:00:00,S1,20.00'].join('\n') + '\n';
const mapping = { columns: { order_no: '订单号', paid_at: '支付时间', store_code: '门店编码', amount: '金额' } };

describe('import history', () => {
  it('the CLI rejects an unknown store code by default; --unknown-stores create creates it and names it', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`cli-unknown-${t.slug}.csv`, ['订单号,支付时间,门店编码,金额', 'C1,2025-03-01 10:00:00,S1,10.00', 'C2,2025-03-01 10:00:00,S777,10.00'].join('\n') + '\n');
    const run = async (...flags: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['import', 'orders', file, '--tenant', t.slug, '--map', 'order_no=订单号,paid_at=支付时间,store_code=门店编码,amount=金额', ...flags], { out: (l) => out.push(l), err: (l) => err.push(l) }, async () => h.services);
      expect(code).toBe(0);
      return { summary: JSON.parse(out.at(-1)!) as Record<string, unknown>, err: err.join('\n') };
    };
    const first = await run();
    expect(first.summary).toMatchObject({ orders_created: 1, orders_rejected: 1, stores_created: 0, stores_created_codes: [] });
    const second = await run('--unknown-stores', 'create');
    expect(second.summary).toMatchObject({ orders_created: 1, orders_unchanged: 1, stores_created: 1, stores_created_codes: ['S777'] });
    expect(second.err).toContain('stores created: S777');
  });

  it('deletes a draft with an audit entry and removes its stored upload; a started import is refused', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`draft-${t.slug}.csv`, csv);
    const draft = await registerImportFile(h.services, t.actor, { path: file, fileName: '草稿.csv', source: 'upload' });
    await discardImport(h.services, t.actor, draft.id);
    await expect(getImportForActor(h.services, t.actor, draft.id)).rejects.toThrow(/No such import/);
    expect(existsSync(file)).toBe(false);
    const log = await q(h.services, t.id, sql<{ action: string; entity_id: string; before: { file: string } }>`select action, entity_id, before from audit_log where action = 'import.delete'`);
    expect(log).toEqual([{ action: 'import.delete', entity_id: draft.id, before: { file: '草稿.csv', status: 'uploaded' } }]);

    // an import that ran is history, not a draft: refused, kept
    const file2 = writeTmp(`done-${t.slug}.csv`, csv);
    const done = await importFile(h.services, t.actor, file2, mapping);
    await expect(discardImport(h.services, t.actor, done.id)).rejects.toThrow(/Only a draft import/);
    expect((await getImportForActor(h.services, t.actor, done.id)).status).toBe('done');

    // a CLI draft's file is the user's own: the row goes, the file stays
    const file3 = writeTmp(`cli-${t.slug}.csv`, csv);
    const cli = await registerImportFile(h.services, t.actor, { path: file3, fileName: 'cli.csv', source: 'cli' });
    await discardImport(h.services, t.actor, cli.id);
    expect(existsSync(file3)).toBe(true);
  });

  it('filters the history by status', async () => {
    const t = await makeTenant(h.services);
    const done = await importFile(h.services, t.actor, writeTmp(`f1-${t.slug}.csv`, csv), mapping);
    const draft = await registerImportFile(h.services, t.actor, { path: writeTmp(`f2-${t.slug}.csv`, csv), fileName: 'f2.csv', source: 'cli' });
    const list = (status?: 'uploaded' | 'done' | 'failed') => listImportsForActor(h.services, t.actor, { sort: 'created_at', dir: 'desc', page: 1, size: 25, status });
    expect((await list()).rows.map((r) => r.id).sort()).toEqual([done.id, draft.id].sort());
    expect(await list('uploaded')).toMatchObject({ total: 1, rows: [{ id: draft.id, status: 'uploaded' }] });
    expect(await list('done')).toMatchObject({ total: 1, rows: [{ id: done.id, status: 'done' }] });
    expect(await list('failed')).toMatchObject({ total: 0, rows: [] });
  });

  it('the result page reads the first rejected lines in line order, with the file’s headers', async () => {
    const t = await makeTenant(h.services);
    const lines = ['订单号,支付时间,门店编码,金额'];
    // 30 lines: every third has an unknown store (an order check in SQL), every third a bad date (a row check)
    for (let i = 1; i <= 30; i++) lines.push(`R${i},${i % 3 === 1 ? '2025-02-30 10:00:00' : '2025-03-01 10:00:00'},${i % 3 === 2 ? 'S404' : 'S1'},${i}.00`);
    const r = await importFile(h.services, t.actor, writeTmp(`sample-${t.slug}.csv`, lines.join('\n') + '\n'), mapping);
    expect(r.summary).toMatchObject({ rows_rejected: 20, orders_created: 10 });
    const row = await getImportForActor(h.services, t.actor, r.id);
    const shown = await readRejectedLines(row.error_report_path, 15);
    expect(shown.header).toEqual(['订单号', '支付时间', '门店编码', '金额']);
    expect(shown.rows.map((x) => x.line)).toEqual([2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23]);
    expect(shown.rows[0]).toMatchObject({ column: '支付时间', reason: 'invalid_paid_at', values: ['R1', '2025-02-30 10:00:00', 'S1', '1.00'] });
    expect(shown.rows[1]).toMatchObject({ column: '门店编码', reason: 'unknown_store', message: '门店不存在 / unknown store code: "S404"', values: ['R2', '2025-03-01 10:00:00', 'S404', '2.00'] });
  });
});
