/**
 * Files built to eat memory and CPU are refused up front with a clear error: a line without line breaks, a
 * workbook whose sheet declares gigabytes, a workbook whose sheet unpacks to far more than it declares.
 */
import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../../server/ingest/import.engine';
import { getImportForActor, registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { makeZip, sheetXml, workbookEntries } from '../../support/zip';
import { importFile, q, writeTmp } from './helpers';

const h = useTestServices();
const HEADER = '订单号,支付时间,金额';
const mapping = { columns: { order_no: '订单号', paid_at: '支付时间', amount: '金额' } };
const good = (i: number) => `L${i},2025-03-01 10:00:00,10.00`;

describe('input limits', () => {
  it('a file that is one 3 MB line is refused at upload with the line named', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`oneline-${t.slug}.csv`, HEADER + '\n' + 'x,'.repeat(1_500_000));
    await expect(registerImportFile(h.services, t.actor, { path: file, fileName: 'oneline.csv', source: 'cli' })).rejects.toThrow(/Line 2 is longer than 1024K characters/);
  });

  it('a header of more than 1000 columns is refused at upload', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`wide-${t.slug}.csv`, Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',') + '\n' + '1,'.repeat(4999) + '1\n');
    await expect(registerImportFile(h.services, t.actor, { path: file, fileName: 'wide.csv', source: 'cli' })).rejects.toThrow(/The header has 5000 columns, over the limit of 1000/);
  });

  it('a long line deep in the file fails the import with its reason; nothing of it is merged', async () => {
    const t = await makeTenant(h.services);
    const lines = [HEADER, ...Array.from({ length: 3000 }, (_, i) => good(i)), '"' + 'y'.repeat(3 * 1024 * 1024), good(9999)];
    const file = writeTmp(`deep-${t.slug}.csv`, lines.join('\n') + '\n');
    const reg = await registerImportFile(h.services, t.actor, { path: file, fileName: 'deep.csv', source: 'cli' });
    await setImportMapping(h.services, t.actor, reg.id, mapping);
    await expect(runImport(h.services, t.id, reg.id)).rejects.toThrow(/Line 3002 is longer than/);
    const row = await getImportForActor(h.services, t.actor, reg.id);
    expect(row.status).toBe('failed');
    expect(row.error_message).toMatch(/Line 3002 is longer than 1024K characters/);
    const orders = await q(h.services, t.id, sql<{ n: number }>`select count(*)::int as n from orders`);
    expect(orders[0]!.n).toBe(0);
  });

  it('a file whose header lost a mapped column by the time it is read fails with the columns named, and is closed', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`changed-${t.slug}.csv`, [HEADER, good(1)].join('\n') + '\n');
    const reg = await registerImportFile(h.services, t.actor, { path: file, fileName: 'changed.csv', source: 'cli' });
    await setImportMapping(h.services, t.actor, reg.id, mapping);
    // the file on disk changes after its upload was mapped (a CLI import of a file someone rewrote meanwhile)
    writeFileSync(file, ['订单号,支付时间', 'L1,2025-03-01 10:00:00'].join('\n') + '\n');
    const opened = () => readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`) === file; } catch { return false; } }).length;
    await expect(runImport(h.services, t.id, reg.id)).rejects.toThrow(/Column\(s\) not in the file: amount=金额/);
    expect((await getImportForActor(h.services, t.actor, reg.id)).status).toBe('failed');
    if (existsSync('/proc/self/fd')) expect(opened()).toBe(0);
  });

  it('a small workbook declaring a 4 GB sheet is refused before it is read', async () => {
    const t = await makeTenant(h.services);
    const zip = makeZip(workbookEntries(sheetXml(3), 4_000_000_000));
    expect(zip.length).toBeLessThan(4096);
    const file = writeTmp(`declared-${t.slug}.xlsx`, zip);
    await expect(registerImportFile(h.services, t.actor, { path: file, fileName: 'declared.xlsx', source: 'cli' })).rejects.toThrow(/A worksheet unpacks to 3815 MB, over the 1024 MB limit; save it as CSV/);
  });

  it('a workbook whose sheet unpacks to more than it declares is refused after reading no more than it declared', async () => {
    const t = await makeTenant(h.services);
    const xml = sheetXml(400_000, true); // ~36 MB of rows in a few hundred KB
    const zip = makeZip(workbookEntries(xml, 4096));
    expect(zip.length).toBeLessThan(1_000_000);
    const file = writeTmp(`liar-${t.slug}.xlsx`, zip);
    await expect(registerImportFile(h.services, t.actor, { path: file, fileName: 'liar.xlsx', source: 'cli' })).rejects.toThrow(/unpacks to more than it declares \(xl\/worksheets\/sheet1\.xml\)/);
  });

  it('the same hand-made workbook with honest sizes imports', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`honest-${t.slug}.xlsx`, makeZip(workbookEntries(sheetXml(3))));
    const { summary } = await importFile(h.services, t.actor, file, mapping);
    expect(summary).toMatchObject({ status: 'done', rows_read: 3, orders_created: 3 });
  });
});
