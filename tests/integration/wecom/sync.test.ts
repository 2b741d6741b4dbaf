import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mobileHashKey } from '../../../server/customers/mobile-identity';
import { lockTenantIdentities } from '../../../server/customers/identity.service';
import { withSystem, withTenant } from '../../../server/tenancy/context';
import { applyContactPairs, pairsFromGet } from '../../../server/wecom/contacts.repository';
import { wecomClientFor } from '../../../server/wecom/runtime';
import { requestFullSync, runFullSync, SyncAbortedError, syncOverview } from '../../../server/wecom/sync.service';
import { getRun } from '../../../server/wecom/sync.repository';
import { useTestServices } from '../../support/db';
import { connectedTenant, counts, syncOnce } from './helpers';

const h = useTestServices();

/**
 * Makes the database refuse inserts into `table` (those matching `when`, a SQL condition on `new`) until the
 * returned function is called: a failure in the middle of a sync that a test can remove again.
 */
async function refuseInserts(table: 'customers' | 'wecom_group_chats', message: string, when = 'true'): Promise<() => Promise<void>> {
  const name = `test_refuse_${table}`;
  await withSystem(h.services.dbs, async (db) => {
    await sql`create or replace function ${sql.raw(name)}() returns trigger language plpgsql as ${sql.lit(`begin raise exception '${message}'; end`)}`.execute(db);
    await sql`create trigger ${sql.raw(name)} before insert on ${sql.table(table)} for each row when (${sql.raw(when)}) execute function ${sql.raw(name)}()`.execute(db);
  });
  return () => withSystem(h.services.dbs, async (db) => void (await sql`drop trigger if exists ${sql.raw(name)} on ${sql.table(table)}`.execute(db)));
}

describe('WeCom full sync against the simulator', () => {
  it('syncs thousands of contacts with multi-clerk relations, tags, remark mobiles and groups; a second run changes nothing', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 3000, staff: 40, seed: 11 });
    const run = await syncOnce(h.services, tenant.id);
    expect(run.status).toBe('done');
    const s = sim.summary();
    const c = await counts(h.services, tenant.id);
    expect(c.customers).toBe(s.customers);
    expect(c.eids).toBe(s.customers);
    expect(c.open).toBe(s.relations);
    expect(c.staff).toBe(40);
    expect(c.chats).toBe(s.groupChats);
    expect(run.relations_seen).toBe(s.relations);
    expect(run.customers_seen).toBe(s.customers);
    expect(run.staff_created).toBe(40);

    // Multi-clerk customers: every clerk who follows them in WeCom serves them in Huike.
    const multi = [...sim.state.followsByCustomer.entries()].filter(([, fs]) => fs.length >= 2);
    expect(multi.length).toBeGreaterThan(200);
    const [eid, fs] = multi[0]!;
    const rows = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ userid: string; remark: string | null; add_way: number | null; state: string | null; added_at: Date; tags: string[] | null; mobiles: string[] }>`
        select s.wecom_userid as userid, f.remark, f.add_way, f.state, f.added_at, f.remark_mobiles as mobiles,
          (select array_agg(t.wecom_tag_id order by t.wecom_tag_id) from customer_follow_tags ft join tags t on t.tenant_id = ft.tenant_id and t.id = ft.tag_id
            where ft.tenant_id = f.tenant_id and ft.customer_id = f.customer_id and ft.staff_id = f.staff_id) as tags
        from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
        join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
        where f.tenant_id = ${tenant.id}::uuid and ci.value = ${eid} order by s.wecom_userid`.execute(trx),
    );
    expect(rows.rows.map((r) => r.userid)).toEqual(fs.map((f) => f.userid).sort());
    for (const r of rows.rows) {
      const f = fs.find((x) => x.userid === r.userid)!;
      expect(r.remark).toBe(f.remark || null);
      expect(r.add_way).toBe(f.add_way);
      expect(r.state).toBe(f.state ?? null);
      expect(new Date(r.added_at).getTime()).toBe(f.createtime * 1000);
      expect(r.tags ?? []).toEqual([...f.tag_ids].sort());
    }
    // Remark mobiles are stored masked and matched by a keyed hash, never in clear.
    const withMobile = [...sim.state.followsByUser.values()].flat().find((f) => f.remark_mobiles.length > 0)!;
    const m = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ mobiles: string[]; hashes: number; masked: string | null }>`
        select f.remark_mobiles as mobiles, c.mobile_masked as masked,
          (select count(*)::int from customer_identities x where x.tenant_id = c.tenant_id and x.customer_id = c.id and x.kind = 'mobile') as hashes
        from customer_identities ci join customers c on c.tenant_id = ci.tenant_id and c.id = ci.customer_id
        join customer_follows f on f.tenant_id = c.tenant_id and f.customer_id = c.id join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id and s.wecom_userid = ${withMobile.userid}
        where ci.tenant_id = ${tenant.id}::uuid and ci.kind = 'external_userid' and ci.value = ${withMobile.external_userid}`.execute(trx),
    );
    const raw = withMobile.remark_mobiles[0]!;
    expect(m.rows[0]!.mobiles[0]).toBe(`${raw.slice(0, 3)}****${raw.slice(-4)}`);
    expect(m.rows[0]!.hashes).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(m.rows)).not.toContain(raw);

    // Groups and their members, linked to customers.
    const chat = [...sim.state.groupChats.values()][0]!;
    const members = await withTenant(h.services.dbs, tenant.id, (trx) =>
      trx.selectFrom('wecom_group_members').select(['member_id', 'customer_id', 'member_type']).where('tenant_id', '=', tenant.id).where('chat_id', '=', chat.chat_id).where('left_at', 'is', null).execute(),
    );
    expect(members.length).toBe(chat.members.length);
    expect(members.filter((x) => x.member_type === 2 && x.customer_id).length).toBeGreaterThan(0);

    // Second run: idempotent.
    const before = await counts(h.services, tenant.id);
    const again = await syncOnce(h.services, tenant.id);
    expect(again.status).toBe('done');
    expect({
      customers_created: again.customers_created,
      customers_updated: again.customers_updated,
      relations_created: again.relations_created,
      relations_updated: again.relations_updated,
      relations_ended: again.relations_ended,
      follow_tags_changed: again.follow_tags_changed,
      groups_changed: again.groups_changed,
      tags_changed: again.tags_changed,
      staff_created: again.staff_created,
    }).toEqual({ customers_created: 0, customers_updated: 0, relations_created: 0, relations_updated: 0, relations_ended: 0, follow_tags_changed: 0, groups_changed: 0, tags_changed: 0, staff_created: 0 });
    expect(await counts(h.services, tenant.id)).toEqual(before);
    expect(again.relations_seen).toBe(s.relations);
  });

  it('applies tags added and removed in WeCom between two syncs, and keeps a tag Huike wrote after the page was read', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 600, staff: 10, seed: 41 });
    await syncOnce(h.services, tenant.id);
    const tagsOf = (userid: string, eid: string) =>
      withTenant(h.services.dbs, tenant.id, async (trx) =>
        (
          await sql<{ wid: string }>`select t.wecom_tag_id as wid from customer_follow_tags ft join tags t on t.tenant_id = ft.tenant_id and t.id = ft.tag_id
            join staff s on s.tenant_id = ft.tenant_id and s.id = ft.staff_id and s.wecom_userid = ${userid}
            join customer_identities ci on ci.tenant_id = ft.tenant_id and ci.customer_id = ft.customer_id and ci.kind = 'external_userid' and ci.value = ${eid}
            where ft.tenant_id = ${tenant.id}::uuid order by 1`.execute(trx)
        ).rows.map((r) => r.wid),
      );
    const rels = [...sim.state.followsByUser.values()].flat().filter((f) => f.tag_ids.length >= 2);
    const [a, b] = [rels[0]!, rels[1]!];
    const allTags = [...sim.state.tags.values()].filter((t) => !t.deleted).map((t) => t.id);
    const dropped = a.tag_ids[0]!;
    const added = allTags.find((t) => !b.tag_ids.includes(t))!;
    expect(await tagsOf(a.userid, a.external_userid)).toContain(dropped);
    sim.editContact(a.userid, a.external_userid, { removeTags: [dropped] });
    sim.editContact(b.userid, b.external_userid, { addTags: [added] });

    const run = await syncOnce(h.services, tenant.id);
    expect(run.follow_tags_changed).toBe(2);
    expect(await tagsOf(a.userid, a.external_userid)).toEqual([...a.tag_ids].sort());
    expect(await tagsOf(a.userid, a.external_userid)).not.toContain(dropped);
    expect(await tagsOf(b.userid, b.external_userid)).toEqual([...b.tag_ids].sort());
    expect(await tagsOf(b.userid, b.external_userid)).toContain(added);

    // A write-back that raced the read: tags Huike wrote after WeCom's answer was fetched stay; written before, they go.
    const c = rels[2]!;
    const extra = allTags.find((t) => !c.tag_ids.includes(t))!;
    const read = await (await wecomClientFor(h.services, tenant.id)).getExternalContactFull(c.external_userid);
    const pairs = pairsFromGet(read, mobileHashKey(h.services.config.APP_ENCRYPTION_KEY)).filter((p) => p.userid === c.userid);
    const fetchedAt = new Date();
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`update customer_follows f set tag_ids = array(select distinct x from unnest(f.tag_ids || t.id) x order by x),
          tags_changed_at = ${new Date(fetchedAt.getTime() + 1000)}::timestamptz
        from staff s, customer_identities ci, tags t
        where f.tenant_id = ${tenant.id}::uuid and s.tenant_id = f.tenant_id and s.id = f.staff_id and s.wecom_userid = ${c.userid}
          and ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid' and ci.value = ${c.external_userid}
          and t.tenant_id = f.tenant_id and t.wecom_tag_id = ${extra}`.execute(trx),
    );
    const apply = (at: Date) =>
      withTenant(h.services.dbs, tenant.id, async (trx) => {
        await lockTenantIdentities(trx, tenant.id);
        return applyContactPairs(trx, tenant.id, pairs, { fetchedAt: at });
      });
    expect((await apply(fetchedAt)).followTagsChanged).toBe(0);
    expect(await tagsOf(c.userid, c.external_userid)).toEqual([...c.tag_ids, extra].sort());
    expect((await apply(new Date(fetchedAt.getTime() + 2000))).followTagsChanged).toBe(1);
    expect(await tagsOf(c.userid, c.external_userid)).toEqual([...c.tag_ids].sort());

    // The same for a removal: a tag Huike removed after the page was read stays removed.
    const removedTag = c.tag_ids[0]!;
    const at2 = new Date();
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`update customer_follows f set tag_ids = array_remove(f.tag_ids, t.id), tags_changed_at = ${new Date(at2.getTime() + 1000)}::timestamptz
        from staff s, customer_identities ci, tags t
        where f.tenant_id = ${tenant.id}::uuid and s.tenant_id = f.tenant_id and s.id = f.staff_id and s.wecom_userid = ${c.userid}
          and ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid' and ci.value = ${c.external_userid}
          and t.tenant_id = f.tenant_id and t.wecom_tag_id = ${removedTag}`.execute(trx),
    );
    expect((await apply(at2)).followTagsChanged).toBe(0);
    expect(await tagsOf(c.userid, c.external_userid)).not.toContain(removedTag);
  });

  it('ends (never deletes) relations that disappeared between two syncs, and re-opens a re-added one', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 800, staff: 12, seed: 21 });
    await syncOnce(h.services, tenant.id);
    const all = [...sim.state.followsByUser.values()].flat();
    const victims = all.slice(0, 25);
    // One of their tags is deleted in the console too: removing it from the relations must not count as WeCom
    // confirming them (they are still ended).
    const doomedTag = victims.flatMap((f) => f.tag_ids)[0]!;
    expect(doomedTag).toBeDefined();
    sim.deleteTagsQuietly([doomedTag], []);
    for (const f of victims) sim.deleteContact(f.userid, f.external_userid);
    const before = await counts(h.services, tenant.id);
    const run = await syncOnce(h.services, tenant.id);
    expect(run.relations_ended).toBe(25);
    const after = await counts(h.services, tenant.id);
    expect(after.open).toBe(before.open - 25);
    expect(after.ended).toBe(before.ended + 25);
    expect(after.customers).toBe(before.customers);
    const ended = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ end_reason: string; userid: string; eid: string }>`select f.end_reason, s.wecom_userid as userid, ci.value as eid from customer_follows f
        join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
        join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
        where f.tenant_id = ${tenant.id}::uuid and f.ended_at is not null`.execute(trx),
    );
    expect(ended.rows.map((r) => `${r.userid}/${r.eid}`).sort()).toEqual(victims.map((f) => `${f.userid}/${f.external_userid}`).sort());
    expect(new Set(ended.rows.map((r) => r.end_reason))).toEqual(new Set(['sync.missing']));

    // The customer adds the clerk again: the relation is open again after the next sync.
    sim.addContact({ userid: victims[0]!.userid, externalUserid: victims[0]!.external_userid });
    const third = await syncOnce(h.services, tenant.id);
    expect(third.relations_updated).toBe(1);
    expect((await counts(h.services, tenant.id)).open).toBe(after.open + 1);
  });

  it('a sync killed midway resumes from its checkpoint without re-reading everything or duplicating anything', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 8000, staff: 30, seed: 31 });
    const { runId } = await requestFullSync(h.services, { tenantId: tenant.id, staffId: null, label: 'test' }, 'cli');
    const stop = new AbortController();
    await expect(
      runFullSync(h.services, tenant.id, runId, {
        concurrency: 3,
        batchItems: 300,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.phase === 'contacts' && p.pages >= 40) stop.abort();
        },
      }),
    ).rejects.toBeInstanceOf(SyncAbortedError);
    const mid = await withTenant(h.services.dbs, tenant.id, (trx) => getRun(trx, tenant.id, runId));
    expect(mid!.status).toBe('running');
    expect(mid!.phase).toBe('contacts');
    const pagesBefore = mid!.pages;
    expect(pagesBefore).toBeGreaterThanOrEqual(40);
    expect(mid!.checkpoint.lanes!.some((l) => l.cursor !== '' || l.done)).toBe(true);
    const batchCallsBefore = sim.requestCount.get('externalcontact/batch/get_by_user') ?? 0;

    // Progress is visible while it is stopped midway.
    const view = await withTenant(h.services.dbs, tenant.id, (trx) => syncOverview(trx, tenant.id));
    expect(view.active?.id).toBe(runId);
    expect(view.active!.customers.seen).toBeGreaterThan(0);
    expect(view.active!.fraction).toBeGreaterThan(0);
    expect(view.active!.fraction).toBeLessThan(1);

    // A fresh heartbeat means another worker holds it: not taken without takeover.
    expect(await runFullSync(h.services, tenant.id, runId)).toBe('skipped');
    expect(await runFullSync(h.services, tenant.id, runId, { takeover: true, concurrency: 3 })).toBe('done');
    const done = await withTenant(h.services.dbs, tenant.id, (trx) => getRun(trx, tenant.id, runId));
    const s = sim.summary();
    const c = await counts(h.services, tenant.id);
    expect(done!.status).toBe('done');
    expect(c.customers).toBe(s.customers);
    expect(c.eids).toBe(s.customers);
    expect(c.open).toBe(s.relations);
    expect(done!.relations_seen).toBe(s.relations);
    expect(done!.relations_ended).toBe(0);
    // Resumed, not restarted: the second attempt read only the remaining pages, plus those that had been read
    // ahead but not written when it stopped (bounded by the queues, the readers and the writers' batches).
    const batchCallsAfter = sim.requestCount.get('externalcontact/batch/get_by_user')! - batchCallsBefore;
    // 2 writers' queues of (300 / 100 + 3) pages, 3 readers' pages in flight, 2 batches of 3 pages being written.
    const readAhead = 2 * (300 / 100 + 3) + 3 + 2 * 3;
    expect(batchCallsAfter).toBeLessThanOrEqual(done!.pages - pagesBefore + readAhead);
    expect(batchCallsAfter).toBeLessThan(done!.pages - 20);
    expect(done!.attempts).toBe(2);
  });

  it('a writer that fails stops the whole run (instead of leaving readers blocked on its queue); the run resumes once the cause is gone', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 6000, staff: 6, seed: 53 });
    // The database refuses one customer deep in the list: whichever writer meets it fails, the other is healthy.
    const doomed = [...sim.state.customers.values()][1500]!.name;
    const allow = await refuseInserts('customers', 'test: customer refused', `new.display_name = '${doomed.replace(/'/g, "''")}'`);
    try {
      const { runId } = await requestFullSync(h.services, { tenantId: tenant.id, staffId: null, label: 'test' }, 'cli');
      await expect(runFullSync(h.services, tenant.id, runId, { concurrency: 8, batchItems: 300 })).rejects.toThrow(/customer refused/);
      const failed = await withTenant(h.services.dbs, tenant.id, (trx) => getRun(trx, tenant.id, runId));
      expect(failed!.errors.at(-1)!.message).toMatch(/customer refused/);
      expect(failed!.relations_seen).toBeLessThan(sim.summary().relations);

      await allow();
      expect(await runFullSync(h.services, tenant.id, runId, { takeover: true })).toBe('done');
      const c = await counts(h.services, tenant.id);
      expect(c.customers).toBe(sim.summary().customers);
      expect(c.open).toBe(sim.summary().relations);
    } finally {
      await allow();
    }
  }, 120_000); // the failure this guards against is a hang; 30 s was too tight on a loaded machine (12–25 s seen after the 8,000-customer test)

  it('when the group side fails, the contact side stops too: nothing keeps writing after the run failed, and the contacts phase is not marked done', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 6000, staff: 6, seed: 59 });
    const allow = await refuseInserts('wecom_group_chats', 'test: group chat refused');
    try {
      const { runId } = await requestFullSync(h.services, { tenantId: tenant.id, staffId: null, label: 'test' }, 'cli');
      await expect(runFullSync(h.services, tenant.id, runId, { concurrency: 8, batchItems: 300 })).rejects.toThrow(/group chat refused/);
      const failed = await withTenant(h.services.dbs, tenant.id, (trx) => getRun(trx, tenant.id, runId));
      expect(failed!.phase).toBe('contacts');
      expect(failed!.relations_seen).toBeLessThan(sim.summary().relations);
      // Nothing of the failed attempt is still running.
      await new Promise((r) => setTimeout(r, 500));
      const later = await withTenant(h.services.dbs, tenant.id, (trx) => getRun(trx, tenant.id, runId));
      expect(later!.relations_seen).toBe(failed!.relations_seen);
      expect(later!.pages).toBe(failed!.pages);

      await allow();
      expect(await runFullSync(h.services, tenant.id, runId, { takeover: true })).toBe('done');
      const c = await counts(h.services, tenant.id);
      expect(c.customers).toBe(sim.summary().customers);
      expect(c.open).toBe(sim.summary().relations);
      expect(c.chats).toBe(sim.summary().groupChats);
    } finally {
      await allow();
    }
  }, 120_000); // as above: a hang guard, not a speed check

  it('shows the history with counts and keeps errors; a wrong secret fails the run with a readable reason', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 50, staff: 3, seed: 41 });
    sim.state.apps[0]!.secret = 'rotated-secret-in-the-console';
    const { runId } = await requestFullSync(h.services, { tenantId: tenant.id, staffId: null, label: 'test' }, 'cli');
    await expect(runFullSync(h.services, tenant.id, runId)).rejects.toThrow(/40001/);
    const ov = await withTenant(h.services.dbs, tenant.id, (trx) => syncOverview(trx, tenant.id));
    expect(ov.active).toBeNull();
    expect(ov.history[0]!.status).toBe('failed');
    expect(ov.history[0]!.errorMessage).toMatch(/Secret/);
    expect(ov.history[0]!.errors.length).toBe(1);
  });
});
