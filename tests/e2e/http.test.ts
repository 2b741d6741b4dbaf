import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { signIn as signInOver } from '../support/http';

const base = inject('appUrl');
const appLog = inject('appLog');

const signIn = (email: string) => signInOver(base, email);

describe('HTTP boundary', () => {
  it('/healthz reports database and queue', async () => {
    const r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', database: 'ok', queue: 'ok' });
  });

  it('a mutation without the CSRF token, or from another origin, is refused and changes nothing', async () => {
    const { cookie, csrf } = await signIn('admin@demo.huike');
    const body = { name: 'Hacked', timezone: 'UTC', currency: 'USD', locale: 'en' };
    const noToken = await fetch(`${base}/settings?index`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
    expect(noToken.status).toBe(403);
    const crossSite = await fetch(`${base}/settings?index`, { method: 'POST', headers: { Cookie: cookie, Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...body, _csrf: csrf }) });
    expect(crossSite.status).toBe(403);
    const page = await (await fetch(`${base}/settings`, { headers: { Cookie: cookie } })).text();
    expect(page).not.toContain('Hacked');
    // With the token it works (and is undone).
    const ok = await fetch(`${base}/settings?index`, { method: 'POST', headers: { Cookie: cookie, Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: '悦享生活（演示）', timezone: 'Asia/Shanghai', currency: 'CNY', locale: 'zh-CN', _csrf: csrf }) });
    expect(ok.status).toBe(200);
  });

  it('the API refuses requests without a valid key, and serves its OpenAPI document', async () => {
    const r = await fetch(`${base}/api/v1/analytics/summary`);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const bad = await fetch(`${base}/api/v1/analytics/summary`, { headers: { Authorization: 'Bearer hk_wrongwrongwrongwrongwrongwrong' } });
    expect(bad.status).toBe(401);
    const doc = await fetch(`${base}/api/v1/openapi.json`);
    expect(doc.status).toBe(200);
    expect(await doc.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
  });

  it('sessions are httpOnly cookies and pages send security headers', async () => {
    const r = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base }, body: new URLSearchParams({ identifier: 'ops@demo.huike', password: 'huike-demo' }) });
    expect(r.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves a favicon, and a missing asset is a plain 404 logged as one line, not a stack trace', async () => {
    const ico = await fetch(`${base}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toMatch(/icon/);
    expect(Buffer.from(await ico.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    const svg = await fetch(`${base}/favicon.svg`);
    expect(svg.status).toBe(200);
    const login = await (await fetch(`${base}/login`)).text();
    expect(login).toMatch(/<link rel="icon" href="\/favicon\.svg"/);

    const tag = Date.now().toString(36);
    for (const missing of [`/apple-touch-icon-${tag}.png`, `/build/_shared/chunk-${tag}.js`, `/static/${tag}/logo.svg`]) {
      const r = await fetch(`${base}${missing}`);
      expect(r.status, missing).toBe(404);
      expect(await r.text()).toBe('Not found');
    }
    // The log is written as the app goes: wait for the last line, then read what it says about these requests.
    let lines: string[] = [];
    for (let i = 0; i < 50 && lines.length < 3; i++) {
      lines = readFileSync(appLog, 'utf8').split('\n').filter((l) => l.includes(tag));
      if (lines.length < 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines).toHaveLength(3);
    // One line each (Remix's "No route matches URL" error would name the path too, with a stack trace below it).
    for (const l of lines) expect(l).toMatch(/asset not found .*status=404 path=\S+/);
  });

  it('was started as `npm start` starts it, and printed where to log in with the demo accounts', async () => {
    // tests/support/global-app.ts runs scripts/start.mjs on a fresh data directory, as README's first line does.
    const log = readFileSync(appLog, 'utf8');
    expect(log).toMatch(/Ready in \d+ ms \(demo chain seeded\)/);
    expect(log).toContain(`回客 Huike is running at ${base}`);
    expect(log).toMatch(/Demo logins \(password: huike-demo\)/);
    for (const account of ['admin@demo.huike', 'ops@demo.huike', 'manager@demo.huike']) expect(log).toContain(account);
    // The start script loads db/postgres-fix.mjs, without which postgres.js warns that a restart would stop it.
    expect(log).not.toContain('postgres.js was loaded without');
    const r = await fetch(`${base}/login`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('登录');
  });
});
