/**
 * Bridge from the /wecom-ops routes to server/wecom (welcome messages, handovers, moments). Server-only: the route
 * has guarded the actor; these run the domain code in the tenant's transaction.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { channelFormOptions } from '../../server/wecom/channels.service';
import { fastForwardTransfers } from '../../server/wecom/demo-activity';
import { handoverCandidates, handoverReport } from '../../server/wecom/handovers.repository';
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

export async function loadHandoversPage(context: AppLoadContext, actor: Actor) {
  const s = context.services;
  return withTenant(s.dbs, actor.tenantId, async (trx) => {
    const conn = await trx.selectFrom('wecom_connections').select('mode').where('tenant_id', '=', actor.tenantId).executeTakeFirst();
    return { handovers: await handoverReport(trx, actor.tenantId), candidates: await handoverCandidates(trx, actor.tenantId), simulator: conn?.mode === 'simulator' };
  });
}

export async function startWecomHandover(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return startHandover(context.services, actor, input);
}

export async function fastForwardWecomTransfers(context: AppLoadContext, actor: Actor) {
  return fastForwardTransfers(context.services, actor.tenantId);
}
