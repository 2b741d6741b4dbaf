/**
 * Things people do in the WeCom app, played on a simulator-mode tenant's in-process simulator (the demo's
 * "simulate" buttons). Each emits the callback WeCom would send; it travels the real path: encrypted POST body →
 * callback handler → inbox → `wecom.inbox` job → database.
 */
import { sql } from 'kysely';
import { ValidationError } from '../lib/errors';
import type { Services } from '../services';
import { withTenant, type TenantId } from '../tenancy/context';
import { loadOpenConnection } from './connection.service';
import { wecomRuntime } from './runtime';

import type { SimActivity } from '../../app/lib/contracts/wecom';

const NAMES = ['林小雨', '陈晓', '王芳芳', 'Coco', '周一诺', '赵子涵', '孙悦', '吴桐'];

export async function simulateActivity(services: Services, tenantId: TenantId, kind: SimActivity): Promise<string> {
  const conn = await loadOpenConnection(services, tenantId);
  if (conn.mode !== 'simulator') throw new ValidationError('仅模拟器模式可用 / Only available for a simulator connection');
  const sim = await wecomRuntime(services).hub.forConnection(conn);
  const rand = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  const relations = () => [...sim.state.followsByUser.values()].flat();
  switch (kind) {
    case 'customer-adds-via-channel': {
      const ch = await withTenant(services.dbs, tenantId, (trx) =>
        sql<{ config_id: string; name: string }>`select config_id, name from wecom_channels where tenant_id = ${tenantId}::uuid and status = 'active' and config_id is not null order by random() limit 1`.execute(trx),
      );
      const way = ch.rows[0];
      if (!way || !sim.state.contactWays.has(way.config_id)) {
        const userid = rand([...sim.state.staff.keys()]);
        sim.addContact({ userid, customer: { name: rand(NAMES) } });
        return `一位新客户添加了导购 ${userid} / A new customer added clerk ${userid}`;
      }
      const r = sim.addContactViaContactWay(way.config_id, { customer: { name: rand(NAMES) } });
      return `一位新客户扫描「${way.name}」添加了 ${r.relation.userid}（state ${r.relation.state ?? '—'}）/ A new customer scanned “${way.name}” and added ${r.relation.userid}`;
    }
    case 'clerk-edits-customer': {
      const f = rand(relations());
      const tag = rand([...sim.state.tags.values()].filter((t) => !t.deleted));
      sim.editContact(f.userid, f.external_userid, { remark: `${sim.state.customers.get(f.external_userid)?.name ?? '客户'}-回访`, addTags: tag ? [tag.id] : [] });
      return `导购 ${f.userid} 修改了客户备注并打上「${tag?.name ?? ''}」/ Clerk ${f.userid} edited a remark and tagged “${tag?.name ?? ''}”`;
    }
    case 'clerk-deletes-customer': {
      const f = rand(relations());
      sim.deleteContact(f.userid, f.external_userid);
      return `导购 ${f.userid} 删除了一位客户 / Clerk ${f.userid} deleted a customer`;
    }
    case 'customer-deletes-clerk': {
      const f = rand(relations().filter((x) => !x.deletedByCustomer));
      sim.deleteFollowUser(f.userid, f.external_userid);
      return `一位客户删除了导购 ${f.userid}（单向）/ A customer deleted clerk ${f.userid} (one-way)`;
    }
    case 'console-creates-tag': {
      const group = rand([...sim.state.tagGroups.values()].filter((g) => !g.deleted));
      const name = `活动${new Date().getHours()}${String(new Date().getMinutes()).padStart(2, '0')}${Math.floor(Math.random() * 90 + 10)}`;
      sim.createTag(group.group_id, name);
      return `管理员在企业微信后台新建标签「${name}」/ An admin created the tag “${name}” in the WeCom console`;
    }
    case 'customer-joins-group': {
      const chat = rand([...sim.state.groupChats.values()].filter((g) => !g.dismissed));
      const candidates = relations().filter((f) => f.userid === chat.owner && !chat.members.some((m) => m.userid === f.external_userid));
      const f = candidates.length ? rand(candidates) : rand(relations());
      sim.addGroupMembers(chat.chat_id, [f.external_userid], 3);
      return `一位客户扫码加入了群「${chat.name}」/ A customer joined the group “${chat.name}”`;
    }
  }
}

/**
 * "24 hours later" on a simulator-mode tenant: the simulator's clock moves past the takeover time of waiting
 * transfers, they complete (refusals and limit hits emit transfer_fail), and open handovers are polled.
 */
export async function fastForwardTransfers(services: Services, tenantId: TenantId): Promise<{ done: number; refused: number; limited: number }> {
  const conn = await loadOpenConnection(services, tenantId);
  if (conn.mode !== 'simulator') throw new ValidationError('仅模拟器模式可用 / Only available for a simulator connection');
  const rt = wecomRuntime(services);
  const sim = await rt.hub.forConnection(conn);
  sim.advance(25 * 3600_000);
  const r = sim.settleTransfers();
  await rt.hub.sink(tenantId)?.idle();
  const { pollOpenHandovers } = await import('./handovers.service');
  await pollOpenHandovers(services, tenantId);
  return r;
}

/**
 * "Clerks post" on a simulator-mode tenant: about two thirds of the senders of each active moment publish it, a few
 * customers it was shown to like or comment, and the moments are synced.
 */
export async function simulateMomentPosts(services: Services, tenantId: TenantId): Promise<number> {
  const conn = await loadOpenConnection(services, tenantId);
  if (conn.mode !== 'simulator') throw new ValidationError('仅模拟器模式可用 / Only available for a simulator connection');
  const sim = await wecomRuntime(services).hub.forConnection(conn);
  const rows = await withTenant(services.dbs, tenantId, (trx) => trx.selectFrom('wecom_moments').select(['id', 'moment_id']).where('tenant_id', '=', tenantId).where('status', '=', 'active').execute());
  let posted = 0;
  for (const r of rows) {
    const m = r.moment_id ? sim.state.moments.get(r.moment_id) : undefined;
    if (!m) continue;
    [...m.senders.keys()].forEach((userid, i) => {
      if (i % 3 === 2) return;
      const shown = sim.postMoment(m.moment_id, userid);
      posted += shown > 0 ? 1 : 0;
      for (const [k, eid] of (m.senders.get(userid)?.shown ?? []).entries()) if (k % 4 === 0) sim.interactMoment(m.moment_id, userid, eid, k % 8 === 0 ? 'comment' : 'like');
    });
  }
  const { runMoment } = await import('./moments.service');
  for (const r of rows) await runMoment(services, tenantId, r.id);
  return posted;
}
