/** Signing in to the running e2e app over plain HTTP (no browser): the session cookie and the page's CSRF token. */
import { expect } from 'vitest';

export async function signIn(base: string, email: string, password = 'huike-demo'): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base }, body: new URLSearchParams({ identifier: email, password }) });
  expect(r.status).toBe(302);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await fetch(`${base}/settings`, { headers: { Cookie: cookie } });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}
