/**
 * Tag changes made in Huike (`tag_changes`, `customer_internal_tags`) and their write-back onto the relations'
 * tag sets (`customer_follows.tag_ids`). All SQL of server/wecom/tags.service.ts's change and write-back paths.
 */
import { sql } from 'kysely';
import { customerScopeSql } from '../customers/scope';
import type { Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';

/** Of the given customers, those in the actor's scope and not merged away. */
export async function customersInScope(trx: Tx, actor: Actor, customerIds: readonly string[]): Promise<string[]> {
  const r = await sql<{ id: string }>`select c.id from customers c where c.tenant_id = ${actor.tenantId}::uuid and c.id = any(${[...customerIds]}::uuid[]) and c.merged_into is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}`.execute(trx);
  return r.rows.map((x) => x.id);
}

/** The most tags any relation of these customers carries (WeCom's per-relation limit). */
export async function maxRelationTags(trx: Tx, tenantId: TenantId, customerIds: readonly string[]): Promise<number> {
  const r = await sql<{ n: number }>`select coalesce(max(n), 0)::int as n from (
      select cardinality(tag_ids) as n from customer_follows where tenant_id = ${tenantId}::uuid and customer_id = any(${[...customerIds]}::uuid[])) x`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/**
 * Adds or removes an internal tag on customers at once, recorded as `internal` changes of the batch; returns the
 * customers it changed (a tag already present, or already absent, changes nothing).
 */
export async function applyInternalTag(trx: Tx, actor: Actor, p: { batchId: string; tagId: string; op: 'add' | 'remove'; customerIds: readonly string[] }): Promise<string[]> {
  const t = actor.tenantId;
  const ids = [...p.customerIds];
  const r =
    p.op === 'add'
      ? await sql<{ customer_id: string }>`insert into customer_internal_tags (tenant_id, customer_id, tag_id, added_by_label)
          select ${t}::uuid, unnest(${ids}::uuid[]), ${p.tagId}::uuid, ${actor.label} on conflict do nothing returning customer_id`.execute(trx)
      : await sql<{ customer_id: string }>`delete from customer_internal_tags where tenant_id = ${t}::uuid and tag_id = ${p.tagId}::uuid and customer_id = any(${ids}::uuid[]) returning customer_id`.execute(trx);
  const changed = r.rows.map((x) => x.customer_id);
  if (changed.length > 0) {
    await sql`insert into tag_changes (tenant_id, batch_id, customer_id, tag_id, op, state, actor_staff_id, actor_label, synced_at)
      select ${t}::uuid, ${p.batchId}::uuid, c, ${p.tagId}::uuid, ${p.op}, 'internal', ${actor.staffId}::uuid, ${actor.label}, now() from unnest(${changed}::uuid[]) c`.execute(trx);
  }
  return changed;
}

/**
 * Records a WeCom tag change for each customer for whom it changes something (the latest pending change, else
 * what the open relations carry, says the current state): `pending` for the write-back job, or `failed` at once
 * for a customer without an open WeCom relation.
 */
export async function recordWecomTagChanges(trx: Tx, actor: Actor, p: { batchId: string; tagId: string; op: 'add' | 'remove'; customerIds: readonly string[] }): Promise<{ id: number; state: 'pending' | 'failed' }[]> {
  const t = actor.tenantId;
  const { tagId, op } = p;
  const r = await sql<{ id: number; state: 'pending' | 'failed' }>`
    with pend as (
      -- the latest pending change of the tag per customer, for the whole batch at once: probed per customer, it
      -- walked the tenant's pending changes for each (quadratic while a 100,000-customer bulk tag fills them)
      select distinct on (tc.customer_id) tc.customer_id, tc.op from tag_changes tc
      where tc.tenant_id = ${t}::uuid and tc.customer_id = any(${[...p.customerIds]}::uuid[]) and tc.tag_id = ${tagId}::uuid and tc.state = 'pending'
      order by tc.customer_id, tc.id desc
    ),
    c as (
      select x.id as customer_id,
        exists (select 1 from customer_follows f where f.tenant_id = ${t}::uuid and f.customer_id = x.id and f.ended_at is null) as has_relation,
        exists (select 1 from customer_follows f where f.tenant_id = ${t}::uuid and f.customer_id = x.id and f.ended_at is null and ${tagId}::uuid = any(f.tag_ids)) as present,
        pend.op as pending_op
      from unnest(${[...p.customerIds]}::uuid[]) as x(id) left join pend on pend.customer_id = x.id
    )
    insert into tag_changes (tenant_id, batch_id, customer_id, tag_id, op, state, reason, actor_staff_id, actor_label)
    select ${t}::uuid, ${p.batchId}::uuid, c.customer_id, ${tagId}::uuid, ${op},
      case when c.has_relation then 'pending' else 'failed' end,
      case when c.has_relation then null else '该客户没有企业微信好友关系，企业标签无法写回 / The customer has no WeCom relation: a WeCom tag cannot be written back' end,
      ${actor.staffId}::uuid, ${actor.label}
    from c
    where coalesce(c.pending_op, case when c.present then 'add' else 'remove' end) <> ${op}
    returning id, state`.execute(trx);
  return r.rows;
}

/** The given changes that are still pending, in id order. */
export async function pendingTagChanges(trx: Tx, tenantId: TenantId, ids: readonly number[]) {
  return trx
    .selectFrom('tag_changes')
    .select(['id', 'customer_id', 'tag_id', 'op', 'state', 'attempts'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids.length ? [...ids] : [-1])
    .where('state', '=', 'pending')
    .orderBy('id')
    .execute();
}

/** The customer's open relations with a WeCom clerk, with the customer's external_userid (null when unknown). */
export async function openWecomRelations(trx: Tx, tenantId: TenantId, customerId: string): Promise<{ staff_id: string; userid: string; external_userid: string | null }[]> {
  const r = await sql<{ staff_id: string; userid: string; external_userid: string | null }>`
    select f.staff_id, s.wecom_userid as userid,
      (select min(ci.value) from customer_identities ci where ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid') as external_userid
    from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
    where f.tenant_id = ${tenantId}::uuid and f.customer_id = ${customerId}::uuid and f.ended_at is null and s.wecom_userid is not null`.execute(trx);
  return r.rows;
}

/** WeCom took the change on this relation: its sorted tag set, and when Huike wrote it (a sync page read before this keeps it). */
export async function applyTagToRelation(trx: Tx, tenantId: TenantId, p: { customerId: string; staffId: string; tagId: string; op: 'add' | 'remove' }): Promise<void> {
  await sql`update customer_follows set
        tag_ids = array(select distinct x from unnest(${p.op === 'add' ? sql`array_append(tag_ids, ${p.tagId}::uuid)` : sql`array_remove(tag_ids, ${p.tagId}::uuid)`}) x order by x),
        tags_changed_at = now(), updated_at = now()
      where tenant_id = ${tenantId}::uuid and customer_id = ${p.customerId}::uuid and staff_id = ${p.staffId}::uuid`.execute(trx);
}

/** A change's outcome after an attempt. */
export async function settleTagChange(trx: Tx, tenantId: TenantId, id: number, p: { state: 'synced' | 'pending' | 'failed'; reason: string | null; attempts: number }): Promise<void> {
  await trx
    .updateTable('tag_changes')
    .set({ state: p.state, reason: p.reason, attempts: p.attempts, updated_at: new Date(), synced_at: p.state === 'synced' ? new Date() : null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Pending changes of a tenant (the watchdog re-enqueues those whose job was lost). */
export async function stalePendingChanges(trx: Tx, tenantId: TenantId, olderThanSeconds: number): Promise<number[]> {
  const r = await sql<{ id: number }>`select id from tag_changes where tenant_id = ${tenantId}::uuid and state = 'pending' and updated_at < now() - make_interval(secs => ${olderThanSeconds}) order by id limit 2000`.execute(trx);
  return r.rows.map((x) => x.id);
}
