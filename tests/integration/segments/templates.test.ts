/**
 * Every ready-made segment on the demo chain (600 customers, a year of orders, WeCom relations, metrics and
 * predictions): its saved size and its live count equal a count written independently here in SQL.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEGMENT_TEMPLATES, CHURN_P_ALIVE } from '../../../app/lib/segments/templates';
import { seedDemo } from '../../../server/demo/seed';
import { installExtensions } from '../../../server/extensions';
import { createSegment, segmentCount } from '../../../server/segments/segments.service';
import { systemActor } from '../../../server/tenancy/actor';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';

const h = useTestServices();
let t: TenantId;

const INDEPENDENT: Record<string, string> = {
  due: `cm.is_due`,
  new_no_repeat: `cm.frequency = 1 and cm.first_purchase between s.as_of - 90 and s.as_of - 30`,
  dormant: `cm.rfm_group in ('at_risk', 'hibernating')`,
  high_value: `cm.rfm_group = 'champions'`,
  churn_risk: `cm.frequency >= 2 and cm.p_alive < ${CHURN_P_ALIVE}`,
  member_no_wecom: `exists (select 1 from customer_identities ci where ci.tenant_id = c.tenant_id and ci.customer_id = c.id and ci.kind = 'member_no')
    and not exists (select 1 from customer_follows f where f.tenant_id = c.tenant_id and f.customer_id = c.id and f.ended_at is null)`,
};

beforeAll(async () => {
  await installExtensions(h.services);
  const ctx = await seedDemo(h.services, { seed: 11, slug: 'demo-segments', customers: 600, orderYears: 1 });
  t = ctx.tenantId as TenantId;
}, 240_000);

describe('segment templates', () => {
  it.each(SEGMENT_TEMPLATES.map((x) => [x.key, x.name[0]]))('%s (%s) counts what independent SQL counts', async (key) => {
    const actor = systemActor(t, 'demo-segments', 'test');
    const expected = await withTenant(h.services.dbs, t, async (trx) => {
      const r = await sql<{ n: number }>`select count(*)::int as n from customers c
        join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
        join analytics_state s on s.tenant_id = c.tenant_id
        where c.tenant_id = ${t} and c.merged_into is null and ${sql.raw(INDEPENDENT[key]!)}`.execute(trx);
      return r.rows[0]!.n;
    });
    expect(expected).toBeGreaterThan(0);
    const saved = await withTenant(h.services.dbs, t, (trx) => createSegment(trx, actor, { name: `tpl-${key}`, template: key }));
    expect(saved.size).toBe(expected);
    expect(saved.rule).toEqual(SEGMENT_TEMPLATES.find((x) => x.key === key)!.rule);
    expect((await withTenant(h.services.dbs, t, (trx) => segmentCount(trx, actor, saved.id))).count).toBe(expected);
  });
});
