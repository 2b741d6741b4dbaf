/**
 * Bridge from the /wecom-ops routes to server/wecom (welcome messages, handovers, moments). Server-only: the route
 * has guarded the actor; server/wecom opens the tenant's transaction (pages.service.ts for the pages' reads).
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { fastForwardTransfers, simulateMomentPosts } from '../../server/wecom/demo-activity';
import { cancelMoment, createMoment, runMoment } from '../../server/wecom/moments.service';
import { startHandover } from '../../server/wecom/handovers.service';
import { handoversPage, momentsPage, welcomePage, type HandoversPageQuery } from '../../server/wecom/pages.service';
import { removeWelcomeMessage, saveWelcomeMessage } from '../../server/wecom/welcome.service';
import './load-context';

export const loadWelcomePage = (context: AppLoadContext, actor: Actor) => welcomePage(context.services, actor);

export async function saveWelcome(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return saveWelcomeMessage(context.services, actor, input);
}

export async function removeWelcome(context: AppLoadContext, actor: Actor, id: string) {
  return removeWelcomeMessage(context.services, actor, id);
}

// ---- handovers ---------------------------------------------------------------------------------------------------

export const loadHandoversPage = (context: AppLoadContext, actor: Actor, p: HandoversPageQuery) => handoversPage(context.services, actor, p);

export async function startWecomHandover(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return startHandover(context.services, actor, input);
}

export async function fastForwardWecomTransfers(context: AppLoadContext, actor: Actor) {
  return fastForwardTransfers(context.services, actor.tenantId);
}

// ---- moments -----------------------------------------------------------------------------------------------------

export const loadMomentsPage = (context: AppLoadContext, actor: Actor) => momentsPage(context.services, actor);

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
