/** Follow-up records (跟进记录). */
import { sql } from 'kysely';
import type { FollowUpChannel } from '../../db/schema/clerk';
import type { Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';

export interface NewFollowUp {
  customerId: string;
  staffId: string;
  channel: FollowUpChannel;
  note: string;
  nextOn: string | null;
}

export async function insertFollowUp(trx: Tx, tenantId: Actor['tenantId'], f: NewFollowUp) {
  return trx
    .insertInto('customer_follow_ups')
    .values({ tenant_id: tenantId, customer_id: f.customerId, staff_id: f.staffId, channel: f.channel, note: f.note, next_follow_up_on: f.nextOn })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** A customer's latest follow-ups, newest first, with the clerk's name and whether the actor wrote them. */
export async function latestFollowUps(trx: Tx, actor: Actor, customerId: string, limit: number) {
  const r = await sql<{ id: string; channel: string; note: string; next_follow_up_on: string | null; created_at: Date; clerk: string; mine: boolean }>`
    select fu.id, fu.channel, fu.note, fu.next_follow_up_on::text as next_follow_up_on, fu.created_at, s.name as clerk, fu.staff_id = ${actor.staffId ?? null}::uuid as mine
    from customer_follow_ups fu join staff s on s.tenant_id = fu.tenant_id and s.id = fu.staff_id
    where fu.tenant_id = ${actor.tenantId}::uuid and fu.customer_id = ${customerId}::uuid
    order by fu.created_at desc limit ${limit}`.execute(trx);
  return r.rows;
}
