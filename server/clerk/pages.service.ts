/**
 * What the clerk workspace (/m), the WeCom sidebar and the execution view read and do, each in one tenant
 * transaction. Routes guard the actor, then call these through app/lib/clerk.server.ts.
 */
import type { ClerkCustomerQuery } from '../../app/lib/clerk-contract';
import { SecretBox } from '../lib/secret-box';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withActorTenant } from '../tenancy/context';
import { clerkWecomTasks } from '../wecom/clerk-tasks.service';
import { listTagOptions } from '../wecom/tags.repository';
import { listClerkCustomers } from './customers.queries';
import { executionByClerk, rollUpStores, type ExecutionSort } from './execution.queries';
import { archiveScript, clerkOwnVars, createScript, listScripts, scriptCategories } from './scripts.service';
import { closeClerkTask, customerCard, logFollowUp, openTaskCount, todayView } from './workspace.service';


/** One SecretBox per encryption key (opening a card's sealed mobile). */
const boxes = new Map<string, SecretBox>();
function secretBox(services: Services): SecretBox {
  const k = services.config.APP_ENCRYPTION_KEY;
  let b = boxes.get(k);
  if (!b) boxes.set(k, (b = new SecretBox(k)));
  return b;
}

/** The clerk's 今日: tasks, due customers and the WeCom tasks (moments to post, group messages to send). */
export const clerkToday = (services: Services, actor: Actor) => withActorTenant(services, actor, async (trx) => ({ ...(await todayView(trx, actor)), wecom: await clerkWecomTasks(trx, actor) }));
export const clerkTabCount = (services: Services, actor: Actor) => withActorTenant(services, actor, (trx) => openTaskCount(trx, actor));
export const closeTask = (services: Services, actor: Actor, input: unknown) => withActorTenant(services, actor, (trx) => closeClerkTask(trx, actor, input));
export const clerkCard = (services: Services, actor: Actor, id: string) => withActorTenant(services, actor, (trx) => customerCard(trx, actor, id, { box: secretBox(services) }));
export const saveFollowUp = (services: Services, actor: Actor, id: string, input: unknown) => withActorTenant(services, actor, (trx) => logFollowUp(trx, actor, id, input));
export const clerkCustomers = (services: Services, actor: Actor, q: ClerkCustomerQuery) =>
  withActorTenant(services, actor, async (trx) => {
    const tagOptions = await listTagOptions(trx, actor.tenantId);
    return { list: await listClerkCustomers(trx, actor, q, tagOptions), tagOptions };
  });
export const clerkScripts = (services: Services, actor: Actor, f: { category?: string; stage?: string }) =>
  withActorTenant(services, actor, async (trx) => ({ scripts: await listScripts(trx, actor, f), categories: await scriptCategories(trx, actor), ownVars: await clerkOwnVars(trx, actor) }));
export const saveScript = (services: Services, actor: Actor, input: unknown) => withActorTenant(services, actor, (trx) => createScript(trx, actor, input));
export const removeScript = (services: Services, actor: Actor, id: string) => withActorTenant(services, actor, (trx) => archiveScript(trx, actor, id));

/** The execution view: per clerk over the last `days`, and rolled up per store. */
export async function executionView(services: Services, actor: Actor, p: { days: number; sort: ExecutionSort; dir: 'asc' | 'desc' }) {
  const r = await withActorTenant(services, actor, (trx) => executionByClerk(trx, actor, p));
  return { ...r, stores: rollUpStores(r.rows) };
}
