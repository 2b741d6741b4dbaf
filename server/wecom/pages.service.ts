/**
 * What the WeCom pages read (settings, tags, a customer's WeCom side, welcome messages, handovers, moments), each in
 * one tenant transaction. Routes guard the actor, then call these through app/lib/wecom.server.ts and
 * app/lib/wecom-ops.server.ts; the writes live in the features' own services.
 */
import { randomBytes } from 'node:crypto';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withActorTenant } from '../tenancy/context';
import { channelFormOptions, channelStates } from './channels.repository';
import { connectionMode } from './connection.repository';
import { getConnectionView } from './connection.service';
import { generateEncodingAesKey } from './crypto';
import { getCustomerWecomProfile } from './customer-wecom.repository';
import { handoverCandidates, handoverCustomers, handoverReport, searchServedCustomers, suggestTakeover } from './handovers.repository';
import { inboxCounts, recentInbox } from './inbox.repository';
import { momentReport } from './moments.repository';
import { wecomClerks } from './staff.repository';
import { syncOverview } from './sync.service';
import { countLiveWecomTags, listTagGroups, listTagOptions, liveWecomTags } from './tags.repository';
import { WECOM_LIMITS } from './types';
import { attachmentLines } from './welcome-template';
import { listWelcomeMessages, recentWelcomeSends, welcomeReport } from './welcome.repository';


/** Fresh values to paste into the WeCom console when the connection is new (Token: letters/digits ≤32; key: 43). */
function connectionSuggestions() {
  return { token: randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16), aesKey: generateEncodingAesKey(() => randomBytes(4).readUInt32BE(0) / 4294967296) };
}

/** The WeCom settings page: the connection, the sync, the callback inbox and the corp-tag count. */
export function wecomSettingsPage(services: Services, actor: Actor) {
  return withActorTenant(services, actor, async (trx) => {
    const connection = await getConnectionView(services, trx, actor.tenantId, actor.tenantSlug);
    const sync = await syncOverview(trx, actor.tenantId);
    const inbox = (await recentInbox(trx, actor.tenantId, 30)).map((r) => ({
      id: r.id,
      event: r.event,
      changeType: r.change_type,
      subject: r.subject,
      status: r.status,
      result: r.result,
      error: r.error,
      attempts: r.attempts,
      receivedAt: r.received_at,
      processedAt: r.processed_at,
    }));
    const counts = await inboxCounts(trx, actor.tenantId);
    const corpTags = await countLiveWecomTags(trx, actor.tenantId);
    const suggestions = connection.configured ? null : connectionSuggestions();
    return { connection, sync, inbox, inboxCounts: counts, corpTags, corpTagLimit: WECOM_LIMITS.corpTags, suggestions };
  });
}

/** The tag page: groups with their tags and usage, and the corp-tag count against WeCom's limit. */
export const tagCatalogue = (services: Services, actor: Actor) =>
  withActorTenant(services, actor, async (trx) => ({ groups: await listTagGroups(trx, actor.tenantId), corpTags: await countLiveWecomTags(trx, actor.tenantId), limit: WECOM_LIMITS.corpTags }));

/** A customer's WeCom side on the profile (relations, tags, how they came) and the tags one may add. */
export const customerWecomView = (services: Services, actor: Actor, id: string) =>
  withActorTenant(services, actor, async (trx) => ({ profile: await getCustomerWecomProfile(trx, actor, id), tagOptions: await listTagOptions(trx, actor.tenantId) }));

/** Welcome messages with their reach, recent sends, and the form's channels, stores and clerks. */
export function welcomePage(services: Services, actor: Actor) {
  return withActorTenant(services, actor, async (trx) => {
    const t = actor.tenantId;
    const messages = (await listWelcomeMessages(trx, t)).map((m) => ({ ...m, attachmentLines: attachmentLines(m.attachments) }));
    const channels = await channelStates(trx, t);
    return { messages, report: await welcomeReport(trx, t), sends: await recentWelcomeSends(trx, t, 30), options: { ...(await channelFormOptions(trx, t)), channels } };
  });
}

export interface HandoversPageQuery {
  detailId: string | null;
  picker: { fromStaffId: string; q: string | null; stage: string | null } | null;
}

/** Handovers: the report, the clerks one can hand over from, one handover's customers, and the customer picker. */
export function handoversPage(services: Services, actor: Actor, p: HandoversPageQuery) {
  return withActorTenant(services, actor, async (trx) => {
    const t = actor.tenantId;
    const mode = await connectionMode(trx, t);
    const detail = p.detailId ? await handoverCustomers(trx, t, p.detailId) : null;
    const candidates = await handoverCandidates(trx, t);
    const from = p.picker ? candidates.find((c) => c.id === p.picker!.fromStaffId) : undefined;
    const picker = from
      ? { from, q: p.picker!.q, stage: p.picker!.stage, ...(await searchServedCustomers(trx, t, from.id, { q: p.picker!.q, stage: p.picker!.stage })), suggested: await suggestTakeover(trx, t, from.id) }
      : null;
    return { handovers: await handoverReport(trx, t), candidates, simulator: mode === 'simulator', detail, detailId: p.detailId, picker };
  });
}

/** Moments: the report, the clerks who can post, and the WeCom tags an audience is chosen by. */
export function momentsPage(services: Services, actor: Actor) {
  return withActorTenant(services, actor, async (trx) => {
    const t = actor.tenantId;
    const mode = await connectionMode(trx, t);
    const clerks = await wecomClerks(trx, t);
    const tags = await liveWecomTags(trx, t);
    return { moments: await momentReport(trx, t), clerks, tags, simulator: mode === 'simulator' };
  });
}
