/**
 * Seeds the demo chain into an empty database (no tenants yet): tenant `demo`, its regions, stores and clerks,
 * the four demo accounts and a platform administrator, then every capability's demo step (customers, WeCom
 * contacts, orders …) in order. Deterministic: the same seed gives the same chain.
 */
import { sql } from 'kysely';
import { auditJsonb } from '../tenancy/audit';
import type { Services } from '../services';
import { systemActor, type Actor } from '../tenancy/actor';
import { withSystem, withTenant, type TenantId } from '../tenancy/context';
import { hashPassword } from '../tenancy/passwords';
import { createTenant } from '../tenancy/tenants.service';
import { DEMO_SIZE, generateChain, type ChainSize, type DemoChain } from './chain';
import type { DemoContext } from './context';
import { demoSteps } from './steps';

export const DEMO_PASSWORD = 'huike-demo';
export const DEMO_ACCOUNTS = [
  { email: 'admin@demo.huike', role: 'admin', name: '系统管理员', note: '管理员 admin' },
  { email: 'ops@demo.huike', role: 'ops', name: '私域运营', note: '运营 ops' },
  { email: 'manager@demo.huike', role: 'manager', name: '华东区域经理', note: '区域经理 manager (华东大区)' },
  { email: 'clerk@demo.huike', role: 'clerk', name: '', note: '导购 clerk' },
] as const;
export const PLATFORM_ADMIN = { email: 'root@huike.local', name: 'Platform admin' };

export async function databaseIsEmpty(services: Services): Promise<boolean> {
  const r = await withSystem(services.dbs, (db) => sql<{ n: number }>`select count(*)::int as n from tenants`.execute(db));
  return (r.rows[0]?.n ?? 0) === 0;
}

export async function seedDemoIfEmpty(services: Services, opts: { seed?: number } = {}): Promise<boolean> {
  // One process seeds; another booting at the same moment waits, then finds the tenant.
  return withSystem(services.dbs, (db) =>
    db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(727001)`.execute(conn);
      try {
        if (!(await databaseIsEmpty(services))) return false;
        await seedDemo(services, { seed: opts.seed ?? services.config.DEMO_SEED });
        return true;
      } finally {
        await sql`select pg_advisory_unlock(727001)`.execute(conn);
      }
    }),
  );
}

/** The staff rows of the demo: the accounts other than the clerk, then every clerk of the chain (the first one is clerk@). */
function demoStaffRows(tenantId: TenantId, chain: DemoChain, hash: string, storeIds: Map<string, string>) {
  const clerkAccount = chain.clerks[0]!;
  return [
    ...DEMO_ACCOUNTS.filter((a) => a.role !== 'clerk').map((a) => ({
      tenant_id: tenantId,
      name: a.name,
      email: a.email,
      mobile: null,
      role: a.role,
      password_hash: hash,
      store_id: null,
      wecom_userid: null,
      locale: null,
      last_login_at: null,
    })),
    ...chain.clerks.map((c) => ({
      tenant_id: tenantId,
      name: c.name,
      email: c === clerkAccount ? 'clerk@demo.huike' : null,
      mobile: c.mobile,
      role: 'clerk' as const,
      password_hash: hash,
      store_id: storeIds.get(c.storeCode)!,
      wecom_userid: c.userid,
      locale: null,
      last_login_at: null,
    })),
  ];
}

/**
 * Regions, stores and staff of the chain in one transaction (the regional manager scoped to 华东), audited;
 * fills `storeIds` (code → id) and `staffIds` (WeCom userid, or email for the accounts → id).
 */
async function insertDemoOrganisation(services: Services, tenantId: TenantId, actor: Actor, chain: DemoChain, hash: string, storeIds: Map<string, string>, staffIds: Map<string, string>): Promise<void> {
  await withTenant(services.dbs, tenantId, async (trx) => {
    const regions = await trx
      .insertInto('regions')
      .values(chain.regions.map((r) => ({ tenant_id: tenantId, code: r.code, name: r.name })))
      .returning(['id', 'code'])
      .execute();
    const regionId = new Map(regions.map((r) => [r.code, r.id]));
    const stores = await trx
      .insertInto('stores')
      .values(chain.stores.map((s) => ({ tenant_id: tenantId, code: s.code, name: s.name, region_id: regionId.get(s.regionCode) ?? null, city: s.city, address: s.address, opened_on: s.openedOn })))
      .returning(['id', 'code'])
      .execute();
    for (const s of stores) storeIds.set(s.code, s.id);
    const staffRows = demoStaffRows(tenantId, chain, hash, storeIds);
    const inserted = await trx.insertInto('staff').values(staffRows).returning(['id', 'email', 'wecom_userid']).execute();
    for (const s of inserted) staffIds.set(s.wecom_userid ?? s.email ?? '', s.id);
    const managerId = inserted.find((s) => s.email === 'manager@demo.huike')!.id;
    await trx.insertInto('staff_scopes').values({ tenant_id: tenantId, staff_id: managerId, region_id: regionId.get('EAST')!, store_id: null }).execute();
    await trx
      .insertInto('audit_log')
      .values({ tenant_id: tenantId, actor_staff_id: null, actor_label: actor.label, action: 'demo.seed', entity_type: 'tenant', entity_id: tenantId, before: null, after: auditJsonb({ regions: regions.length, stores: stores.length, staff: inserted.length }), request_id: null })
      .execute();
  });
}

/** Runs every capability's demo step in order, logging how long each took. */
async function runDemoSteps(ctx: DemoContext): Promise<void> {
  for (const step of demoSteps) {
    const started = Date.now();
    await step.run(ctx);
    ctx.log(`Demo step "${step.name}" done in ${Date.now() - started} ms`);
  }
}

/** Seeds the demo tenant (see the module comment); `steps: false` stops after the chain and the accounts. */
export async function seedDemo(
  services: Services,
  opts: { seed: number; slug?: string; size?: ChainSize; customers?: number; orderYears?: number; steps?: boolean },
): Promise<DemoContext> {
  const log = (m: string) => services.log.info(m);
  const chain = generateChain(opts.seed, opts.size ?? DEMO_SIZE);
  const tenant = await createTenant(services, { slug: opts.slug ?? 'demo', name: `${chain.brand}（演示）`, timezone: 'Asia/Shanghai', currency: 'CNY' }, { isDemo: true, actorLabel: 'demo-seed' });
  const tenantId = tenant.id;
  const actor = systemActor(tenantId, tenant.slug, 'demo-seed');
  const hash = await hashPassword(DEMO_PASSWORD);
  const storeIds = new Map<string, string>();
  const staffIds = new Map<string, string>();
  await insertDemoOrganisation(services, tenantId, actor, chain, hash, storeIds, staffIds);
  await withSystem(services.dbs, (db) =>
    db.insertInto('platform_admins').values({ email: PLATFORM_ADMIN.email, name: PLATFORM_ADMIN.name, password_hash: hash }).onConflict((oc) => oc.column('email').doNothing()).execute(),
  );
  const ctx: DemoContext = {
    services,
    tenantId,
    seed: opts.seed,
    chain,
    storeIds,
    staffIds,
    scale: { customers: opts.customers ?? 3000, orderYears: opts.orderYears ?? 2 },
    log,
  };
  log(`Demo chain: ${chain.regions.length} regions, ${chain.stores.length} stores, ${chain.clerks.length} clerks`);
  if (opts.steps !== false) await runDemoSteps(ctx);
  return ctx;
}

export function demoLoginBanner(url: string): string {
  const lines = [
    '',
    `  回客 Huike is running at ${url}`,
    '',
    `  Demo logins (password: ${DEMO_PASSWORD})`,
    ...DEMO_ACCOUNTS.map((a) => `    ${a.email.padEnd(22)} ${a.note}`),
    `    ${PLATFORM_ADMIN.email.padEnd(22)} 平台管理员 platform admin (creates tenants)`,
    '',
  ];
  return lines.join('\n');
}
