/**
 * "Save as segment" from the customers list: the rule built from the list's filters (app/lib/segments/from-filters)
 * matches the customers the list shows, for the click-throughs of the dashboards (RFM cell, lifecycle stage, a
 * store's due customers) and the list's own filters.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleFromCustomerFilters, type ListFilters } from '../../../app/lib/segments/from-filters';
import { listCustomerMetrics } from '../../../server/analytics/customers.queries';
import { filterOptions } from '../../../server/analytics/filters';
import { compileRule } from '../../../server/customers/rule-compiler';
import { matchingIds } from '../../../server/customers/rule.repository';
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
  ];
  it.each(cases)('%s: the segment holds the customers the list shows', async (_name, make) => {
    const filters = make(w);
    const [listed, segment] = await withTenant(h.services.dbs, w.t.id, async (trx) => {
      const options = await filterOptions(trx, w.admin);
      const list = await listCustomerMetrics(trx, w.admin, { sort: 'monetary', dir: 'desc', page: 1, size: 100, filters }, options, 'customer_metrics', null);
      const compiled = await compileRule({ trx, actor: w.admin }, ruleFromCustomerFilters(filters));
      return [list.rows.map((r) => r.id).sort(), (await matchingIds(trx, compiled)).sort()];
    });
    expect(listed.length).toBeGreaterThan(0);
    expect(segment).toEqual(listed);
  });
});
