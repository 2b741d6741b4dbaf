/**
 * "Save as segment" from the customers list: the list is served through the rule compiler, so the rule built from
 * the list's filters (app/lib/segments/from-filters) holds the customers the list shows — for the click-throughs of
 * the dashboards (RFM cell, lifecycle stage, a store's due customers, a clerk's customers), the list's own filters
 * and the member filters.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleFromCustomerFilters, type ListFilters } from '../../../app/lib/segments/from-filters';
import { listCustomerMetrics } from '../../../server/customers/customer-list.service';
import { filterOptions } from '../../../server/analytics/filters';
import { compileRule } from '../../../server/customers/rule-compiler';
import { nextMemberIds } from '../../../server/segments/actions.repository';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { buildWorld, day, type World } from './world';

const h = useTestServices();
let w: World;
let cellOfA: { r: number; fm: number };
let groupOfA: string;

beforeAll(async () => {
  w = await buildWorld(h.services);
  const m = await withTenant(h.services.dbs, w.t.id, (trx) => trx.selectFrom('customer_metrics').select(['r_score', 'fm_score', 'rfm_group']).where('tenant_id', '=', w.t.id).where('customer_id', '=', w.ids.A).executeTakeFirstOrThrow());
  cellOfA = { r: m.r_score!, fm: m.fm_score! };
  groupOfA = m.rfm_group!;
  await withTenant(h.services.dbs, w.t.id, (trx) =>
    sql`update customers set member_level = case when display_name in ('A', 'C') then '金卡' end, marketing_opt_out = (display_name = 'B'),
        member_points = case display_name when 'A' then 500 when 'D' then 80 end where tenant_id = ${w.t.id}`.execute(trx),
  );
}, 60_000);

describe('save as segment from the customers list', () => {
  const cases: [string, (w: World) => ListFilters][] = [
    ['a lifecycle stage', () => ({ stage: 'prospect' })],
    ['an RFM cell', () => cellOfA],
    ['an RFM group', () => ({ group: groupOfA })],
    ['a store’s customers that are not due', () => ({ store: 'S1', due: false })],
    ['a region, not due', () => ({ region: 'R2', due: false })],
    ['a tag', (x) => ({ tag: x.tags.T1 })],
    ['first purchase dates', () => ({ first_from: day(35), first_to: day(1) })],
    ['a clerk’s customers (Stores & clerks dashboard)', (x) => ({ clerk: x.staff.clerk1.id })],
    ['a member level', () => ({ level: '金卡' })],
    ['member points and no opt-out', () => ({ points_min: 50, opt_out: false })],
    ['opted out of marketing', () => ({ opt_out: true })],
  ];
  it.each(cases)('%s: the segment holds the customers the list shows', async (_name, make) => {
    const filters = make(w);
    const [listed, segment] = await withTenant(h.services.dbs, w.t.id, async (trx) => {
      const options = await filterOptions(trx, w.admin);
      const list = await listCustomerMetrics(trx, w.admin, { sort: 'monetary', dir: 'desc', page: 1, size: 100, filters }, options, 'customer_metrics', null);
      const compiled = await compileRule({ trx, actor: w.admin }, ruleFromCustomerFilters(filters));
      return [list.rows.map((r) => r.id).sort(), (await nextMemberIds(trx, compiled, null, 10_000)).sort()];
    });
    expect(listed.length).toBeGreaterThan(0);
    expect(segment).toEqual(listed);
  });
});

describe('the list through the compiler', () => {
  const list = (filters: ListFilters & { q?: string }, actor = w.admin) =>
    withTenant(h.services.dbs, w.t.id, async (trx) => {
      const l = await listCustomerMetrics(trx, actor, { sort: 'monetary', dir: 'desc', page: 1, size: 50, filters }, await filterOptions(trx, actor), 'customer_metrics', null);
      return { names: l.rows.map((r) => w.names[r.id]).sort().join(''), total: l.total };
    });

  it('member filters narrow the list; the total follows', async () => {
    expect(await list({ level: '金卡' })).toEqual({ names: 'AC', total: 2 });
    expect(await list({ opt_out: true })).toEqual({ names: 'B', total: 1 });
  });

  it('a store code or clerk the viewer cannot name matches nobody instead of failing the page', async () => {
    expect(await list({ store: 'S999' })).toEqual({ names: '', total: 0 });
    expect(await list({ clerk: '00000000-0000-4000-8000-000000000000' })).toEqual({ names: '', total: 0 });
  });

  it('the search box narrows the rule’s customers', async () => {
    expect(await list({ q: 'A' })).toEqual({ names: 'A', total: 1 });
  });
});
