/**
 * Bridge from the /m routes and the WeCom sidebar to the clerk capability (server-only). Functions take an actor
 * the route has already guarded and run the domain code in the tenant's transaction; tag changes go through the
 * WeCom tag write-back (server/wecom/tags.service.ts via ./wecom.server).
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { closeClerkTask, customerCard, logFollowUp, openTaskCount, todayView } from '../../server/clerk/workspace.service';
import { listClerkCustomers, CLERK_PAGE_SIZE } from '../../server/clerk/customers.queries';
import { archiveScript, createScript, listScripts, scriptCategories } from '../../server/clerk/scripts.service';
import { listTagOptions } from '../../server/wecom/tags.repository';
import { EXECUTION_SORTS, executionByClerk, nudgeOverdueClerks, rollUpStores, type ExecutionSort } from '../../server/clerk/execution.queries';
import type { ClerkCustomerQuery } from './clerk-contract';
import './load-context';
import { SecretBox } from '../../server/lib/secret-box';

/** One SecretBox per encryption key (opening a card's sealed mobile). */
const boxes = new Map<string, SecretBox>();
function secretBox(context: AppLoadContext): SecretBox {
  const k = context.services.config.APP_ENCRYPTION_KEY;
  let b = boxes.get(k);
  if (!b) boxes.set(k, (b = new SecretBox(k)));
  return b;
}
import { clerkWecomTasks } from '../../server/wecom/clerk-tasks.service';

export { CLERK_PAGE_SIZE };
export { changeTags } from './wecom.server';

const tx = <T>(context: AppLoadContext, actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(context.services.dbs, actor.tenantId, fn);

export const loadToday = (context: AppLoadContext, actor: Actor) =>
  tx(context, actor, async (trx) => ({ ...(await todayView(trx, actor)), wecom: await clerkWecomTasks(trx, actor) }));
export const loadTabCount = (context: AppLoadContext, actor: Actor) => tx(context, actor, (trx) => openTaskCount(trx, actor));
export const closeTaskFor = (context: AppLoadContext, actor: Actor, input: unknown) => tx(context, actor, (trx) => closeClerkTask(trx, actor, input));
export const loadCard = (context: AppLoadContext, actor: Actor, id: string) => tx(context, actor, (trx) => customerCard(trx, actor, id, { box: secretBox(context) }));
export const saveFollowUp = (context: AppLoadContext, actor: Actor, id: string, input: unknown) => tx(context, actor, (trx) => logFollowUp(trx, actor, id, input));
export const loadClerkCustomers = (context: AppLoadContext, actor: Actor, q: ClerkCustomerQuery) =>
  tx(context, actor, async (trx) => ({ list: await listClerkCustomers(trx, actor, q), tagOptions: await listTagOptions(trx, actor.tenantId) }));
export const loadScripts = (context: AppLoadContext, actor: Actor, f: { category?: string; stage?: string }) =>
  tx(context, actor, async (trx) => ({ scripts: await listScripts(trx, actor, f), categories: await scriptCategories(trx, actor) }));
export const saveScript = (context: AppLoadContext, actor: Actor, input: unknown) => tx(context, actor, (trx) => createScript(trx, actor, input));
export const removeScript = (context: AppLoadContext, actor: Actor, id: string) => tx(context, actor, (trx) => archiveScript(trx, actor, id));

// ---- execution (managers and ops) ----------------------------------------------------------------------------------
export { EXECUTION_SORTS, type ExecutionSort };
export async function loadExecution(context: AppLoadContext, actor: Actor, p: { days: number; sort: ExecutionSort; dir: 'asc' | 'desc' }) {
  const r = await tx(context, actor, (trx) => executionByClerk(trx, actor, p));
  return { ...r, stores: rollUpStores(r.rows) };
}
export const nudgeClerks = (context: AppLoadContext, actor: Actor) => nudgeOverdueClerks(context.services, actor);
