/**
 * The SQL of identity resolution (see identity.service.ts for the rules). Two shapes of input share it:
 * - staged identities (order lines, member rows): the caller names a relation of (key, kind, value, at, store_id)
 *   and the resolver fills the temp table `tmp_match (key, customer_id)` — one customer per key;
 * - anonymous orders linked late, by a list of identities or by a relation of (kind, value).
 * Every function runs inside the caller's tenant transaction, under `lockTenantIdentities`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { IdentityKind } from '../../db/schema';
import type { TenantId, Tx } from '../tenancy/context';

export const IDENTITY_KINDS: readonly IdentityKind[] = ['external_userid', 'unionid', 'member_no', 'mobile', 'openid'];

/** The order column that holds each identity kind. */
export const ORDER_IDENTITY_COLUMN: Record<IdentityKind, 'external_userid' | 'unionid' | 'member_no' | 'mobile_hash' | 'openid'> = {
  external_userid: 'external_userid',
  unionid: 'unionid',
  member_no: 'member_no',
  mobile: 'mobile_hash',
  openid: 'openid',
};

export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

const n = (v: unknown): number => Number(v ?? 0);

async function count(trx: Tx, q: RawBuilder<unknown>): Promise<number> {
  const r = await q.execute(trx);
  return n((r.rows[0] as { n?: unknown } | undefined)?.n);
}

/** Serialises identity resolution per tenant (imports, API batches, sync) for the rest of the transaction. */
export async function lockTenantIdentities(trx: Tx, tenantId: TenantId): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('huike.identities'), hashtext(${tenantId}))`.execute(trx);
}

export async function tenantIngestRow(trx: Tx, tenantId: TenantId): Promise<{ timezone: string; settings: unknown }> {
  return trx.selectFrom('tenants').select(['timezone', 'settings']).where('id', '=', tenantId).executeTakeFirstOrThrow();
}

/**
 * Links anonymous orders carrying the given identities (a list, a relation of (kind, value), or with neither every
 * identity now known) to the identity's customer, by `prio` when several match. Returns the linked customer ids
 * (one per order).
 */
export async function linkAnonymousOrders(trx: Tx, tenantId: TenantId, prio: readonly IdentityKind[], identities?: IdentityRef[] | RawBuilder<unknown>): Promise<string[]> {
  const list = Array.isArray(identities) ? identities : undefined;
  const kinds = list ? [...new Set(list.map((i) => i.kind))] : IDENTITY_KINDS;
  const parts = kinds.map((kind) => {
    const col = sql.ref(`o.${ORDER_IDENTITY_COLUMN[kind]}`);
    const values = list?.filter((i) => i.kind === kind).map((i) => i.value);
    const only =
      values !== undefined
        ? sql`and ${col} = any(${values}::text[])`
        : identities !== undefined
          ? sql`and exists (select 1 from ${identities as RawBuilder<unknown>} as l where l.kind = ${kind} and l.value = ${col})`
          : sql``;
    return sql`select o.id as order_id, ci.customer_id, ${prio.indexOf(kind)}::int as prio
      from orders o join customer_identities ci on ci.tenant_id = o.tenant_id and ci.kind = ${kind} and ci.value = ${col}
      where o.tenant_id = ${tenantId} and o.customer_id is null and ${col} is not null ${only}`;
  });
  if (parts.length === 0) return [];
  const r = await sql<{ customer_id: string }>`
    with m as (${sql.join(parts, sql` union all `)}),
    pick as (select distinct on (order_id) order_id, customer_id from m order by order_id, prio)
    update orders o set customer_id = pick.customer_id, updated_at = now()
    from pick where o.tenant_id = ${tenantId} and o.id = pick.order_id and o.customer_id is null
    returning o.customer_id`.execute(trx);
  return r.rows.map((x) => x.customer_id);
}

/**
 * Stages the identities to resolve: `tmp_ids (key, kind, value, prio, at, store_id)` from the caller's relation,
 * and an empty `tmp_match (key, customer_id)` and `tmp_learned (kind, value, customer_id)`. Returns the number of
 * identities staged.
 */
export async function stageIdentities(trx: Tx, prio: readonly IdentityKind[], identities: RawBuilder<unknown>): Promise<number> {
  await sql`create temp table tmp_match (key text, customer_id uuid) on commit drop`.execute(trx);
  await sql`create temp table tmp_learned (kind text, value text, customer_id uuid) on commit drop`.execute(trx);
  await sql`create temp table tmp_ids on commit drop as
    select s.key, s.kind, s.value, array_position(${prio}::text[], s.kind) as prio, s.at, s.store_id
    from ${identities} as s where s.value is not null`.execute(trx);
  const k = await count(trx, sql`select count(*)::int as n from tmp_ids`);
  if (k > 0) await sql`analyze tmp_ids`.execute(trx);
  return k;
}

/** (Re)computes tmp_match: each key's customer is the one of its highest-priority known identity. */
export async function matchStagedKeys(trx: Tx, tenantId: TenantId): Promise<void> {
  await sql`truncate tmp_match`.execute(trx);
  await sql`insert into tmp_match select distinct on (i.key) i.key, ci.customer_id
    from tmp_ids i join customer_identities ci on ci.tenant_id = ${tenantId} and ci.kind = i.kind and ci.value = i.value
    order by i.key, i.prio`.execute(trx);
  await sql`analyze tmp_match`.execute(trx);
}

/**
 * New customers for unmatched keys with a creatable identity (one customer per identity value). Their ids are
 * time-ordered (UUIDv7 layout: ms timestamp, version 7, a counter in (kind, value) order, variant, 48 random bits),
 * so customers' key, the identities' key and their customer index are all filled in the same order. The new
 * identities are recorded in tmp_learned. Returns the number created.
 */
export async function createCustomersForUnmatched(trx: Tx, tenantId: TenantId, creatable: readonly IdentityKind[], source: string): Promise<number> {
  await sql`create temp table tmp_new on commit drop as
    select kind, value, (ts || '7' || substr(c, 1, 3) || '8' || substr(c, 4, 3) || substr(md5(random()::text), 1, 12))::uuid as id, store_id from (
      select z.*, lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') as ts,
        lpad(to_hex(row_number() over (order by kind, value)), 6, '0') as c
      from (
      select distinct on (kind, value) kind, value, store_id from (
        select distinct on (i.key) i.key, i.kind, i.value, i.store_id, i.at from tmp_ids i
        where i.kind = any(${creatable}::text[]) and not exists (select 1 from tmp_match m where m.key = i.key)
        order by i.key, i.prio) first_ids
      order by kind, value, at desc nulls last) z) v`.execute(trx);
  const created = await count(trx, sql`select count(*)::int as n from tmp_new`);
  if (created > 0) {
    // sorted by key: the primary keys' pages are then filled in order rather than at random
    await sql`insert into customers (tenant_id, id, source, primary_store_id) select ${tenantId}::uuid, id, ${source}, store_id from tmp_new order by id`.execute(trx);
    await sql`insert into customer_identities (tenant_id, kind, value, customer_id, source) select ${tenantId}::uuid, kind, value, id, ${source} from tmp_new order by kind, value`.execute(trx);
    await sql`insert into tmp_learned select kind, value, id from tmp_new`.execute(trx);
  }
  return created;
}

/**
 * Learns the other identities of matched keys for their customer; returns (customer, customer) pairs where an
 * identity of a key already belongs to another customer (one person: to be merged).
 */
export async function learnStagedIdentities(trx: Tx, tenantId: TenantId, source: string): Promise<[string, string][]> {
  await sql`with ins as (
      insert into customer_identities (tenant_id, kind, value, customer_id, source)
      select distinct on (i.kind, i.value) ${tenantId}::uuid, i.kind, i.value, m.customer_id, ${source}
      from tmp_ids i join tmp_match m on m.key = i.key
      where not exists (select 1 from customer_identities ci where ci.tenant_id = ${tenantId} and ci.kind = i.kind and ci.value = i.value)
      order by i.kind, i.value, i.at desc nulls last
      on conflict do nothing returning kind, value, customer_id)
    insert into tmp_learned select kind, value, customer_id from ins`.execute(trx);
  const pairs = await sql<{ a: string; b: string }>`
    select distinct m.customer_id as a, ci.customer_id as b
    from tmp_ids i join tmp_match m on m.key = i.key
    join customer_identities ci on ci.tenant_id = ${tenantId} and ci.kind = i.kind and ci.value = i.value
    where ci.customer_id <> m.customer_id`.execute(trx);
  return pairs.rows.map((p) => [p.a, p.b]);
}

/** Late linking of anonymous orders that carry an identity learned in this resolution (tmp_learned). */
export async function linkOrdersForLearned(trx: Tx, tenantId: TenantId, prio: readonly IdentityKind[]): Promise<string[]> {
  const learned = await count(trx, sql`select count(*)::int as n from tmp_learned`);
  if (learned === 0) return [];
  await sql`analyze tmp_learned`.execute(trx);
  return linkAnonymousOrders(trx, tenantId, prio, sql`tmp_learned`);
}

/** The rows of two customers (merge before-state). */
export async function customersByIds(trx: Tx, tenantId: TenantId, ids: string[]) {
  return trx.selectFrom('customers').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
}

/** Moves identities, follows and orders of `loserId` to `survivorId`; returns the loser's identities and the orders moved. */
export async function moveCustomerRows(trx: Tx, tenantId: TenantId, survivorId: string, loserId: string) {
  const identities = await trx.selectFrom('customer_identities').select(['kind', 'value', 'source']).where('tenant_id', '=', tenantId).where('customer_id', '=', loserId).execute();
  await trx.updateTable('customer_identities').set({ customer_id: survivorId }).where('tenant_id', '=', tenantId).where('customer_id', '=', loserId).execute();
  // A clerk who served both keeps the survivor's relation, with the relation tags of both.
  await sql`insert into customer_follows as f (tenant_id, customer_id, staff_id, remark, description, remark_mobiles, added_at, add_way, state, channel_id, oper_userid, ended_at, end_reason, tag_ids, tags_changed_at, updated_at)
    select tenant_id, ${survivorId}::uuid, staff_id, remark, description, remark_mobiles, added_at, add_way, state, channel_id, oper_userid, ended_at, end_reason, tag_ids, tags_changed_at, now()
    from customer_follows where tenant_id = ${tenantId} and customer_id = ${loserId}
    on conflict (tenant_id, customer_id, staff_id) do update set
      tag_ids = array(select distinct x from unnest(f.tag_ids || excluded.tag_ids) x order by x)
      where not (excluded.tag_ids <@ f.tag_ids)`.execute(trx);
  await trx.deleteFrom('customer_follows').where('tenant_id', '=', tenantId).where('customer_id', '=', loserId).execute();
  const moved = await trx.updateTable('orders').set({ customer_id: survivorId, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('customer_id', '=', loserId).executeTakeFirst();
  return { identities, ordersMoved: Number(moved.numUpdatedRows) };
}

/**
 * The survivor keeps its own fields and takes the loser's where it has none (display and member fields); the
 * loser (and whatever was merged into it earlier) points at the survivor.
 */
export async function absorbCustomer(trx: Tx, tenantId: TenantId, survivorId: string, loserId: string): Promise<void> {
  await sql`update customers s set
      display_name = coalesce(s.display_name, l.display_name), avatar = coalesce(s.avatar, l.avatar),
      primary_store_id = coalesce(s.primary_store_id, l.primary_store_id), mobile_masked = coalesce(s.mobile_masked, l.mobile_masked),
      member_level = coalesce(s.member_level, l.member_level), member_points = coalesce(s.member_points, l.member_points),
      birth_year = case when s.birth_month is null then l.birth_year else s.birth_year end,
      birth_month = coalesce(s.birth_month, l.birth_month),
      birth_day = case when s.birth_month is null then l.birth_day else s.birth_day end,
      registered_store_id = coalesce(s.registered_store_id, l.registered_store_id), registered_on = coalesce(s.registered_on, l.registered_on),
      marketing_opt_out = s.marketing_opt_out or l.marketing_opt_out,
      marketing_opt_out_at = case when s.marketing_opt_out then s.marketing_opt_out_at else l.marketing_opt_out_at end,
      mobile_sealed = coalesce(s.mobile_sealed, l.mobile_sealed), member_updated_at = greatest(s.member_updated_at, l.member_updated_at),
      updated_at = now()
    from customers l
    where s.tenant_id = ${tenantId} and s.id = ${survivorId} and l.tenant_id = ${tenantId} and l.id = ${loserId}`.execute(trx);
  await trx.updateTable('customers').set({ merged_into: survivorId, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', loserId).execute();
  await trx.updateTable('customers').set({ merged_into: survivorId }).where('tenant_id', '=', tenantId).where('merged_into', '=', loserId).execute();
}

/** For choosing a merge survivor: each live customer's best identity rank and its creation time. */
export async function mergeRanks(trx: Tx, tenantId: TenantId, ids: string[], priority: readonly IdentityKind[]) {
  const r = await sql<{ id: string; best: number; created_at: Date }>`
    select c.id, coalesce(min(array_position(${priority}::text[], ci.kind)), 99)::int as best, c.created_at
    from customers c left join customer_identities ci on ci.tenant_id = c.tenant_id and ci.customer_id = c.id
    where c.tenant_id = ${tenantId} and c.id = any(${ids}::uuid[]) and c.merged_into is null
    group by c.id, c.created_at`.execute(trx);
  return r.rows;
}
