import { describe, expect, inject, it } from 'vitest';
import { signIn as signInOver } from '../support/http';

const base = inject('appUrl');

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
});
