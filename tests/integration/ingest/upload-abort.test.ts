/**
 * An upload that the client aborts mid-body, served over a real socket the way the express host serves it
 * (Remix's request body adapter): the handler answers an error, removes the partial file, no promise rejection
 * goes unhandled, and the next upload works.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { createReadableStreamFromReadable } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveOrderUpload } from '../../../server/ingest/upload';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';

const h = useTestServices();

type Outcome = { status: number; message: string };

describe('aborted upload', () => {
  let server: Server;
  let port = 0;
  let tenant: Awaited<ReturnType<typeof makeTenant>>;
  const outcomes: Promise<Outcome>[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    tenant = await makeTenant(h.services);
    server = createServer((req, res) => {
      const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])) as [string, string][]);
      const done = receiveOrderUpload(h.services, tenant.actor, headers, createReadableStreamFromReadable(req)).then(
        (r) => ({ status: 201, message: r.id }),
        (e: Error & { status?: number }) => ({ status: e.status ?? 500, message: e.message }),
      );
      outcomes.push(done);
      void done.then((o) => {
        if (!res.destroyed) res.writeHead(o.status, { 'content-type': 'text/plain' }).end(o.message);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await new Promise((r) => server.close(r));
  });

  const uploadDir = () => path.join(h.services.config.DATA_DIR, 'uploads', tenant.id);
  const filesInDir = () => (existsSync(uploadDir()) ? readdirSync(uploadDir()) : []);

  it('cleans the partial file, answers an error, and the next upload works', async () => {
    const before = new Set(filesInDir());
    const boundary = '----huikeabort';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="orders.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const line = 'A1,2025-03-01 10:00:00,1,10.00\n';
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 50000000\r\n\r\n`);
    sock.write(head + '订单号,支付时间,数量,单价\n' + line.repeat(20_000));
    // the partial file is on disk, then the client goes away mid-body
    for (let i = 0; i < 200 && filesInDir().filter((f) => !before.has(f)).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(filesInDir().filter((f) => !before.has(f))).toHaveLength(1);
    sock.destroy();

    const aborted = await outcomes[0]!;
    expect(aborted.status).toBe(400);
    expect(aborted.message).toContain('The upload did not complete');
    await new Promise((r) => setTimeout(r, 100)); // let any stray rejection surface
    expect(unhandled).toEqual([]);
    expect(filesInDir().filter((f) => !before.has(f))).toEqual([]);

    // the server still serves: a complete upload registers its import
    const body = Buffer.from(head + '订单号,支付时间,数量,单价\n' + line + `\r\n--${boundary}--\r\n`);
    const res = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status).toBe(201);
    expect(filesInDir().filter((f) => !before.has(f))).toHaveLength(1);
  });
});
