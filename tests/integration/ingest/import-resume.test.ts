/**
 * A restarted worker picks up at once the import its predecessor was running when it died (the import is left
 * 'running' with a fresh heartbeat and a checkpoint; the dead process's run lock went with its connection), and
 * finishes it from the checkpoint without duplicating a row.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { makeSql } from '../../../db/connection';
import { runImport } from '../../../server/ingest/import.engine';
import { ingestJobs } from '../../../server/ingest/imports.job';
import { getImportForActor, registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import { silentLogger } from '../../../server/lib/log';
import { startQueue, startWorkers, stopQueue } from '../../../server/jobs/queue';
import type { Services } from '../../../server/services';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { q, writeTmp } from './helpers';

const h = useTestServices();

describe('import resume after a restart', () => {
  it('a new worker resumes an import left running by a killed one within seconds, without duplicates', async () => {
    const t = await makeTenant(h.services);
    const lines = Array.from({ length: 3000 }, (_, i) => `R${Math.floor(i / 2)},2025-03-01 10:00:00,SKU${i % 2},10.00`);
    const file = writeTmp(`resume-${t.slug}.csv`, ['订单号,支付时间,商品编码,金额', ...lines].join('\n') + '\n');
    const reg = await registerImportFile(h.services, t.actor, { path: file, fileName: 'resume.csv', source: 'upload' });
    await setImportMapping(h.services, t.actor, reg.id, { columns: { order_no: '订单号', paid_at: '支付时间', sku: '商品编码', amount: '金额' } });

    // the old worker: two chunks committed, then it dies while another of its connections still holds the run lock
    await expect(runImport(h.services, t.id, reg.id, { chunkLines: 500, crashAfterChunks: 2 })).rejects.toThrow('simulated crash');
    const ghost = makeSql(h.url, 1);
    const [{ pid }] = await ghost<{ pid: number }[]>`select pg_backend_pid() as pid, pg_advisory_lock(hashtext('huike.import'), hashtext(${reg.id})) as l`;
    const left = await getImportForActor(h.services, t.actor, reg.id);
    expect(left).toMatchObject({ status: 'running' });
    expect(Number(left.rows_read)).toBe(1000);
    await sql`select pg_terminate_backend(${pid})`.execute(h.services.dbs.owner); // the process is killed
    await ghost.end().catch(() => undefined);

    // a new process starts its workers; nothing is queued by hand
    const services: Services = h.services;
    const defs = ingestJobs;
    await startQueue(services.queue, defs);
    try {
      await startWorkers(services.queue, defs, services, silentLogger);
      const deadline = Date.now() + 20_000; // the old watchdog waited for a heartbeat 2 minutes old
      let row = await getImportForActor(services, t.actor, reg.id);
      while (row.status === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        row = await getImportForActor(services, t.actor, reg.id);
      }
      expect(row).toMatchObject({ status: 'done', orders_created: 1500 });
      expect(Number(row.rows_read)).toBe(3000);
      const counts = await q(services, t.id, sql<{ orders: number; items: number; distinct_items: number }>`
        select (select count(*)::int from orders) as orders, (select count(*)::int from order_items) as items,
               (select count(distinct (order_id, sku))::int from order_items) as distinct_items`);
      expect(counts[0]).toEqual({ orders: 1500, items: 3000, distinct_items: 3000 });
    } finally {
      await stopQueue(services.queue, 5_000);
    }
  });
});
