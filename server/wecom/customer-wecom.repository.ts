/**
 * What the customer pages show from WeCom: who serves the customer and since when, how they came (add way,
 * channel, state), remark and remark mobiles (masked), tags with their write-back state, groups, and the recent
 * tag changes — always inside the actor's scope (a clerk sees only customers they serve).
 */
import { sql } from 'kysely';
import { assertCustomerInScope } from '../customers/customers.repository';
import type { Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';
import { addWayLabel } from './messages';
import { CUSTOMER_TAG_COLUMNS, CUSTOMER_TAG_JOINS, customerTagCtes, customerTagViews, tagsOfCustomers, type CustomerTagView, type TagChangeJson, type TagOption } from './tags.repository';

export interface RelationView {
  staffId: string;
  clerk: string;
  userid: string | null;
  store: string | null;
  addedAt: Date | null;
  addWay: number | null;
  addWayLabel: [string, string];
  state: string | null;
  channel: string | null;
  remark: string | null;
  description: string | null;
  remarkMobiles: string[];
  endedAt: Date | null;
  endReason: string | null;
  customerDeletedAt: Date | null;
  tags: string[];
  mine: boolean;
}

export interface CustomerWecomProfile {
  relations: RelationView[];
  tags: CustomerTagView[];
  groups: { chatId: string; name: string; owner: string | null; members: number; joinedAt: Date | null; dismissed: boolean }[];
  changes: { id: number; tag: string; op: 'add' | 'remove'; state: string; reason: string | null; actor: string; at: Date; attempts: number }[];
}

/**
 * A customer's WeCom side: relations, tags, groups and recent tag changes. `groupsAndChanges: false` leaves the last
 * two empty for a page that does not show them (the clerk's card), two queries fewer.
 */
export async function getCustomerWecomProfile(trx: Tx, actor: Actor, customerId: string, opts: { groupsAndChanges?: boolean } = {}): Promise<CustomerWecomProfile> {
  await assertCustomerInScope(trx, actor, customerId);
  const t = actor.tenantId;
  const rel = await sql<{
    staff_id: string;
    clerk: string;
    userid: string | null;
    store: string | null;
    added_at: Date | null;
    add_way: number | null;
    state: string | null;
    channel: string | null;
    remark: string | null;
    description: string | null;
    remark_mobiles: string[];
    ended_at: Date | null;
    end_reason: string | null;
    customer_deleted_at: Date | null;
    tags: string[] | null;
  }>`
    select f.staff_id, s.name as clerk, s.wecom_userid as userid, st.name as store, f.added_at, f.add_way, f.state, ch.name as channel,
      f.remark, f.description, f.remark_mobiles, f.ended_at, f.end_reason, f.customer_deleted_at,
      (select array_agg(tg.name order by tg.sort_order desc, tg.name) from tags tg where tg.tenant_id = f.tenant_id and tg.id = any(f.tag_ids)) as tags
    from customer_follows f
    join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
    left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    left join wecom_channels ch on ch.tenant_id = f.tenant_id and ch.id = f.channel_id
    where f.tenant_id = ${t}::uuid and f.customer_id = ${customerId}::uuid
    order by f.ended_at nulls first, f.added_at`.execute(trx);
  const withDetail = opts.groupsAndChanges ?? true;
  const groups = !withDetail ? { rows: [] } : await sql<{ chat_id: string; name: string; owner: string | null; members: number; joined_at: Date | null; dismissed: boolean }>`
    select g.chat_id, g.name, s.name as owner, g.member_count as members, m.join_time as joined_at, g.dismissed_at is not null as dismissed
    from wecom_group_members m join wecom_group_chats g on g.tenant_id = m.tenant_id and g.chat_id = m.chat_id
    left join staff s on s.tenant_id = g.tenant_id and s.id = g.owner_staff_id
    where m.tenant_id = ${t}::uuid and m.customer_id = ${customerId}::uuid and m.left_at is null
    order by g.dismissed_at nulls first, m.join_time desc nulls last`.execute(trx);
  const changes = !withDetail ? { rows: [] } : await sql<{ id: number; tag: string; op: 'add' | 'remove'; state: string; reason: string | null; actor: string; at: Date; attempts: number }>`
    select tc.id, tg.name as tag, tc.op, tc.state, tc.reason, tc.actor_label as actor, tc.updated_at as at, tc.attempts
    from tag_changes tc join tags tg on tg.tenant_id = tc.tenant_id and tg.id = tc.tag_id
    where tc.tenant_id = ${t}::uuid and tc.customer_id = ${customerId}::uuid
    order by tc.id desc limit 20`.execute(trx);
  const tags = (await tagsOfCustomers(trx, t, [customerId])).get(customerId) ?? [];
  return {
    relations: rel.rows.map((r) => ({
      staffId: r.staff_id,
      clerk: r.clerk,
      userid: r.userid,
      store: r.store,
      addedAt: r.added_at,
      addWay: r.add_way,
      addWayLabel: addWayLabel(r.add_way),
      state: r.state,
      channel: r.channel,
      remark: r.remark,
      description: r.description,
      remarkMobiles: r.remark_mobiles,
      endedAt: r.ended_at,
      endReason: r.end_reason,
      customerDeletedAt: r.customer_deleted_at,
      tags: r.tags ?? [],
      mine: r.staff_id === actor.staffId,
    })),
    tags,
    groups: groups.rows.map((g) => ({ chatId: g.chat_id, name: g.name, owner: g.owner, members: g.members, joinedAt: g.joined_at, dismissed: g.dismissed })),
    changes: changes.rows,
  };
}

export interface CustomerListWecom {
  tags: CustomerTagView[];
  firstAddedAt: Date | null;
  addWayLabel: [string, string] | null;
  channel: string | null;
  groups: number;
}

/**
 * WeCom columns for one page of the customers list (ids already scoped by the list query), in one statement: per
 * customer the first relation and its channel, the groups, and the tags as every page shows them (tags.repository
 * customerTagViews), named from the tag catalogue the page reads anyway (`catalogue`: listTagOptions).
 */
export async function wecomColumnsFor(trx: Tx, actor: Actor, customerIds: readonly string[], catalogue: readonly TagOption[]): Promise<Record<string, CustomerListWecom>> {
  const out: Record<string, CustomerListWecom> = {};
  if (customerIds.length === 0) return out;
  const t = actor.tenantId;
  const ids = [...customerIds];
  // Set-based: one scan per table for the page's customers, joined by id (a subquery per row cost twice as much).
  const rows = await sql<{ customer_id: string; added_at: Date | null; add_way: number | null; channel: string | null; groups: number; present: string[]; changes: TagChangeJson[] }>`
    with first_follow as (
      select distinct on (f.customer_id) f.customer_id, f.added_at, f.add_way, f.channel_id from customer_follows f
      where f.tenant_id = ${t}::uuid and f.customer_id = any(${ids}::uuid[])
      order by f.customer_id, f.ended_at nulls first, f.added_at),
    group_counts as (
      select m.customer_id, count(*)::int as n from wecom_group_members m
      where m.tenant_id = ${t}::uuid and m.customer_id = any(${ids}::uuid[]) and m.left_at is null group by m.customer_id),
    ${customerTagCtes(t, ids)}
    select ids.id as customer_id, f.added_at, f.add_way, ch.name as channel, coalesce(g.n, 0) as groups, ${CUSTOMER_TAG_COLUMNS}
    from unnest(${ids}::uuid[]) as ids(id)
    left join first_follow f on f.customer_id = ids.id
    left join wecom_channels ch on ch.tenant_id = ${t}::uuid and ch.id = f.channel_id
    left join group_counts g on g.customer_id = ids.id
    ${CUSTOMER_TAG_JOINS}`.execute(trx);
  for (const r of rows.rows) {
    out[r.customer_id] = { tags: customerTagViews(catalogue, r.present, r.changes), firstAddedAt: r.added_at, addWayLabel: r.add_way === null ? null : addWayLabel(r.add_way), channel: r.channel, groups: r.groups };
  }
  return out;
}
