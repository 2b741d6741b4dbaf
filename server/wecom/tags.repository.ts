/**
 * Tags in the database: WeCom corp tag groups and tags mirrored from get_corp_tag_list (set-based, idempotent),
 * Huike-internal tags, and the reads the pages need (tag catalogue with usage, a customer's tags with their
 * write-back state, tags of a page of customers).
 */
import { sql, type SqlBool } from 'kysely';
import { jsonb } from '../lib/sql';
import type { TagChangeState, TagKind, TagPushState } from '../../db/schema/wecom';
import type { TenantId, Tx } from '../tenancy/context';
import type { CorpTagGroup } from './types';


export interface ReconcileResult {
  groupsChanged: number;
  tagsChanged: number;
  tagsSeen: number;
  /** Follow-tag rows removed because their tag no longer exists in WeCom. */
  followTagsRemoved: number;
}

/**
 * Writes WeCom's tag groups and tags. `full`: the list is the whole truth (every tag), so groups and tags that
 * are not in it are marked deleted and their assignments removed. Otherwise only the given ones are written.
 */
export async function reconcileCorpTags(trx: Tx, tenantId: TenantId, groups: readonly CorpTagGroup[], mode: 'full' | 'partial'): Promise<ReconcileResult> {
  const t = tenantId;
  const data = jsonb(groups.map((g) => ({ group_id: g.group_id, group_name: g.group_name, order: g.order, deleted: g.deleted === true, tag: g.tag.map((x) => ({ id: x.id, name: x.name, order: x.order, deleted: x.deleted === true })) })));
  const g = await sql<{ n: number }>`
    with g as (select * from jsonb_to_recordset(${data}) as x(group_id text, group_name text, "order" bigint, deleted boolean)),
    up as (
      insert into tag_groups as tg (tenant_id, name, kind, wecom_group_id, sort_order, deleted_at)
      select ${t}::uuid, left(coalesce(nullif(g.group_name, ''), '?'), 30), 'wecom', g.group_id, coalesce(g."order", 0), case when g.deleted then now() end from g
      on conflict (tenant_id, wecom_group_id) do update set
        name = excluded.name, sort_order = excluded.sort_order,
        deleted_at = case when excluded.deleted_at is null then null else coalesce(tg.deleted_at, excluded.deleted_at) end, updated_at = now()
      where (tg.name, tg.sort_order, tg.deleted_at is null) is distinct from (excluded.name, excluded.sort_order, excluded.deleted_at is null)
      returning 1
    )
    select count(*)::int as n from up`.execute(trx);
  const tg = await sql<{ n: number; seen: number }>`
    with x as (
      select g.group_id as wgid, tt.id as wtid, tt.name, tt."order", tt.deleted
      from jsonb_to_recordset(${data}) as g(group_id text, tag jsonb)
      cross join lateral jsonb_to_recordset(g.tag) as tt(id text, name text, "order" bigint, deleted boolean)
    ),
    r as (select x.*, grp.id as group_uuid from x join tag_groups grp on grp.tenant_id = ${t}::uuid and grp.wecom_group_id = x.wgid),
    up as (
      insert into tags as tt (tenant_id, group_id, name, wecom_tag_id, sort_order, push_state, deleted_at)
      select ${t}::uuid, r.group_uuid, left(coalesce(nullif(r.name, ''), '?'), 30), r.wtid, coalesce(r."order", 0), 'synced', case when r.deleted then now() end from r
      on conflict (tenant_id, wecom_tag_id) do update set
        group_id = excluded.group_id, name = excluded.name, sort_order = excluded.sort_order,
        deleted_at = case when excluded.deleted_at is null then null else coalesce(tt.deleted_at, excluded.deleted_at) end, updated_at = now()
      where (tt.group_id, tt.name, tt.sort_order, tt.deleted_at is null) is distinct from (excluded.group_id, excluded.name, excluded.sort_order, excluded.deleted_at is null)
      returning 1
    )
    select (select count(*)::int from up) as n, (select count(*)::int from x) as seen`.execute(trx);
  let groupsChanged = g.rows[0]?.n ?? 0;
  let tagsChanged = tg.rows[0]?.n ?? 0;
  if (mode === 'full') {
    const groupIds = groups.map((x) => x.group_id);
    const tagIds = groups.flatMap((x) => x.tag.map((y) => y.id));
    const dg = await sql`update tag_groups set deleted_at = now(), updated_at = now()
      where tenant_id = ${t}::uuid and kind = 'wecom' and wecom_group_id is not null and deleted_at is null and not (wecom_group_id = any(${groupIds}::text[]))`.execute(trx);
    const dt = await sql`update tags set deleted_at = now(), updated_at = now()
      where tenant_id = ${t}::uuid and wecom_tag_id is not null and deleted_at is null and not (wecom_tag_id = any(${tagIds}::text[]))`.execute(trx);
    groupsChanged += Number(dg.numAffectedRows ?? 0);
    tagsChanged += Number(dt.numAffectedRows ?? 0);
  }
  // Deleted tags leave every relation that carried them (counted per relation and tag, as before). updated_at
  // stays: it says when WeCom last confirmed the relation, and a full sync ends only relations it has not seen and
  // nobody touched since the run started — this cleanup runs inside the sync's own tag phase.
  const removed = await sql<{ n: number }>`
    with gone as (select coalesce(array_agg(id), '{}') as ids from tags where tenant_id = ${t}::uuid and deleted_at is not null),
    upd as (
      update customer_follows f set tag_ids = array(select x from unnest(f.tag_ids) x where not (x = any(gone.ids)) order by x)
      from gone
      where f.tenant_id = ${t}::uuid and cardinality(gone.ids) > 0 and f.tag_ids && gone.ids
      returning cardinality(f.tag_ids) as kept, (select cardinality(o.tag_ids) from customer_follows o -- the row before this statement
        where o.tenant_id = f.tenant_id and o.customer_id = f.customer_id and o.staff_id = f.staff_id) as had
    )
    select coalesce(sum(had - kept), 0)::int as n from upd`.execute(trx);
  return { groupsChanged, tagsChanged, tagsSeen: tg.rows[0]?.seen ?? 0, followTagsRemoved: removed.rows[0]?.n ?? 0 };
}

/** WeCom tag ids known to Huike (the sync checks pages against this set). */
export async function knownWecomTagIds(trx: Tx, tenantId: TenantId): Promise<Set<string>> {
  const rows = await trx.selectFrom('tags').select('wecom_tag_id').where('tenant_id', '=', tenantId).where('wecom_tag_id', 'is not', null).execute();
  return new Set(rows.map((r) => r.wecom_tag_id!));
}

/** Live corp tags (the 3,000 limit counts every corp tag, including ones still being pushed). */
export async function countLiveWecomTags(trx: Tx, tenantId: TenantId): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from tags t join tag_groups g on g.tenant_id = t.tenant_id and g.id = t.group_id
    where t.tenant_id = ${tenantId}::uuid and g.kind = 'wecom' and t.deleted_at is null and t.push_state <> 'failed'`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

export interface TagOption {
  id: string;
  name: string;
  groupId: string;
  groupName: string;
  kind: TagKind;
  pushState: TagPushState;
  pushError: string | null;
}

/** Every live tag, grouped by its group's order (for selects and the tag page). */
export async function listTagOptions(trx: Tx, tenantId: TenantId): Promise<TagOption[]> {
  const rows = await sql<{ id: string; name: string; group_id: string; group_name: string; kind: TagKind; push_state: TagPushState; push_error: string | null }>`
    select t.id, t.name, g.id as group_id, g.name as group_name, g.kind, t.push_state, t.push_error
    from tags t join tag_groups g on g.tenant_id = t.tenant_id and g.id = t.group_id
    where t.tenant_id = ${tenantId}::uuid and t.deleted_at is null and g.deleted_at is null
    order by g.kind, g.sort_order desc, g.name, t.sort_order desc, t.created_at, t.name`.execute(trx);
  return rows.rows.map((r) => ({ id: r.id, name: r.name, groupId: r.group_id, groupName: r.group_name, kind: r.kind, pushState: r.push_state, pushError: r.push_error }));
}

export interface TagGroupView {
  id: string;
  name: string;
  kind: TagKind;
  wecomGroupId: string | null;
  tags: { id: string; name: string; wecomTagId: string | null; pushState: TagPushState; pushError: string | null; customers: number }[];
}

/** The tag catalogue with how many customers carry each tag (in the actor's scope is not needed: counts only). */
export async function listTagGroups(trx: Tx, tenantId: TenantId): Promise<TagGroupView[]> {
  const rows = await sql<{ gid: string; gname: string; kind: TagKind; wgid: string | null; tid: string | null; tname: string | null; wtid: string | null; push_state: TagPushState | null; push_error: string | null; customers: number | null }>`
    -- customers per tag in one pass over the open relations' tag arrays and the internal tags
    with counts as (
      select tag_id, count(distinct customer_id)::int as customers from (
        select x.tag_id, f.customer_id from customer_follows f cross join lateral unnest(f.tag_ids) as x(tag_id)
        where f.tenant_id = ${tenantId}::uuid and f.ended_at is null and cardinality(f.tag_ids) > 0
        union all
        select it.tag_id, it.customer_id from customer_internal_tags it where it.tenant_id = ${tenantId}::uuid) u
      group by tag_id
    )
    select g.id as gid, g.name as gname, g.kind, g.wecom_group_id as wgid, t.id as tid, t.name as tname, t.wecom_tag_id as wtid, t.push_state, t.push_error,
      coalesce(n.customers, 0) as customers
    from tag_groups g left join tags t on t.tenant_id = g.tenant_id and t.group_id = g.id and t.deleted_at is null
    left join counts n on n.tag_id = t.id
    where g.tenant_id = ${tenantId}::uuid and g.deleted_at is null
    order by g.kind desc, g.sort_order desc, g.name, t.sort_order desc, t.created_at`.execute(trx);
  const out = new Map<string, TagGroupView>();
  for (const r of rows.rows) {
    let g = out.get(r.gid);
    if (!g) out.set(r.gid, (g = { id: r.gid, name: r.gname, kind: r.kind, wecomGroupId: r.wgid, tags: [] }));
    if (r.tid) g.tags.push({ id: r.tid, name: r.tname ?? '', wecomTagId: r.wtid, pushState: r.push_state ?? 'synced', pushError: r.push_error, customers: r.customers ?? 0 });
  }
  return [...out.values()];
}

/** SQL: the customer (column ref) carries the tag — on an open WeCom relation, or as an internal tag. */
export function customerHasTagSql(tenantId: TenantId, customerIdRef: string, tagId: string) {
  const cid = sql.ref(customerIdRef);
  return sql<SqlBool>`(exists (select 1 from customer_follows f
      where f.tenant_id = ${tenantId}::uuid and f.customer_id = ${cid} and f.ended_at is null and ${tagId}::uuid = any(f.tag_ids))
    or exists (select 1 from customer_internal_tags it where it.tenant_id = ${tenantId}::uuid and it.customer_id = ${cid} and it.tag_id = ${tagId}::uuid))`;
}

export interface CustomerTagView {
  tagId: string;
  name: string;
  groupName: string;
  kind: TagKind;
  /** Present now (in WeCom on an open relation, or internal). */
  present: boolean;
  /** The latest change made in Huike, if any. */
  change: { id: number; op: 'add' | 'remove'; state: TagChangeState; reason: string | null; at: Date } | null;
}

/** The latest change made in Huike to one tag of a customer, as latestTagChangesByCustomerSql returns it (JSON). */
export interface TagChangeJson {
  tag_id: string;
  id: number;
  op: 'add' | 'remove';
  state: TagChangeState;
  reason: string | null;
  at: string;
}

/**
 * SQL, one row per customer of `customerIds` that carries a tag: `(customer_id, present)`, the ids of the tags they
 * carry now — on an open relation, or internal (repeats possible). Set-based: one index scan per table for the whole
 * page (a subquery per customer cost twice as much on a 50-row page).
 */
export function presentTagIdsByCustomerSql(tenantId: TenantId, customerIds: readonly string[]) {
  const ids = [...customerIds];
  return sql<{ customer_id: string; present: string[] }>`select z.customer_id, array_agg(z.tag_id) as present from (
      select o.customer_id, x.tag_id from customer_follows o cross join lateral unnest(o.tag_ids) as x(tag_id)
      where o.tenant_id = ${tenantId}::uuid and o.customer_id = any(${ids}::uuid[]) and o.ended_at is null
      union all select it.customer_id, it.tag_id from customer_internal_tags it where it.tenant_id = ${tenantId}::uuid and it.customer_id = any(${ids}::uuid[])) z
    group by z.customer_id`;
}

/**
 * SQL, one row per customer of `customerIds` with a change in the last 30 days: `(customer_id, changes)`, the latest
 * change made in Huike to each of their tags, as JSON (TagChangeJson[]).
 */
export function latestTagChangesByCustomerSql(tenantId: TenantId, customerIds: readonly string[]) {
  return sql<{ customer_id: string; changes: TagChangeJson[] }>`select l.customer_id,
      json_agg(json_build_object('tag_id', l.tag_id, 'id', l.id, 'op', l.op, 'state', l.state, 'reason', l.reason, 'at', l.updated_at)) as changes from (
      select distinct on (tc.customer_id, tc.tag_id) tc.customer_id, tc.tag_id, tc.id, tc.op, tc.state, tc.reason, tc.updated_at from tag_changes tc
      where tc.tenant_id = ${tenantId}::uuid and tc.customer_id = any(${[...customerIds]}::uuid[]) and tc.created_at > now() - interval '30 days'
      order by tc.customer_id, tc.tag_id, tc.id desc) l
    group by l.customer_id`;
}

/** SQL: the CTEs `present_tags` and `tag_changes_30d` of the customers (to be left-joined by customer_id), for the pages' tag views. */
export function customerTagCtes(tenantId: TenantId, customerIds: readonly string[]) {
  return sql`present_tags as (${presentTagIdsByCustomerSql(tenantId, customerIds)}), tag_changes_30d as (${latestTagChangesByCustomerSql(tenantId, customerIds)})`;
}

/** SQL: the two columns `present` and `changes` of a customer row `ids.id` joined with customerTagCtes' `pt` and `tc`. */
export const CUSTOMER_TAG_COLUMNS = sql`coalesce(pt.present, '{}'::uuid[]) as present, coalesce(tc.changes, '[]'::json) as changes`;

/** SQL: the joins of customerTagCtes onto `ids.id`. */
export const CUSTOMER_TAG_JOINS = sql`left join present_tags pt on pt.customer_id = ids.id left join tag_changes_30d tc on tc.customer_id = ids.id`;

/**
 * A customer's tags as the pages show them, from presentTagIdsByCustomerSql and latestTagChangesByCustomerSql: the present tags plus
 * those with a pending or failed change (a pending add shows before WeCom confirms it, a failed one with its
 * reason), each with its latest change, named and ordered by the tenant's tag catalogue (listTagOptions); a tag not
 * in it (deleted) is not shown.
 */
export function customerTagViews(catalogue: readonly TagOption[], present: readonly string[], changes: readonly TagChangeJson[]): CustomerTagView[] {
  const byId = new Map(catalogue.map((tag, i) => [tag.id, { tag, i }]));
  const here = new Set(present);
  const latest = new Map(changes.map((c) => [c.tag_id, c]));
  const keys = new Set([...present, ...changes.filter((c) => c.state === 'pending' || c.state === 'failed').map((c) => c.tag_id)]);
  return [...keys]
    .flatMap((id) => {
      const e = byId.get(id);
      return e ? [e] : [];
    })
    .sort((a, b) => a.i - b.i)
    .map(({ tag }) => {
      const c = latest.get(tag.id);
      return { tagId: tag.id, name: tag.name, groupName: tag.groupName, kind: tag.kind, present: here.has(tag.id), change: c ? { id: c.id, op: c.op, state: c.state, reason: c.reason, at: new Date(c.at) } : null };
    });
}

/**
 * Tags of customers as the pages show them (customerTagViews), in one statement; `catalogue` when the caller has
 * read the tag catalogue already.
 */
export async function tagsOfCustomers(trx: Tx, tenantId: TenantId, customerIds: readonly string[], catalogue?: readonly TagOption[]): Promise<Map<string, CustomerTagView[]>> {
  const out = new Map<string, CustomerTagView[]>();
  if (customerIds.length === 0) return out;
  const tags = catalogue ?? (await listTagOptions(trx, tenantId));
  const rows = await sql<{ customer_id: string; present: string[]; changes: TagChangeJson[] }>`
    with ${customerTagCtes(tenantId, customerIds)}
    select ids.id as customer_id, ${CUSTOMER_TAG_COLUMNS}
    from unnest(${[...customerIds]}::uuid[]) as ids(id) ${CUSTOMER_TAG_JOINS}`.execute(trx);
  for (const r of rows.rows) out.set(r.customer_id, customerTagViews(tags, r.present, r.changes));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tags made in Huike

export interface TagGroupRef {
  id: string;
  kind: TagKind;
  name: string;
}

/** A live group by id, or by name and kind (the form names a new or existing group). */
export async function findTagGroup(trx: Tx, tenantId: TenantId, by: { id: string } | { name: string; kind: TagKind }): Promise<TagGroupRef | undefined> {
  const q = trx.selectFrom('tag_groups').select(['id', 'kind', 'name']).where('tenant_id', '=', tenantId).where('deleted_at', 'is', null);
  return 'id' in by ? q.where('id', '=', by.id).executeTakeFirst() : q.where('name', '=', by.name).where('kind', '=', by.kind).executeTakeFirst();
}

export async function insertTagGroup(trx: Tx, tenantId: TenantId, name: string, kind: TagKind): Promise<TagGroupRef> {
  return trx.insertInto('tag_groups').values({ tenant_id: tenantId, name, kind, wecom_group_id: null, deleted_at: null }).returning(['id', 'kind', 'name']).executeTakeFirstOrThrow();
}

/** A live tag of that name in the group (tag names are unique per group). */
export async function liveTagInGroup(trx: Tx, tenantId: TenantId, groupId: string, name: string): Promise<boolean> {
  const r = await trx.selectFrom('tags').select('id').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
  return Boolean(r);
}

/** A new tag; a WeCom tag starts `pending` until the write-back job has created it in WeCom. */
export async function insertTag(trx: Tx, tenantId: TenantId, t: { groupId: string; name: string; kind: TagKind; label: string }): Promise<string> {
  const row = await trx
    .insertInto('tags')
    .values({ tenant_id: tenantId, group_id: t.groupId, name: t.name, wecom_tag_id: null, push_state: t.kind === 'wecom' ? 'pending' : 'synced', push_error: null, created_by_label: t.label, deleted_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Live tags by id with their group's kind. */
export async function liveTagsById(trx: Tx, tenantId: TenantId, ids: readonly string[]): Promise<{ id: string; name: string; kind: TagKind; push_state: TagPushState }[]> {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('tags as t')
    .innerJoin('tag_groups as g', (j) => j.onRef('g.tenant_id', '=', 't.tenant_id').onRef('g.id', '=', 't.group_id'))
    .select(['t.id', 't.name', 'g.kind', 't.push_state'])
    .where('t.tenant_id', '=', tenantId)
    .where('t.id', 'in', [...ids])
    .where('t.deleted_at', 'is', null)
    .execute();
}

/** Serializes pushes of one tag (the lock is held until the transaction ends). */
export async function lockTagPush(trx: Tx, tenantId: TenantId, tagId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('huike.wecom.tag-push'), hashtext(${tenantId + ':' + tagId}))`.execute(trx);
}

/** A tag with its group, as the push to WeCom needs it. */
export async function tagForPush(trx: Tx, tenantId: TenantId, tagId: string) {
  return trx
    .selectFrom('tags as t')
    .innerJoin('tag_groups as g', (j) => j.onRef('g.tenant_id', '=', 't.tenant_id').onRef('g.id', '=', 't.group_id'))
    .select(['t.id', 't.name', 't.wecom_tag_id', 't.push_state', 't.push_error', 'g.id as group_id', 'g.name as group_name', 'g.wecom_group_id'])
    .where('t.tenant_id', '=', tenantId)
    .where('t.id', '=', tagId)
    .executeTakeFirstOrThrow();
}

/** WeCom created the tag (and its group, when the group was new to WeCom). */
export async function markTagPushed(trx: Tx, tenantId: TenantId, p: { tagId: string; groupId: string; wecomGroupId: string; wecomTagId: string }): Promise<void> {
  await trx.updateTable('tag_groups').set({ wecom_group_id: p.wecomGroupId, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', p.groupId).where('wecom_group_id', 'is', null).execute();
  await trx.updateTable('tags').set({ wecom_tag_id: p.wecomTagId, push_state: 'synced', push_error: null, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', p.tagId).execute();
}

/** The push failed: `failed` for good, or still `pending` for a retry, with WeCom's reason. */
export async function markTagPushError(trx: Tx, tenantId: TenantId, tagId: string, state: 'failed' | 'pending', message: string): Promise<void> {
  await trx.updateTable('tags').set({ push_state: state, push_error: message, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', tagId).execute();
}

/** Live tags that exist in WeCom, by group and name (a moment's audience is chosen by WeCom tags). */
export async function liveWecomTags(trx: Tx, tenantId: TenantId) {
  return trx
    .selectFrom('tags')
    .innerJoin('tag_groups', (j) => j.onRef('tag_groups.tenant_id', '=', 'tags.tenant_id').onRef('tag_groups.id', '=', 'tags.group_id'))
    .select(['tags.id', 'tags.name', 'tag_groups.name as group'])
    .where('tags.tenant_id', '=', tenantId)
    .where('tags.wecom_tag_id', 'is not', null)
    .where('tags.deleted_at', 'is', null)
    .orderBy('tag_groups.name')
    .orderBy('tags.name')
    .execute();
}

/** Live tags by id with their WeCom id (null for an internal tag or one not yet pushed). */
export async function liveTagsWecomIds(trx: Tx, tenantId: TenantId, ids: readonly string[]): Promise<{ id: string; wecom_tag_id: string | null }[]> {
  if (ids.length === 0) return [];
  return trx.selectFrom('tags').select(['id', 'wecom_tag_id']).where('tenant_id', '=', tenantId).where('id', 'in', [...ids]).where('deleted_at', 'is', null).execute();
}
