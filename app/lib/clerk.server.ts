/**
 * Bridge from the /m routes, the WeCom sidebar and the execution view to the clerk capability (server-only).
 * Functions take an actor the route has already guarded; server/clerk/pages.service.ts opens the tenant's
 * transaction. Tag changes go through the WeCom tag write-back (server/wecom/tags.service.ts via ./wecom.server).
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { CLERK_PAGE_SIZE } from '../../server/clerk/customers.queries';
import { EXECUTION_SORTS, nudgeOverdueClerks, type ExecutionSort } from '../../server/clerk/execution.queries';
import * as pages from '../../server/clerk/pages.service';
import type { ClerkCustomerQuery } from './clerk-contract';
import './load-context';

export { CLERK_PAGE_SIZE };
export { changeTags } from './wecom.server';

export const loadToday = (context: AppLoadContext, actor: Actor) => pages.clerkToday(context.services, actor);
export const loadTabCount = (context: AppLoadContext, actor: Actor) => pages.clerkTabCount(context.services, actor);
export const closeTaskFor = (context: AppLoadContext, actor: Actor, input: unknown) => pages.closeTask(context.services, actor, input);
export const loadCard = (context: AppLoadContext, actor: Actor, id: string) => pages.clerkCard(context.services, actor, id);
export const saveFollowUp = (context: AppLoadContext, actor: Actor, id: string, input: unknown) => pages.saveFollowUp(context.services, actor, id, input);
export const loadClerkCustomers = (context: AppLoadContext, actor: Actor, q: ClerkCustomerQuery) => pages.clerkCustomers(context.services, actor, q);
export const loadScripts = (context: AppLoadContext, actor: Actor, f: { category?: string; stage?: string }) => pages.clerkScripts(context.services, actor, f);
export const saveScript = (context: AppLoadContext, actor: Actor, input: unknown) => pages.saveScript(context.services, actor, input);
export const removeScript = (context: AppLoadContext, actor: Actor, id: string) => pages.removeScript(context.services, actor, id);

// ---- execution (managers and ops) ----------------------------------------------------------------------------------
export { EXECUTION_SORTS, type ExecutionSort };
export const loadExecution = (context: AppLoadContext, actor: Actor, p: { days: number; sort: ExecutionSort; dir: 'asc' | 'desc' }) => pages.executionView(context.services, actor, p);
export const nudgeClerks = (context: AppLoadContext, actor: Actor) => nudgeOverdueClerks(context.services, actor);
