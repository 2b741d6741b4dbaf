/** POST /api/v1/members (#13.11): a result per member, Idempotency-Key replay, 400 per field, opt-out set and cleared with an audit entry. */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { q } from './helpers';

const h = useTestServices();
const api = useApiServer(h);
const post = (key: string, body: unknown, idem?: string) =>
  fetch(`${api.base()}/members`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(idem ? { 'Idempotency-Key': idem } : {}) }, body: JSON.stringify(body) });
const state = (t: TenantId, memberNo: string) =>
  q(h.services, t, sql<{ id: string; level: string | null; points: number | null; opt_out: boolean; opt_out_at: boolean; birthday: string | null; store: string | null; masked: string | null; sealed: boolean }>`
    select c.id, c.member_level as level, c.member_points as points, c.marketing_opt_out as opt_out, c.marketing_opt_out_at is not null as opt_out_at,
      case when c.birth_month is null then null else concat_ws('-', c.birth_year, c.birth_month, c.birth_day) end as birthday, s.code as store,
      c.mobile_masked as masked, c.mobile_sealed is not null as sealed
    from customer_identities ci join customers c on c.tenant_id = ci.tenant_id and c.id = ci.customer_id
    left join stores s on s.tenant_id = c.tenant_id and s.id = c.registered_store_id
    where ci.kind = 'member_no' and ci.value = ${memberNo}`).then((r) => r[0]);

describe('REST API /members', () => {
  it('creates and updates members with a result each, replays by Idempotency-Key, refuses a reused key with another body', async () => {
    const t = await makeTenant(h.services);
    const key = await createApiKey(h.services, t.id);
    const body = {
      members: [
        { member_no: 'V1', mobile: '13812345678', name: '张三', gender: 'male', birthday: '1991-03-04', level: '金卡', points: 500, register_store_code: 'S1', registered_on: '2024-05-06' },
        { member_no: 'V2', birthday: '12-31', marketing_opt_out: true },
        { member_no: 'V3', register_store_code: 'NOPE' },
      ],
    };
    const r1 = await post(key, body, 'm-1');
    expect(r1.status).toBe(200);
    const j1 = (await r1.json()) as { results: { member_no: string; status: string; customer_id: string | null; error?: unknown }[]; summary: unknown };
    expect(j1.summary).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 1 });
    expect(j1.results.map((r) => [r.member_no, r.status, r.customer_id !== null, r.error ?? null])).toEqual([
      ['V1', 'created', true, null],
      ['V2', 'created', true, null],
      ['V3', 'rejected', false, { code: 'unknown_store', field: 'register_store_code' }],
    ]);
    expect(await state(t.id, 'V1')).toMatchObject({ level: '金卡', points: 500, birthday: '1991-3-4', store: 'S1', masked: '138****5678', sealed: true, opt_out: false });
    expect(await state(t.id, 'V2')).toMatchObject({ birthday: '12-31', opt_out: true, opt_out_at: true });

    const r2 = await post(key, body, 'm-1');
    expect(r2.headers.get('idempotent-replayed')).toBe('true');
    expect(await r2.json()).toEqual(j1);
    expect((await post(key, { members: [{ member_no: 'V9' }] }, 'm-1')).status).toBe(422);
    // without a key, the same members again are unchanged
    const r3 = (await (await post(key, body)).json()) as { summary: unknown };
    expect(r3.summary).toEqual({ created: 0, updated: 0, unchanged: 2, rejected: 1 });

    // opt-out cleared through the API: the time goes, the change is audited
    const r4 = (await (await post(key, { members: [{ member_no: 'V2', marketing_opt_out: false, points: 10 }] })).json()) as { results: { status: string }[] };
    expect(r4.results[0]!.status).toBe('updated');
    const v2 = await state(t.id, 'V2');
    expect(v2).toMatchObject({ opt_out: false, opt_out_at: false, points: 10, birthday: '12-31' });
    const audit = await q(h.services, t.id, sql<{ before: { marketing_opt_out: boolean }; after: { marketing_opt_out: boolean; via: string } }>`
      select before, after from audit_log where action = 'customer.marketing_opt_out' and entity_id = ${v2!.id} order by id`);
    expect(audit.map((a) => [a.before.marketing_opt_out, a.after.marketing_opt_out, a.after.via])).toEqual([
      [false, true, 'api'],
      [true, false, 'api'],
    ]);
  });

  it('answers 400 naming each bad field, and documents the endpoint in the OpenAPI document', async () => {
    const t = await makeTenant(h.services);
    const key = await createApiKey(h.services, t.id);
    const r = await post(key, { members: [{ member_no: 'X1', mobile: '123', birthday: '1990-02-30' }, { member_no: 'X2', points: -1, gender: 'x' }, { member_no: 'X1' }] });
    expect(r.status).toBe(400);
    const j = (await r.json()) as { error: { details: { field: string }[] } };
    expect(j.error.details.map((d) => d.field).sort()).toEqual(['members[0].birthday', 'members[0].mobile', 'members[1].gender', 'members[1].points', 'members[2].member_no'].sort());
    const doc = (await (await fetch(`${api.base()}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/members');
  });
});
