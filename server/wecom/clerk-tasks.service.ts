/**
 * What a clerk sees of WeCom operations in their workspace (/m): the handovers that moved customers to or from
 * them, and (moments) the posts they have not published yet. Clerks see only their own.
 */
import type { Actor } from '../tenancy/actor';
import { ForbiddenError } from '../lib/errors';
import type { Tx } from '../tenancy/context';
import { handoverReport, type HandoverReportRow } from './handovers.repository';
import { pendingMomentTasks } from './moments.repository';

export interface ClerkWecomTasks {
  /** Handovers to or from the clerk, newest first (with counts: customers, kept, refused, waiting, limit reached). */
  handovers: (HandoverReportRow & { direction: 'in' | 'out' })[];
  /** Enterprise moments the clerk has not posted yet (newest first); cancelled ones drop out. */
  moments: { id: string; text: string; created_at: Date }[];
}

/** The signed-in clerk's handovers (and pending moment tasks). Any staff member, for themselves only. */
export async function clerkWecomTasks(trx: Tx, actor: Actor): Promise<ClerkWecomTasks> {
  if (!actor.staffId) throw new ForbiddenError();
  const rows = await handoverReport(trx, actor.tenantId, { clerkId: actor.staffId, limit: 20 });
  const moments = await pendingMomentTasks(trx, actor.tenantId, actor.staffId);
  return { handovers: rows.map((r) => ({ ...r, direction: r.to_staff_id === actor.staffId ? 'in' : 'out' })), moments };
}
