/**
 * The upload path end to end without a browser: a multipart body streamed through the upload handler to disk
 * (GBK file name and content), registered with its preview, mapped, queued, and run by the pg-boss worker.
 */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ingestJobs } from '../../../server/ingest/imports.job';
import { getImportForActor, queueImport, setImportMapping } from '../../../server/ingest/imports.service';
import { receiveOrderUpload } from '../../../server/ingest/upload';
import { silentLogger } from '../../../server/lib/log';
import type { Services } from '../../../server/services';
import { startQueue, startWorkers, stopQueue } from '../../../server/jobs/queue';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';

const h = useTestServices();

function multipart(fileName: string, content: Buffer): { headers: Headers; body: ReadableStream<Uint8Array> } {
  const boundary = '----huike' + Math.random().toString(36).slice(2);
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`, 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const all = Buffer.concat([head, content, tail]);
  // delivered in small pieces, as a network would
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= all.length) return c.close();
      c.enqueue(new Uint8Array(all.subarray(at, at + 7)));
      at += 7;
    },
  });
  return { headers: new Headers({ 'content-type': `multipart/form-data; boundary=${boundary}` }), body };
}

describe('upload → queue → worker', () => {
  it('streams a GBK upload to disk, previews it and imports it through the pg-boss job', async () => {
    const t = await makeTenant(h.services);
    const csv = ['订单号,支付时间,门店编码,门店名称,商品编码,商品名称,数量,单价,会员号', 'U1,2025-03-01 10:00:00,GZ1,广州天河店,A,抱枕,2,89.00,M1', 'U1,2025-03-01 10:00:00,GZ1,广州天河店,B,马克杯,1,39.00,M1', 'U2,2025-02-30 10:00:00,GZ1,广州天河店,A,抱枕,1,89.00,M2'].join('\r\n') + '\r\n';
    const { headers, body } = multipart('广州订单.csv', iconv.encode(csv, 'gbk'));
    const reg = await receiveOrderUpload(h.services, t.actor, headers, body);
    const row0 = await getImportForActor(h.services, t.actor, reg.id);
    expect(row0.file_name).toBe('广州订单.csv');
    expect(row0.encoding).toBe('gb18030');
    expect(row0.preview?.[0]?.[3]).toBe('广州天河店');
    await setImportMapping(h.services, t.actor, reg.id, { columns: { order_no: '订单号', paid_at: '支付时间', store_code: '门店编码', store_name: '门店名称', sku: '商品编码', item_name: '商品名称', quantity: '数量', unit_price: '单价', member_no: '会员号' }, unknownStores: 'create' });
    const services: Services = h.services;
    const defs = ingestJobs.filter((d) => d.name === 'ingest.import-orders');
    await startQueue(services.queue, defs);
    try {
      await startWorkers(services.queue, defs, services, silentLogger);
      await queueImport(services, t.actor, reg.id);
      const deadline = Date.now() + 30_000;
      let row = await getImportForActor(services, t.actor, reg.id);
      while (row.status !== 'done' && row.status !== 'failed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        row = await getImportForActor(services, t.actor, reg.id);
      }
      expect(row).toMatchObject({ status: 'done', orders_created: 1, customers_created: 1, stores_created: 1 });
      expect(Number(row.rows_read)).toBe(3);
      expect(Number(row.rows_rejected)).toBe(1);
      expect(row.job_id).toBeTruthy();
    } finally {
      await stopQueue(services.queue, 5_000);
    }
  });
});
