/**
 * The set-based merge of members into customers (all SQL of the members path). One function serves file imports
 * (rows read from the import's member staging partition through `import_member_staging_rows`) and API batches
 * (rows in a temp table): group rows by member number, check them against each other and the stores, resolve the
 * member to a customer by member number and mobile through the same identity resolution as orders
 * (customers/identity.service.ts: a WeCom customer with that mobile is the member; an unknown member becomes a new
 * customer that a WeCom contact with the same mobile joins later), then one UPDATE of the member fields that writes
 * only customers whose data differs — so importing the same file twice changes nothing. Runs inside the caller's
 * tenant transaction (RLS applies) under `lockTenantIdentities`.
 */
import { sql, type RawBuilder } from 'kysely';
import { resolveCustomers, type TenantIngestContext } from '../customers/identity.service';
import { markCustomersTouched } from '../customers/refresh';
import type { Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';

export interface MemberMergeOptions {
  actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>;
  ctx: TenantIngestContext;
  /** A relation with the member staging columns (MEMBER_STAGING_COLUMNS without tenant and import). */
  rows: RawBuilder<unknown>;
  source: 'import' | 'api';
  importId: string | null;
  /** Return a result per member (API batches). */
  perMember?: boolean;
}

export interface MemberMergeStats {
  customersCreated: number;
  membersUpdated: number;
  membersUnchanged: number;
  membersRejected: number;
  /** Rows of rejected members (a member number may span several rows). */
  rowsRejected: number;
  /** Members whose customer is a WeCom customer (has an external_userid). */
  membersLinked: number;
  customersMerged: number;
  ordersLinked: number;
}

export interface MemberResult {
  member_no: string;
  status: 'created' | 'updated' | 'unchanged' | 'rejected';
  customer_id: string | null;
  reason: string | null;
  field: string | null;
}

const n = (v: unknown): number => Number(v ?? 0);

/** Step 1: one row per member number, with the rows' conflicts and the register store resolved. */
async function groupMembers(trx: Tx, t: TenantId, rows: RawBuilder<unknown>): Promise<void> {
  await sql`create temp table tmp_members on commit drop as
    with l as (select * from ${rows} as r),
    g as (
      select member_no, min(line_no) as first_line, count(*)::int as line_count,
        count(distinct row(mobile_hash, name, gender, birth_year, birth_month, birth_day, level, points, store_code, registered_on, opt_out)::text) > 1 as conflict
      from l group by member_no)
    select x.*, g.first_line, g.line_count, st.id as store_id,
      case when g.conflict then 'conflicting_members' when x.store_code is not null and st.id is null then 'unknown_store' end as reject_reason,
      case when g.conflict then 'member_no' when x.store_code is not null and st.id is null then 'store_code' end as reject_column
    from g join lateral (select * from l where l.member_no = g.member_no order by l.line_no limit 1) x on true
    left join stores st on st.tenant_id = ${t} and st.code = x.store_code`.execute(trx);
  await sql`analyze tmp_members`.execute(trx);
}

/**
 * Step 3: the member fields onto the customers, only where something differs. An empty value leaves the field as
 * it is. Member data wins over WeCom's for mobile; the name and gender fill a WeCom customer's only when it has
 * none. Opting out (or back in) stamps `marketing_opt_out_at`, and every change of the flag is audited.
 */
async function applyMemberFields(trx: Tx, t: TenantId, o: MemberMergeOptions): Promise<void> {
  await sql`create temp table tmp_member_changed on commit drop as
    with pick as (
      select distinct on (m.customer_id) m.customer_id, x.* from tmp_members x join tmp_match m on m.key = x.member_no
      where x.reject_reason is null order by m.customer_id, x.first_line),
    nv as (
      select c.id, c.marketing_opt_out as was_opt_out, p.member_no,
        case when p.name is not null and (c.source <> 'wecom' or c.display_name is null) then p.name else c.display_name end as display_name,
        case when p.gender is not null and (c.source <> 'wecom' or c.gender = 0) then p.gender else c.gender end as gender,
        coalesce(p.mobile_masked, c.mobile_masked) as mobile_masked, coalesce(p.mobile_sealed, c.mobile_sealed) as mobile_sealed,
        coalesce(p.level, c.member_level) as member_level, coalesce(p.points, c.member_points) as member_points,
        case when p.birth_month is not null then p.birth_year else c.birth_year end as birth_year,
        coalesce(p.birth_month, c.birth_month) as birth_month, coalesce(p.birth_day, c.birth_day) as birth_day,
        coalesce(p.store_id, c.registered_store_id) as registered_store_id, coalesce(p.registered_on, c.registered_on) as registered_on,
        coalesce(c.primary_store_id, p.store_id) as primary_store_id,
        coalesce(p.opt_out, c.marketing_opt_out) as opt_out
      from pick p join customers c on c.tenant_id = ${t} and c.id = p.customer_id),
    upd as (
      update customers c set display_name = nv.display_name, gender = nv.gender, mobile_masked = nv.mobile_masked, mobile_sealed = nv.mobile_sealed,
        member_level = nv.member_level, member_points = nv.member_points, birth_year = nv.birth_year, birth_month = nv.birth_month, birth_day = nv.birth_day,
        registered_store_id = nv.registered_store_id, registered_on = nv.registered_on, primary_store_id = nv.primary_store_id,
        marketing_opt_out = nv.opt_out,
        marketing_opt_out_at = case when nv.opt_out and not c.marketing_opt_out then now() when not nv.opt_out then null else c.marketing_opt_out_at end,
        member_updated_at = now(), updated_at = now()
      from nv
      where c.tenant_id = ${t} and c.id = nv.id
        and (c.display_name, c.gender, c.mobile_masked, c.mobile_sealed, c.member_level, c.member_points, c.birth_year, c.birth_month, c.birth_day,
             c.registered_store_id, c.registered_on, c.primary_store_id, c.marketing_opt_out)
        is distinct from (nv.display_name, nv.gender, nv.mobile_masked, nv.mobile_sealed, nv.member_level, nv.member_points, nv.birth_year, nv.birth_month, nv.birth_day,
             nv.registered_store_id, nv.registered_on, nv.primary_store_id, nv.opt_out)
      returning c.id, nv.member_no, nv.was_opt_out, c.marketing_opt_out as opt_out)
    select * from upd`.execute(trx);
  await sql`insert into audit_log (tenant_id, actor_staff_id, actor_label, action, entity_type, entity_id, before, after, request_id)
    select ${t}::uuid, ${o.actor.staffId}::uuid, ${o.actor.label}, 'customer.marketing_opt_out', 'customer', id::text,
      jsonb_build_object('marketing_opt_out', was_opt_out), jsonb_build_object('marketing_opt_out', opt_out, 'member_no', member_no, 'via', ${o.source}::text),
      ${o.actor.requestId ?? null}
    from tmp_member_changed where was_opt_out <> opt_out order by id`.execute(trx);
}

export async function mergeMembers(trx: Tx, t: TenantId, o: MemberMergeOptions): Promise<MemberMergeStats & { results?: MemberResult[] }> {
  await groupMembers(trx, t, o.rows);
  // 2. customers: tmp_match (key = member_no) holds each accepted member's customer
  const ident = await resolveCustomers(
    trx,
    t,
    sql`(select x.member_no as key, v.kind, v.value, null::timestamptz as at, x.store_id
      from tmp_members x cross join lateral (values ('member_no', x.member_no), ('mobile', x.mobile_hash)) v(kind, value)
      where x.reject_reason is null)`,
    { actor: o.actor, priority: o.ctx.priority, creatable: ['member_no'], source: o.source, mergeReason: o.source === 'api' ? 'api member identities' : 'import member identities' },
  );
  const good = n((await sql<{ n: number }>`select count(*)::int as n from tmp_members where reject_reason is null`.execute(trx)).rows[0]?.n);
  if (good > 0) await applyMemberFields(trx, t, o);
  else await sql`create temp table tmp_member_changed (id uuid, member_no text, was_opt_out boolean, opt_out boolean) on commit drop`.execute(trx);
  if (good > 0 && ident.created > 0) await markCustomersTouched(trx, t, sql<{ id: string }>`select id from tmp_new order by id`, `members.${o.source}`);

  const created = good > 0 && ident.created > 0 ? sql`(select m.key from tmp_match m join tmp_new nw on nw.id = m.customer_id)` : sql`(select null::text as key where false)`;
  const s = (
    await sql<{ updated: number; rejected: number; rejected_rows: number; linked: number; created_members: number }>`
    select (select count(*) from tmp_member_changed c where c.member_no not in ${created})::int as updated,
      (select count(*) from tmp_members where reject_reason is not null)::int as rejected,
      (select coalesce(sum(line_count), 0) from tmp_members where reject_reason is not null)::int as rejected_rows,
      (select count(*) from tmp_members x join tmp_match m on m.key = x.member_no where x.reject_reason is null and exists (
        select 1 from customer_identities ci where ci.tenant_id = ${t} and ci.customer_id = m.customer_id and ci.kind = 'external_userid'))::int as linked,
      (select count(*) from ${created} k)::int as created_members`.execute(trx)
  ).rows[0]!;
  if (o.importId && n(s.rejected) > 0) {
    await sql`insert into import_rejected_members (tenant_id, import_id, member_no, reason, column_name)
      select ${t}::uuid, ${o.importId}::uuid, member_no, reject_reason, reject_column from tmp_members where reject_reason is not null
      on conflict do nothing`.execute(trx);
  }
  let results: MemberResult[] | undefined;
  if (o.perMember) {
    const r = await sql<MemberResult>`
      select x.member_no,
        case when x.reject_reason is not null then 'rejected' when k.key is not null then 'created' when c.id is not null then 'updated' else 'unchanged' end as status,
        m.customer_id, x.reject_reason as reason, x.reject_column as field
      from tmp_members x left join tmp_match m on m.key = x.member_no and x.reject_reason is null
      left join ${created} k on k.key = x.member_no
      left join tmp_member_changed c on c.member_no = x.member_no
      order by x.first_line`.execute(trx);
    results = r.rows;
  }
  return {
    customersCreated: ident.created,
    membersUpdated: n(s.updated),
    membersUnchanged: good - n(s.updated) - n(s.created_members),
    membersRejected: n(s.rejected),
    rowsRejected: n(s.rejected_rows),
    membersLinked: n(s.linked),
    customersMerged: ident.merged,
    ordersLinked: ident.linked,
    results,
  };
}

/** The API's member rows as the merge's row source (a JSON record set). */
export function apiMemberRows(rows: readonly object[]): RawBuilder<unknown> {
  return sql`(select * from jsonb_to_recordset((${JSON.stringify(rows)}::text)::jsonb) as x(line_no bigint, member_no text, mobile_hash text, mobile_masked text,
    mobile_sealed text, name text, gender smallint, birth_year smallint, birth_month smallint, birth_day smallint, level text, points integer,
    store_code text, registered_on date, opt_out boolean))`;
}
