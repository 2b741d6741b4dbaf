/**
 * Against the real host (`server/index.ts`, express + Remix): a client that drops an upload mid-body does not
 * take the server down, leaves no partial file in DATA_DIR/uploads, and the next upload works.
 */
import { readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const base = inject('appUrl');
const uploads = path.join(inject('appDataDir'), 'uploads');

function uploadedFiles(): string[] {
  try {
    return readdirSync(uploads).flatMap((d) => (statSync(path.join(uploads, d)).isDirectory() ? readdirSync(path.join(uploads, d)).map((f) => path.join(d, f)) : []));
  } catch {
    return [];
  }
}

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base }, body: new URLSearchParams({ identifier: 'ops@demo.huike', password: 'huike-demo' }) });
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const html = await (await fetch(`${base}/imports/new`, { headers: { Cookie: cookie } })).text();
  const csrf = /"csrfToken":"([^"]+)"/.exec(html)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

describe('aborted upload against the running app', () => {
  it('the server keeps serving, no partial file remains, the next upload works', async () => {
    const { cookie, csrf } = await signIn();
    const before = new Set(uploadedFiles());
    const fresh = () => uploadedFiles().filter((f) => !before.has(f));
    const boundary = '----huikee2eabort';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="orders.csv"\r\nContent-Type: text/csv\r\n\r\n订单号,支付时间,金额\n`;
    const url = new URL(`${base}/imports/new?_data=routes%2F_app.imports.new`);
    const sock = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(
      `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\nOrigin: ${base}\r\nX-CSRF-Token: ${csrf}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 50000000\r\n\r\n`,
    );
    sock.write(head + 'A1,2025-03-01 10:00:00,10.00\n'.repeat(20_000));
    for (let i = 0; i < 200 && fresh().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(fresh()).toHaveLength(1); // the partial file is on disk
    sock.destroy();
    for (let i = 0; i < 200 && fresh().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(fresh()).toEqual([]);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const body = Buffer.from(head + 'A1,2025-03-01 10:00:00,10.00\n' + `\r\n--${boundary}--\r\n`);
    const ok = await fetch(url, { method: 'POST', headers: { Cookie: cookie, Origin: base, 'X-CSRF-Token': csrf, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, id: expect.any(String) });
  });
});
