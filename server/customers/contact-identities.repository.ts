/**
 * Customers of WeCom contacts (run under `lockTenantIdentities`, for the sync's pages and the callbacks' re-reads):
 * matched by external_userid then unionid (new ones created), their identities, and remark mobiles as keyed-hash
 * mobile identities. Lookups into the big tables are one primary-key probe per value, and the batch is bound once
 * per statement as parallel arrays (`unnest`), so a batch costs the same in a small and a big tenant. Contacts
 * whose external_userid and unionid point at two customers come back as merge pairs (identity.service.ts merges),
 * and so does a remark mobile that belongs to a customer Huike knows only from members or orders (no WeCom
 * contact of its own): that is how a member imported before the contact synced is linked when it arrives.
 * The staged resolver for orders and members is `resolveCustomers` in identity.service.ts.
 */
import { sql } from 'kysely';
import { uuidArray } from '../lib/pg-array';
import { uuid7 } from '../lib/uuid7';
import type { TenantId, Tx } from '../tenancy/context';
import type { IdentityRef } from './identity.repository';

/** One contact as WeCom describes it (a contact followed by several clerks may come several times). */
export interface ContactIdentity {
  external_userid: string;
  name: string;
  avatar: string | null;
  gender: number;
  unionid: string | null;
  mobiles: readonly { hash: string; masked: string }[];
}

export interface ContactCustomers {
  /** external_userid → customer id. */
  customerOf: Map<string, string>;
  customersCreated: number;
  customersUpdated: number;
  /** Customers whose data changed (for the analytics refresh). */
  touched: string[];
  /** Identities created now (for late linking of anonymous orders). */
  identities: IdentityRef[];
  /** (customer, customer) pairs proven to be one person. */
  mergePairs: [string, string][];
  createdIds: string[];
}

/** Identities to learn, as parallel arrays (bound once per statement with `unnest`). */
interface IdentityRows {
  kinds: string[];
  values: string[];
  owners: string[];
  sources: string[];
}

/** Contacts matched to their customers: new ones (ids drawn now), existing ones, and identities not yet known. */
interface ContactPlan {
  customerOf: Map<string, string>;
  fresh: ContactIdentity[];
  freshIds: string[];
  existing: { id: string; c: ContactIdentity }[];
  ids: IdentityRows;
  mergePairs: [string, string][];
  /** Customer id → the smallest masked remark mobile (fills an empty customer mobile). */
  maskedOf: Map<string, string>;
}

/** The customers already holding these external_userids and unionids (one primary-key probe per value). */
async function knownContactIdentities(trx: Tx, t: TenantId, eids: string[], unionids: string[]): Promise<{ byEid: Map<string, string>; byUnion: Map<string, string> }> {
  // One primary-key probe per value (a lateral subquery with LIMIT cannot become a hash join): with `= any(array)`
  // the planner chose a (parallel) scan of every identity of the tenant per batch once the table grew past its
  // last ANALYZE — 30–65 ms per batch at 50,000 customers, against a few ms of probes.
  const known = await sql<{ kind: string; value: string; customer_id: string }>`
    select k.kind, k.value, x.customer_id
    from (select 'external_userid'::text as kind, v as value from unnest(${eids}::text[]) v
          union all select 'unionid', v from unnest(${unionids}::text[]) v) k
    cross join lateral (select ci.customer_id from customer_identities ci where ci.tenant_id = ${t}::uuid and ci.kind = k.kind and ci.value = k.value limit 1) x`.execute(trx);
  const byEid = new Map<string, string>();
  const byUnion = new Map<string, string>();
  for (const k of known.rows) (k.kind === 'external_userid' ? byEid : byUnion).set(k.value, k.customer_id);
  return { byEid, byUnion };
}

/**
 * Each contact's customer (by external_userid, then unionid, else a new id), the identities to learn, merge pairs
 * where the two point at different customers, then the remark mobiles as identities of the contact's customer.
 */
function planContacts(pairs: readonly ContactIdentity[], cust: Map<string, ContactIdentity>, byEid: Map<string, string>, byUnion: Map<string, string>): ContactPlan {
  const mergePairs: [string, string][] = [];
  const customerOf = new Map<string, string>();
  const fresh: ContactIdentity[] = [];
  const freshIds: string[] = [];
  const existing: { id: string; c: ContactIdentity }[] = [];
  const idKinds: string[] = [];
  const idValues: string[] = [];
  const idOwners: string[] = [];
  for (const c of cust.values()) {
    const e = byEid.get(c.external_userid);
    const u = c.unionid ? byUnion.get(c.unionid) : undefined;
    if (e && u && e !== u) mergePairs.push([e, u]);
    let id = e ?? u;
    if (!id) {
      id = uuid7();
      fresh.push(c);
      freshIds.push(id);
    } else existing.push({ id, c });
    customerOf.set(c.external_userid, id);
    if (!e) {
      idKinds.push('external_userid');
      idValues.push(c.external_userid);
      idOwners.push(id);
    }
    if (c.unionid && !u) {
      idKinds.push('unionid');
      idValues.push(c.unionid);
      idOwners.push(id);
    }
  }
  // Remark mobiles: keyed-hash identities (learned like any other identity, in the same statement), and the
  // masked form fills an empty customer mobile.
  const maskedOf = new Map<string, string>();
  const idSources: string[] = idKinds.map(() => 'wecom');
  for (const p of pairs) {
    const id = customerOf.get(p.external_userid)!;
    for (const m of p.mobiles) {
      idKinds.push('mobile');
      idValues.push(m.hash);
      idOwners.push(id);
      idSources.push('wecom.remark_mobile');
      const cur = maskedOf.get(id);
      if (cur === undefined || m.masked < cur) maskedOf.set(id, m.masked);
    }
  }
  return { customerOf, fresh, freshIds, existing, ids: { kinds: idKinds, values: idValues, owners: idOwners, sources: idSources }, mergePairs, maskedOf };
}

/**
 * One statement: inserts the new customers, refreshes the existing ones where WeCom's name, avatar, gender or a
 * mobile changed them, and learns the identities. Returns the updated ids, the identities created and the
 * customers who gained a mobile identity.
 */
async function writeContactCustomers(trx: Tx, t: TenantId, plan: ContactPlan, returnIdentities: boolean) {
  const { fresh, freshIds, existing, maskedOf } = plan;
  const { kinds: idKinds, values: idValues, owners: idOwners, sources: idSources } = plan.ids;
  const exIds = existing.map((x) => x.id);
  const cr = await sql<{ updated_ids: string[] | null; identities: IdentityRef[]; mobile_ids: string[] | null }>`
    with ins as (
      insert into customers (tenant_id, id, display_name, gender, avatar, source, mobile_masked)
      select ${t}::uuid, u.id, nullif(u.name, ''), coalesce(u.gender, 0), nullif(u.avatar, ''), 'wecom', u.masked
      from unnest(${uuidArray(freshIds)}::uuid[], ${fresh.map((c) => c.name)}::text[], ${fresh.map((c) => c.gender)}::int[], ${fresh.map((c) => c.avatar)}::text[], ${freshIds.map((id) => maskedOf.get(id) ?? null)}::text[]) as u(id, name, gender, avatar, masked)
      returning id
    ),
    cand as (
      select distinct on (c.id) c.id,
        case when c.source = 'wecom' or c.display_name is null then coalesce(nullif(u.name, ''), c.display_name) else c.display_name end as dn,
        coalesce(nullif(u.avatar, ''), c.avatar) as av,
        case when coalesce(u.gender, 0) <> 0 then u.gender else c.gender end as g,
        coalesce(c.mobile_masked, u.masked) as mm
      from unnest(${uuidArray(exIds)}::uuid[], ${existing.map((x) => x.c.name)}::text[], ${existing.map((x) => x.c.gender)}::int[], ${existing.map((x) => x.c.avatar)}::text[], ${exIds.map((id) => maskedOf.get(id) ?? null)}::text[]) as u(id, name, gender, avatar, masked)
      -- a primary-key probe per customer, whatever the statistics say (see the identity lookup above)
      cross join lateral (select * from customers c where c.tenant_id = ${t}::uuid and c.id = u.id limit 1) c
      order by c.id
    ),
    upd as (
      update customers c set display_name = cand.dn, avatar = cand.av, gender = cand.g, mobile_masked = cand.mm, updated_at = now()
      from cand
      where c.tenant_id = ${t}::uuid and c.id = any(${uuidArray(exIds)}::uuid[]) and c.id = cand.id
        and (c.display_name is distinct from cand.dn or c.avatar is distinct from cand.av or c.gender is distinct from cand.g or c.mobile_masked is distinct from cand.mm)
      returning c.id
    ),
    idents as (
      insert into customer_identities (tenant_id, kind, value, customer_id, source)
      select ${t}::uuid, u.kind, u.value, u.owner, u.source from unnest(${idKinds}::text[], ${idValues}::text[], ${uuidArray(idOwners)}::uuid[], ${idSources}::text[]) as u(kind, value, owner, source)
      on conflict (tenant_id, kind, value) do nothing
      returning kind, value, customer_id
    )
    select (select count(*) from ins) as n_ins, (select array_agg(id) from upd) as updated_ids,
      (select coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'value', value)), '[]'::jsonb) from idents where ${returnIdentities}) as identities,
      (select array_agg(distinct customer_id) from idents where kind = 'mobile') as mobile_ids`.execute(trx);
  return cr.rows[0];
}

/** Customers of a batch of WeCom contacts (see the module comment). */
export async function resolveContactCustomers(
  trx: Tx,
  tenantId: TenantId,
  pairs: readonly ContactIdentity[],
  opts: { returnIdentities?: boolean } = {},
): Promise<ContactCustomers> {
  const returnIdentities = opts.returnIdentities ?? true;
  const t = tenantId;
  const out = { customersCreated: 0, customersUpdated: 0, touched: [] as string[], identities: [] as IdentityRef[], mergePairs: [] as [string, string][] };
  const touched = new Set<string>();
  const cust = new Map<string, ContactIdentity>();
  for (const p of pairs) cust.set(p.external_userid, p);

  const eids = [...cust.keys()];
  const unionids = [...new Set([...cust.values()].flatMap((c) => (c.unionid ? [c.unionid] : [])))];
  const { byEid, byUnion } = await knownContactIdentities(trx, t, eids, unionids);
  const plan = planContacts(pairs, cust, byEid, byUnion);
  const { customerOf, freshIds } = plan;
  out.mergePairs.push(...plan.mergePairs);
  const c0 = await writeContactCustomers(trx, t, plan, returnIdentities);
  out.customersCreated = freshIds.length;
  for (const id of freshIds) touched.add(id);
  out.customersUpdated = c0?.updated_ids?.length ?? 0;
  for (const id of c0?.updated_ids ?? []) touched.add(id);
  out.identities.push(...(c0?.identities ?? []));

  for (const id of c0?.mobile_ids ?? []) touched.add(id);
  out.mergePairs.push(...(await mobileOwnersToJoin(trx, t, plan.ids.kinds, plan.ids.values, plan.ids.owners)));
  out.touched = [...touched];
  return { ...out, customerOf, createdIds: freshIds };
}

/**
 * Late linking: (contact's customer, owner) for remark mobiles already owned by another customer who has no
 * external_userid — a member or order customer not yet seen in WeCom. Two WeCom contacts sharing a mobile (a
 * family phone) stay two customers.
 */
async function mobileOwnersToJoin(trx: Tx, t: TenantId, kinds: string[], values: string[], owners: string[]): Promise<[string, string][]> {
  const hashes: string[] = [];
  const of: string[] = [];
  kinds.forEach((k, i) => {
    if (k === 'mobile') {
      hashes.push(values[i]!);
      of.push(owners[i]!);
    }
  });
  if (hashes.length === 0) return [];
  const r = await sql<{ a: string; b: string }>`
    select distinct u.owner as a, x.customer_id as b
    from unnest(${hashes}::text[], ${uuidArray(of)}::uuid[]) as u(value, owner)
    cross join lateral (select ci.customer_id from customer_identities ci where ci.tenant_id = ${t}::uuid and ci.kind = 'mobile' and ci.value = u.value limit 1) x
    where x.customer_id <> u.owner
      and not exists (select 1 from customer_identities e where e.tenant_id = ${t}::uuid and e.customer_id = x.customer_id and e.kind = 'external_userid')`.execute(trx);
  return r.rows.map((p) => [p.a, p.b]);
}
