/**
 * Saved segments on the five-customer world: the API (list/create/read/update/delete, count, customers, preview,
 * OpenAPI), the audit log, cycles refused on update, deletion refused while referenced, a manager's scoped count,
 * static segments frozen, and dynamic membership with entries and exits recorded by day.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSegment, refreshMembership, refreshTenantSegments, segmentCount } from '../../../server/segments/segments.service';
import { getSegment } from '../../../server/segments/segments.repository';
import { withTenant } from '../../../server/tenancy/context';
import { apiCaller, createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { addOrders } from '../analytics/support';
import { actorOf, buildWorld, day, type World } from './world';

const h = useTestServices();
const api = useApiServer(h);
let w: World;
let key: string;

beforeAll(async () => {
  w = await buildWorld(h.services);
  key = await createApiKey(h.services, w.t.id);
}, 60_000);

const call = apiCaller(api, () => key);

const s1 = { all: [{ any: [{ field: 'store', op: 'in', value: ['S1'] }] }], none: [] };

describe('/api/v1/segments', () => {
  it('preview counts an unsaved rule; a bad rule is a 400 naming the condition', async () => {
    expect(await call('POST', '/segments/preview', { rule: s1, exact: true })).toMatchObject({ count: 2, exact: true });
    expect(await call('POST', '/segments/preview', { rule: { all: [{ any: [{ field: 'frequency', op: 'eq', value: 2 }] }], none: [{ field: 'store', op: 'in', value: ['S2'] }] } })).toMatchObject({ count: 1 });
    const bad = await call<{ error: { message: string } }>('POST', '/segments/preview', { rule: { all: [{ any: [{ field: 'recency_days', op: 'gt', value: 'x' }] }] } }, 400);
    expect(bad.error.message).toBe('all[0].any[0] (recency_days gt): value must be a number');
  });

  it('create, read, count, customers, update, delete — each change in the audit log', async () => {
    const created = await call<{ id: string; size: number; kind: string }>('POST', '/segments', { name: 'S1 客户', rule: s1 }, 201);
    expect(created).toMatchObject({ size: 2, kind: 'dynamic' });
    expect(await call('GET', `/segments/${created.id}/count`)).toMatchObject({ count: 2, exact: true });
    const page = await call<{ total: number; customers: { display_name: string }[] }>('GET', `/segments/${created.id}/customers?page=1&size=1`);
    expect(page.total).toBe(2);
    expect(page.customers.map((c) => c.display_name)).toEqual(['A']); // highest net spend first
    const list = await call<{ segments: { id: string }[] }>('GET', '/segments');
    expect(list.segments.map((s) => s.id)).toContain(created.id);
    await call('POST', '/segments', { name: 'S1 客户', rule: s1 }, 409);

    const updated = await call<{ size: number; name: string }>('PUT', `/segments/${created.id}`, { name: 'S2 客户', rule: { all: [{ any: [{ field: 'store', op: 'in', value: ['S2'] }] }] } });
    expect(updated).toMatchObject({ name: 'S2 客户', size: 2 });
    // A segment whose rule reaches itself is refused.
    const cyc = await call<{ error: { message: string } }>('PUT', `/segments/${created.id}`, { name: 'S2 客户', rule: { all: [{ any: [{ field: 'segment', op: 'in', value: [created.id] }] }] } }, 400);
    expect(cyc.error.message).toContain(`all[0].any[0] (segment in): segment cycle refused: ${created.id} → ${created.id}`);

    const outer = await call<{ id: string; size: number }>('POST', '/segments', { name: '不在 S2', rule: { none: [{ field: 'segment', op: 'in', value: [created.id] }] } }, 201);
    expect(outer.size).toBe(3);
    const refusedDelete = await call<{ error: { message: string } }>('DELETE', `/segments/${created.id}`, undefined, 409);
    expect(refusedDelete.error.message).toContain('不在 S2');
    await call('DELETE', `/segments/${outer.id}`, undefined, 204);
    await call('DELETE', `/segments/${created.id}`, undefined, 204);
    await call('GET', `/segments/${created.id}`, undefined, 404);

    const audit = await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql<{ action: string; entity_id: string }>`select action, entity_id from audit_log where tenant_id = ${w.t.id} and entity_type = 'segment' order by id`.execute(trx),
    );
    expect(audit.rows.filter((a) => a.entity_id === created.id).map((a) => a.action)).toEqual(['segment.create', 'segment.update', 'segment.delete']);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await (await fetch(api.base() + '/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/segments']!)).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/segments/{id}']!)).toEqual(['get', 'put', 'delete']);
    expect(doc.paths['/segments/preview']!.post).toBeTruthy();
    expect(doc.paths['/segments/{id}/count']!.get).toBeTruthy();
    expect(doc.paths['/segments/{id}/customers']!.get).toBeTruthy();
  });
});

describe('scope and membership', () => {
  it('a manager counts a saved segment inside their region, even when it names another region’s store', async () => {
    const seg = await withTenant(h.services.dbs, w.t.id, (trx) => createSegment(trx, w.admin, { name: 'S2 or VIP', rule: { all: [{ any: [{ field: 'store', op: 'in', value: ['S2'] }, { field: 'tags', op: 'has_any', value: ['VIP'] }] }] } }));
    expect(seg.size).toBe(3); // A (VIP), C, D
    const manager = await actorOf(h.services, w.staff.manager.email);
    expect((await withTenant(h.services.dbs, w.t.id, (trx) => segmentCount(trx, manager, seg.id))).count).toBe(1); // A only
  });

  it('a static segment keeps its frozen members; a dynamic one records entries and exits with their day', async () => {
    const rule = { all: [{ any: [{ field: 'orders', op: 'gte', value: 1, window: { last_days: 7 } }] }] };
    const [stat, dyn] = await withTenant(h.services.dbs, w.t.id, async (trx) => [
      await createSegment(trx, w.admin, { name: 'bought this week (frozen)', kind: 'static', rule }),
      await createSegment(trx, w.admin, { name: 'bought this week', kind: 'dynamic', rule }),
    ]);
    expect([stat.size, dyn.size]).toEqual([2, 2]); // B (5 days ago), C (3 days ago)
    // D buys today; C's purchase is pushed out of the window by moving it back (a correction of the data).
    await addOrders(h.services, w.t.id, [{ customer: w.ids.D, at: day(0), yuan: 10, store: w.t.storeIds.S2 }]);
    await withTenant(h.services.dbs, w.t.id, async (trx) => {
      await sql`update orders set paid_day = paid_day - 30, paid_at = paid_at - interval '30 days' where tenant_id = ${w.t.id} and customer_id = ${w.ids.C} and paid_day >= ${day(7)}::date`.execute(trx);
    });
    // The scheduled / post-refresh job: every dynamic segment of the tenant, static ones untouched.
    const run = await refreshTenantSegments(h.services.dbs, w.t.id);
    expect(run.failed).toEqual([]);
    const after = await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, dyn.id));
    expect(after!.size).toBe(2);
    // A second run changes nothing (idempotent).
    const again = await withTenant(h.services.dbs, w.t.id, (trx) => refreshMembership(trx, w.t.id, after!));
    expect(again).toEqual({ size: 2, entered: 0, exited: 0 });
    const events = await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql<{ customer_id: string; kind: string; day: string }>`select customer_id, kind, day::text as day from segment_events where tenant_id = ${w.t.id} and segment_id = ${dyn.id} order by id`.execute(trx),
    );
    const today = day(0);
    expect(events.rows.map((e) => `${w.names[e.customer_id]}:${e.kind}:${e.day === today}`).sort()).toEqual(['B:enter:true', 'C:enter:true', 'C:exit:true', 'D:enter:true']);
    const sizes = await withTenant(h.services.dbs, w.t.id, (trx) => sql<{ size: number; entered: number; exited: number }>`select size, entered, exited from segment_sizes where tenant_id = ${w.t.id} and segment_id = ${dyn.id}`.execute(trx));
    expect(sizes.rows).toEqual([{ size: 2, entered: 3, exited: 1 }]);
    expect((await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, stat.id)))!.size).toBe(2);
    expect((await withTenant(h.services.dbs, w.t.id, (trx) => segmentCount(trx, w.admin, stat.id))).count).toBe(2);
  });
});
