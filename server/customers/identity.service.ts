/**
 * Identity resolution: which customer an order, a member row, a WeCom contact or a clerk's note belongs to.
 * - Orders and members carry identities as received (external_userid, unionid, member_no, mobile hash, openid). The
 *   first identity that matches `customer_identities`, in the tenant's priority (default external_userid, unionid,
 *   member_no, mobile, then openid), decides the customer (`resolveCustomers`).
 * - Unmatched keys with a creatable identity create a customer (orders: `settings.ingest.createCustomersFrom`,
 *   default member_no; members: always by member number); other unmatched orders stay anonymous and keep their
 *   identities for late linking.
 * - Identities a key carries besides the matching one are learned for that customer. When one of them already
 *   belongs to another customer, the two are one person: they are merged (audit entry `customer.merge`).
 * - `linkOrdersForIdentities` attaches anonymous orders once a matching identity appears (WeCom sync, a clerk
 *   entering a phone number, a later import).
 * WeCom contacts are matched by external_userid then unionid in their own batched writer
 * (server/wecom/contacts.repository.ts), which hands its merge pairs and new identities back to this module.
 */
import type { RawBuilder } from 'kysely';
import { z } from 'zod';
import type { IdentityKind } from '../../db/schema';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { TenantId, Tx } from '../tenancy/context';
import { markCustomersTouched } from './refresh';
import {
  IDENTITY_KINDS,
  absorbCustomer,
  createCustomersForUnmatched,
  customersByIds,
  learnStagedIdentities,
  linkAnonymousOrders,
  linkOrdersForLearned,
  matchStagedKeys,
  mergeRanks,
  moveCustomerRows,
  stageIdentities,
  tenantIngestRow,
  type IdentityRef,
} from './identity.repository';

export { IDENTITY_KINDS, ORDER_IDENTITY_COLUMN, lockTenantIdentities, type IdentityRef } from './identity.repository';

export const DEFAULT_PRIORITY: readonly IdentityKind[] = ['external_userid', 'unionid', 'member_no', 'mobile'];

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

type MergeActor = Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>;

export async function loadTenantIngestContext(trx: Tx, tenantId: TenantId): Promise<TenantIngestContext> {
  const t = await tenantIngestRow(trx, tenantId);
  const raw = (t.settings as { ingest?: unknown }).ingest ?? {};
  const settings = ingestSettingsSchema.parse(typeof raw === 'object' && raw !== null ? raw : {});
  const priority = [...new Set([...settings.identityPriority, ...IDENTITY_KINDS])];
  return { timezone: t.timezone, settings, priority };
}

/**
 * Links anonymous orders that carry any of the given identities (or, with no list, any identity now known) to the
 * customer that identity belongs to, choosing by the tenant's priority when several match. Marks the customers
 * for the analytics refresh. Returns the number of orders linked. Call it inside the transaction that created the
 * identities (the WeCom sync does this after upserting contacts and remark mobiles).
 */
export async function linkOrdersForIdentities(trx: Tx, tenantId: TenantId, identities?: IdentityRef[], priority?: IdentityKind[]): Promise<number> {
  const prio = priority ?? (await loadTenantIngestContext(trx, tenantId)).priority;
  const ids = await linkAnonymousOrders(trx, tenantId, prio, identities);
  await markCustomersTouched(trx, tenantId, [...new Set(ids)], 'orders.linked');
  return ids.length;
}

export interface ResolveOptions {
  actor: MergeActor;
  priority: IdentityKind[];
  /** Identity kinds that create a customer when a key matches no one. */
  creatable: readonly IdentityKind[];
  /** customers.source / customer_identities.source of what is created ('import', 'api' …). */
  source: string;
  /** Audit reason of merges proven by these identities. */
  mergeReason: string;
}

/**
 * Resolves staged identities to customers, set-based. `identities` is a relation of (key text, kind text, value
 * text, at timestamptz, store_id uuid): several identities per key (an order number, a member row). Afterwards the
 * temp table `tmp_match (key, customer_id)` holds each resolved key's customer (keys with no match and nothing
 * creatable are absent). Anonymous orders carrying an identity learned here are linked. Hold
 * `lockTenantIdentities` in the same transaction.
 */
export async function resolveCustomers(trx: Tx, tenantId: TenantId, identities: RawBuilder<unknown>, o: ResolveOptions): Promise<{ created: number; linked: number; merged: number }> {
  const staged = await stageIdentities(trx, o.priority, identities);
  if (staged === 0) return { created: 0, linked: 0, merged: 0 };
  await matchStagedKeys(trx, tenantId);
  const created = await createCustomersForUnmatched(trx, tenantId, o.creatable, o.source);
  if (created > 0) await matchStagedKeys(trx, tenantId);
  let merged = 0;
  for (let round = 0; round < 4; round++) {
    const pairs = await learnStagedIdentities(trx, tenantId, o.source);
    if (pairs.length === 0) break;
    merged += await mergeCustomerPairs(trx, o.actor, pairs, o.priority, o.mergeReason);
    await matchStagedKeys(trx, tenantId);
  }
  const linkedTo = await linkOrdersForLearned(trx, tenantId, o.priority);
  if (linkedTo.length > 0) await markCustomersTouched(trx, tenantId, [...new Set(linkedTo)], 'orders.linked');
  return { created, linked: linkedTo.length, merged };
}

/** Callbacks other capabilities register to move their own rows when customers merge (tags, campaign history …). */
export const customerMergeHooks: ((trx: Tx, tenantId: TenantId, survivorId: string, loserId: string) => Promise<void>)[] = [];

/**
 * Merges `loserId` into `survivorId`: identities, follows and orders move to the survivor, empty fields of the
 * survivor (display and member fields) are filled from the loser, the loser keeps a `merged_into` pointer, both
 * are queued for the analytics refresh, and an audit entry records both before-states.
 */
export async function mergeCustomers(trx: Tx, actor: MergeActor, survivorId: string, loserId: string, reason: string): Promise<void> {
  const tenantId = actor.tenantId;
  if (survivorId === loserId) return;
  const rows = await customersByIds(trx, tenantId, [survivorId, loserId]);
  const survivor = rows.find((r) => r.id === survivorId);
  const loser = rows.find((r) => r.id === loserId);
  if (!survivor || !loser) return;
  const moved = await moveCustomerRows(trx, tenantId, survivorId, loserId);
  for (const hook of customerMergeHooks) await hook(trx, tenantId, survivorId, loserId);
  await absorbCustomer(trx, tenantId, survivorId, loserId);
  await markCustomersTouched(trx, tenantId, [survivorId, loserId], 'customers.merged');
  const hide = (c: typeof survivor) => ({ ...c, mobile_sealed: c.mobile_sealed ? '[sealed]' : null });
  await audit(trx, actor, {
    action: 'customer.merge',
    entityType: 'customer',
    entityId: survivorId,
    before: { survivor: hide(survivor), loser: hide(loser), loser_identities: moved.identities.map((i) => ({ kind: i.kind, value: i.kind === 'mobile' ? '[hash]' : i.value, source: i.source })) },
    after: { survivor_id: survivorId, merged: [loserId], orders_moved: moved.ordersMoved, reason },
  });
}

/**
 * Resolves pairs of customers proven to be one into merges: connected groups are merged into the customer with
 * the highest-priority identity (then the oldest). Returns the number of customers merged away.
 */
export async function mergeCustomerPairs(trx: Tx, actor: MergeActor, pairs: [string, string][], priority: IdentityKind[], reason: string): Promise<number> {
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
  const rank = new Map((await mergeRanks(trx, actor.tenantId, ids, priority)).map((r) => [r.id, r]));
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
