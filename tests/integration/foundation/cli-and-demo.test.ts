import { describe, expect, it } from 'vitest';
import { generateChain } from '../../../server/demo/chain';
import { seedDemo, seedDemoIfEmpty } from '../../../server/demo/seed';
import { runCli } from '../../../server/cli/main';
import { withSystem } from '../../../server/tenancy/context';
import { login } from '../../../server/tenancy/auth.service';
import { useTestServices } from '../../support/db';

const h = useTestServices();

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('CLI', () => {
  it('creates a tenant, a user who can sign in, and an API key printed as the last line', async () => {
    const a = io();
    expect(await runCli(['tenant', 'create', 'cli-chain', '--name', 'CLI 连锁', '--timezone', 'Asia/Hong_Kong'], a.io, async () => h.services)).toBe(0);
    expect(a.out.join('\n')).toContain('cli-chain');
    const b = io();
    expect(await runCli(['user', 'create', '--tenant', 'cli-chain', '--email', 'ops@cli.example', '--role', 'ops', '--password', 'pass-word-1'], b.io, async () => h.services)).toBe(0);
    await expect(login(h.services, { identifier: 'ops@cli.example', password: 'pass-word-1', ip: null, userAgent: null })).resolves.toMatchObject({ kind: 'staff', role: 'ops' });
    const c = io();
    expect(await runCli(['apikey', 'create', '--tenant', 'cli-chain', '--name', 'pos'], c.io, async () => h.services)).toBe(0);
    expect(c.out.at(-1)).toMatch(/^hk_[A-Za-z0-9_-]{30,}$/);
  });

  it('errors print a clear message and exit non-zero', async () => {
    const a = io();
    expect(await runCli(['tenant', 'create', 'Bad Slug!', '--name', 'x'], a.io, async () => h.services)).toBe(1);
    expect(a.err.join('\n')).toMatch(/slug/);
    const b = io();
    expect(await runCli(['user', 'create', '--tenant', 'no-such-tenant', '--email', 'x@y.z', '--role', 'ops', '--password', '12345678'], b.io, async () => h.services)).toBe(1);
    expect(b.err.join('\n')).toContain('no-such-tenant');
    const c = io();
    expect(await runCli(['user', 'create', '--tenant', 'x', '--role', 'boss', '--password', '12345678'], c.io, async () => h.services)).toBe(2);
    expect(c.err.join('\n')).toContain('--role must be one of');
    const d = io();
    expect(await runCli(['frobnicate'], d.io, async () => h.services)).toBe(2);
    expect(d.err.join('\n')).toContain('Unknown command');
    const e = io();
    expect(await runCli(['tenant', 'create', 'x1', '--nmae', 'typo'], e.io, async () => h.services)).toBe(2);
  });
});

describe('demo chain', () => {
  it('is deterministic: the same seed gives the same chain, another seed another one', () => {
    const a = generateChain(42);
    expect(generateChain(42)).toEqual(a);
    expect(generateChain(43)).not.toEqual(a);
    expect(a.regions).toHaveLength(3);
    expect(a.stores).toHaveLength(12);
    expect(a.clerks).toHaveLength(60);
    expect(new Set(a.clerks.map((c) => c.mobile)).size).toBe(60);
  });

  it('scales by parameters', () => {
    const big = generateChain(1, { regions: 5, stores: 300, clerks: 3000 });
    expect(big.stores).toHaveLength(300);
    expect(big.clerks).toHaveLength(3000);
    expect(new Set(big.stores.map((s) => s.code)).size).toBe(300);
  });

  it('seeds the demo accounts once into an empty database, then never again', async () => {
    expect(await seedDemoIfEmpty(h.services, { seed: 7 })).toBe(false); // other tests created tenants already
    const ctx = await seedDemo(h.services, { seed: 7, slug: 'demo-test', steps: false });
    const staff = await withSystem(h.services.dbs, (db) => db.selectFrom('staff').select(['email', 'role']).where('tenant_id', '=', ctx.tenantId).where('email', 'is not', null).orderBy('email').execute());
    expect(staff).toEqual([
      { email: 'admin@demo.huike', role: 'admin' },
      { email: 'clerk@demo.huike', role: 'clerk' },
      { email: 'manager@demo.huike', role: 'manager' },
      { email: 'ops@demo.huike', role: 'ops' },
    ]);
    await expect(login(h.services, { identifier: 'manager@demo.huike', password: 'huike-demo', tenantSlug: 'demo-test', ip: null, userAgent: null })).resolves.toMatchObject({ role: 'manager' });
  });
});
