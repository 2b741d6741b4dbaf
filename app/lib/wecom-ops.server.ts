/**
 * Bridge from the /wecom-ops routes to server/wecom (welcome messages, handovers, moments). Server-only: the route
 * has guarded the actor; these run the domain code in the tenant's transaction.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { channelFormOptions } from '../../server/wecom/channels.service';
import { fastForwardTransfers, simulateMomentPosts } from '../../server/wecom/demo-activity';
import { momentReport } from '../../server/wecom/moments.repository';
import { cancelMoment, createMoment, runMoment } from '../../server/wecom/moments.service';
import { handoverCandidates, handoverCustomers, handoverReport, searchServedCustomers, suggestTakeover } from '../../server/wecom/handovers.repository';
import { startHandover } from '../../server/wecom/handovers.service';
import { listWelcomeMessages, recentWelcomeSends, welcomeReport } from '../../server/wecom/welcome.repository';
import { removeWelcomeMessage, saveWelcomeMessage } from '../../server/wecom/welcome.service';
import { attachmentLines } from '../../server/wecom/welcome-template';
import './load-context';

export async function loadWelcomePage(context: AppLoadContext, actor: Actor) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => {
    const t = actor.tenantId;
    const messages = (await listWelcomeMessages(trx, t)).map((m) => ({ ...m, attachmentLines: attachmentLines(m.attachments) }));
    const channels = await trx.selectFrom('wecom_channels').select(['id', 'name', 'state']).where('tenant_id', '=', t).orderBy('name').execute();
    return { messages, report: await welcomeReport(trx, t), sends: await recentWelcomeSends(trx, t, 30), options: { ...(await channelFormOptions(trx, t)), channels } };
  });
}

export async function saveWelcome(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return saveWelcomeMessage(context.services, actor, input);
}

export async function removeWelcome(context: AppLoadContext, actor: Actor, id: string) {
  return removeWelcomeMessage(context.services, actor, id);
}

// ---- handovers ---------------------------------------------------------------------------------------------------

export async function loadHandoversPage(context: AppLoadContext, actor: Actor, p: { detailId: string | null; picker: { fromStaffId: string; q: string | null; stage: string | null } | null }) {
  const s = context.services;
  return withTenant(s.dbs, actor.tenantId, async (trx) => {
    const t = actor.tenantId;
    const conn = await trx.selectFrom('wecom_connections').select('mode').where('tenant_id', '=', t).executeTakeFirst();
    const detail = p.detailId ? await handoverCustomers(trx, t, p.detailId) : null;
    const candidates = await handoverCandidates(trx, t);
    const from = p.picker ? candidates.find((c) => c.id === p.picker!.fromStaffId) : undefined;
    const picker = from
      ? { from, q: p.picker!.q, stage: p.picker!.stage, ...(await searchServedCustomers(trx, t, from.id, { q: p.picker!.q, stage: p.picker!.stage })), suggested: await suggestTakeover(trx, t, from.id) }
      : null;
    return { handovers: await handoverReport(trx, t), candidates, simulator: conn?.mode === 'simulator', detail, detailId: p.detailId, picker };
  });
}

export async function startWecomHandover(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return startHandover(context.services, actor, input);
}

export async function fastForwardWecomTransfers(context: AppLoadContext, actor: Actor) {
  return fastForwardTransfers(context.services, actor.tenantId);
}

// ---- moments -----------------------------------------------------------------------------------------------------

export async function loadMomentsPage(context: AppLoadContext, actor: Actor) {
  const s = context.services;
  return withTenant(s.dbs, actor.tenantId, async (trx) => {
    const t = actor.tenantId;
    const conn = await trx.selectFrom('wecom_connections').select('mode').where('tenant_id', '=', t).executeTakeFirst();
    const clerks = await trx.selectFrom('staff').select(['id', 'name', 'wecom_userid']).where('tenant_id', '=', t).where('active', '=', true).where('wecom_userid', 'is not', null).orderBy('name').limit(2000).execute();
    const tags = await trx
      .selectFrom('tags')
      .innerJoin('tag_groups', (j) => j.onRef('tag_groups.tenant_id', '=', 'tags.tenant_id').onRef('tag_groups.id', '=', 'tags.group_id'))
      .select(['tags.id', 'tags.name', 'tag_groups.name as group'])
      .where('tags.tenant_id', '=', t)
      .where('tags.wecom_tag_id', 'is not', null)
      .where('tags.deleted_at', 'is', null)
      .orderBy('tag_groups.name')
      .orderBy('tags.name')
      .execute();
    return { moments: await momentReport(trx, t), clerks, tags, simulator: conn?.mode === 'simulator' };
  });
}

export async function createWecomMoment(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return createMoment(context.services, actor, input);
}

export async function cancelWecomMoment(context: AppLoadContext, actor: Actor, id: string) {
  return cancelMoment(context.services, actor, id);
}

/** Syncs one moment now (the job also does it hourly while clerks have not posted). */
export async function syncWecomMoment(context: AppLoadContext, id: string, actor: Actor) {
  return runMoment(context.services, actor.tenantId, id);
}

export async function simulateWecomMomentPosts(context: AppLoadContext, actor: Actor) {
  return simulateMomentPosts(context.services, actor.tenantId);
}
