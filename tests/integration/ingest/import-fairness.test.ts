/**
 * One tenant cannot take every import worker: while its import runs (here: held up), its next import waits its
 * turn and another tenant's import runs to the end; when the first one ends, the waiting one is handed on.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { makeSql } from '../../../db/connection';
import { ingestJobs } from '../../../server/ingest/imports.job';
import { getImportForActor, queueImport, registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import { silentLogger } from '../../../server/lib/log';
import { startQueue, startWorkers, stopQueue } from '../../../server/jobs/queue';
import type { Services } from '../../../server/services';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { q, writeTmp } from './helpers';

const h = useTestServices();
const mapping = { columns: { order_no: '订单号', paid_at: '支付时间', amount: '金额' } };
type T = Awaited<ReturnType<typeof makeTenant>>;

async function prepare(t: T, name: string, n: number): Promise<string> {
  const file = writeTmp(`${name}-${t.slug}.csv`, ['订单号,支付时间,金额', ...Array.from({ length: n }, (_, i) => `${name}-${i},2025-03-01 10:00:00,10.00`)].join('\n') + '\n');
  const reg = await registerImportFile(h.services, t.actor, { path: file, fileName: `${name}.csv`, source: 'upload' });
  await setImportMapping(h.services, t.actor, reg.id, mapping);
  return reg.id;
}

async function waitFor(t: T, id: string, statuses: string[], ms = 30_000) {
  const deadline = Date.now() + ms;
  let row = await getImportForActor(h.services, t.actor, id);
  while (!statuses.includes(row.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    row = await getImportForActor(h.services, t.actor, id);
  }
  return row;
}

describe('import queue fairness', () => {
  it("a tenant's second import waits for its first; another tenant's import is not starved", async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    const a1 = await prepare(a, 'a1', 50);
    const a2 = await prepare(a, 'a2', 50);
    const b1 = await prepare(b, 'b1', 50);
    // hold tenant A's runs where they start (their import rows are locked), as a long or stuck import would
    const blocker = makeSql(h.url, 1);
    const services: Services = h.services;
    const defs = ingestJobs.filter((d) => d.name === 'ingest.import-orders');
    await startQueue(services.queue, defs);
    try {
      await queueImport(services, a.actor, a1);
      await queueImport(services, a.actor, a2);
      await queueImport(services, b.actor, b1);
      await blocker.begin(async (tx) => {
        await tx`select id from imports where tenant_id = ${a.id} for update`;
        await startWorkers(services.queue, defs, services, silentLogger); // 2 import workers
        const rowB = await waitFor(b, b1, ['done', 'failed']);
        expect(rowB.status).toBe('done');
        expect(rowB.orders_created).toBe(50);
        // A's second import is waiting its turn, not running beside the first
        expect((await getImportForActor(services, a.actor, a2)).status).toBe('queued');
      });
      // A's first import gets going; when it ends, the second is handed on
      expect((await waitFor(a, a1, ['done', 'failed'])).status).toBe('done');
      expect((await waitFor(a, a2, ['done', 'failed'])).status).toBe('done');
      const orders = await q(services, a.id, sql<{ n: number }>`select count(*)::int as n from orders`);
      expect(orders[0]!.n).toBe(100);
    } finally {
      await blocker.end();
      await stopQueue(services.queue, 5_000);
    }
  });
});
