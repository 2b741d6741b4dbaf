/**
 * Identity resolution: which customer an order (or a WeCom contact, or a clerk's note) belongs to.
 * - Orders carry identities as received (external_userid, unionid, member_no, mobile hash, openid). The first
 *   identity that matches `customer_identities`, in the tenant's priority (default external_userid, unionid,
 *   member_no, mobile, then openid), decides the customer.
 * - Unmatched orders with a member number (configurable: `settings.ingest.createCustomersFrom`) create a customer;
 *   other unmatched orders stay anonymous and keep their identities for late linking.
 * - Identities an order carries besides the matching one are learned for that customer. When one of them already
 *   belongs to another customer, the two are one person: they are merged (audit entry `customer.merge`).
 * - `linkOrdersForIdentities` attaches anonymous orders once a matching identity appears (WeCom sync, a clerk
 *   entering a phone number, a later import).
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { IdentityKind } from '../../db/schema';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { TenantId, Tx } from '../tenancy/context';
import { markCustomersTouched } from '../customers/refresh';

export const IDENTITY_KINDS: readonly IdentityKind[] = ['external_userid', 'unionid', 'member_no', 'mobile', 'openid'];
export const DEFAULT_PRIORITY: readonly IdentityKind[] = ['external_userid', 'unionid', 'member_no', 'mobile'];

/** The order column that holds each identity kind. */
export const ORDER_IDENTITY_COLUMN: Record<IdentityKind, 'external_userid' | 'unionid' | 'member_no' | 'mobile_hash' | 'openid'> = {
  external_userid: 'external_userid',
  unionid: 'unionid',
  member_no: 'member_no',
  mobile: 'mobile_hash',
  openid: 'openid',
};

const kindSchema = z.enum(['external_userid', 'unionid', 'member_no', 'mobile', 'openid']);
export const ingestSettingsSchema = z.object({
  identityPriority: z.array(kindSchema).min(1).catch([...DEFAULT_PRIORITY]).default([...DEFAULT_PRIORITY]),
  createCustomersFrom: z.array(kindSchema).catch(['member_no']).default(['member_no']),
});
export type IngestSettings = z.output<typeof ingestSettingsSchema>;

export interface TenantIngestContext {
  timezone: string;
  settings: IngestSettings;
  /** Full order of kinds for matching: the configured priority, then the remaining kinds. */
  priority: IdentityKind[];
}

export async function loadTenantIngestContext(trx: Tx, tenantId: TenantId): Promise<TenantIngestContext> {
  const t = await trx.selectFrom('tenants').select(['timezone', 'settings']).where('id', '=', tenantId).executeTakeFirstOrThrow();
  const raw = (t.settings as { ingest?: unknown }).ingest ?? {};
  const settings = ingestSettingsSchema.parse(typeof raw === 'object' && raw !== null ? raw : {});
  const priority = [...new Set([...settings.identityPriority, ...IDENTITY_KINDS])];
  return { timezone: t.timezone, settings, priority };
}

/** Serialises identity resolution per tenant (imports, API batches, sync) for the rest of the transaction. */
export async function lockTenantIdentities(trx: Tx, tenantId: TenantId): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('huike.identities'), hashtext(${tenantId}))`.execute(trx);
}

export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

/**
 * Links anonymous orders that carry any of the given identities (or, with no list, any identity now known) to the
 * customer that identity belongs to, choosing by the tenant's priority when several match. Marks the customers
 * for the analytics refresh. Returns the number of orders linked. Call it inside the transaction that created the
 * identities (the WeCom sync does this after upserting contacts and remark mobiles).
 */
export async function linkOrdersForIdentities(trx: Tx, tenantId: TenantId, identities?: IdentityRef[], priority?: IdentityKind[]): Promise<number> {
  const prio = priority ?? (await loadTenantIngestContext(trx, tenantId)).priority;
  const kinds = identities ? [...new Set(identities.map((i) => i.kind))] : IDENTITY_KINDS;
  const parts = kinds.map((kind) => {
    const col = sql.ref(`o.${ORDER_IDENTITY_COLUMN[kind]}`);
    const values = identities?.filter((i) => i.kind === kind).map((i) => i.value);
    return sql`select o.id as order_id, ci.customer_id, ${prio.indexOf(kind)}::int as prio
      from orders o join customer_identities ci on ci.tenant_id = o.tenant_id and ci.kind = ${kind} and ci.value = ${col}
      where o.tenant_id = ${tenantId} and o.customer_id is null and ${col} is not null
      ${values ? sql`and ${col} = any(${values}::text[])` : sql``}`;
  });
  if (parts.length === 0) return 0;
  const r = await sql<{ customer_id: string }>`
    with m as (${sql.join(parts, sql` union all `)}),
    pick as (select distinct on (order_id) order_id, customer_id from m order by order_id, prio)
    update orders o set customer_id = pick.customer_id, updated_at = now()
    from pick where o.tenant_id = ${tenantId} and o.id = pick.order_id and o.customer_id is null
    returning o.customer_id`.execute(trx);
  const ids = [...new Set(r.rows.map((x) => x.customer_id))];
  await markCustomersTouched(trx, tenantId, ids, 'orders.linked');
  return r.rows.length;
}

/** Callbacks other capabilities register to move their own rows when customers merge (tags, campaign history …). */
export const customerMergeHooks: ((trx: Tx, tenantId: TenantId, survivorId: string, loserId: string) => Promise<void>)[] = [];

/**
 * Merges `loserId` into `survivorId`: identities, follows and orders move to the survivor, empty fields of the
 * survivor are filled from the loser, the loser keeps a `merged_into` pointer, both are queued for the analytics
 * refresh, and an audit entry records both before-states.
 */
export async function mergeCustomers(trx: Tx, actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>, survivorId: string, loserId: string, reason: string): Promise<void> {
  const tenantId = actor.tenantId;
  if (survivorId === loserId) return;
  const rows = await trx.selectFrom('customers').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', [survivorId, loserId]).execute();
  const survivor = rows.find((r) => r.id === survivorId);
  const loser = rows.find((r) => r.id === loserId);
  if (!survivor || !loser) return;
  const loserIdentities = await trx.selectFrom('customer_identities').select(['kind', 'value', 'source']).where('tenant_id', '=', tenantId).where('customer_id', '=', loserId).execute();
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
  for (const hook of customerMergeHooks) await hook(trx, tenantId, survivorId, loserId);
  await trx
    .updateTable('customers')
    .set({
      display_name: survivor.display_name ?? loser.display_name,
      avatar: survivor.avatar ?? loser.avatar,
      primary_store_id: survivor.primary_store_id ?? loser.primary_store_id,
      mobile_masked: survivor.mobile_masked ?? loser.mobile_masked,
      updated_at: new Date(),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', survivorId)
    .execute();
  await trx.updateTable('customers').set({ merged_into: survivorId, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', loserId).execute();
  // customers that were merged into the loser earlier now point at the survivor
  await trx.updateTable('customers').set({ merged_into: survivorId }).where('tenant_id', '=', tenantId).where('merged_into', '=', loserId).execute();
  await markCustomersTouched(trx, tenantId, [survivorId, loserId], 'customers.merged');
  await audit(trx, actor, {
    action: 'customer.merge',
    entityType: 'customer',
    entityId: survivorId,
    before: { survivor, loser, loser_identities: loserIdentities.map((i) => ({ kind: i.kind, value: i.kind === 'mobile' ? '[hash]' : i.value, source: i.source })) },
    after: { survivor_id: survivorId, merged: [loserId], orders_moved: Number(moved.numUpdatedRows), reason },
  });
}

/**
 * Resolves pairs of customers proven to be one into merges: connected groups are merged into the customer with
 * the highest-priority identity (then the oldest). Returns the number of customers merged away.
 */
export async function mergeCustomerPairs(trx: Tx, actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>, pairs: [string, string][], priority: IdentityKind[], reason: string): Promise<number> {
  if (pairs.length === 0) return 0;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const [a, b] of pairs) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  }
  const ids = [...parent.keys()];
  const info = await sql<{ id: string; best: number; created_at: Date }>`
    select c.id, coalesce(min(array_position(${priority}::text[], ci.kind)), 99)::int as best, c.created_at
    from customers c left join customer_identities ci on ci.tenant_id = c.tenant_id and ci.customer_id = c.id
    where c.tenant_id = ${actor.tenantId} and c.id = any(${ids}::uuid[]) and c.merged_into is null
    group by c.id, c.created_at`.execute(trx);
  const rank = new Map(info.rows.map((r) => [r.id, r]));
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    if (!rank.has(id)) continue;
    const root = find(id);
    groups.set(root, [...(groups.get(root) ?? []), id]);
  }
  let merged = 0;
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort((x, y) => {
      const a = rank.get(x)!;
      const b = rank.get(y)!;
      return a.best - b.best || new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || x.localeCompare(y);
    });
    const [survivor, ...losers] = members;
    for (const l of losers) {
      await mergeCustomers(trx, actor, survivor!, l, reason);
      merged++;
    }
  }
  return merged;
}
