/**
 * Send results of campaign mass messages (issue #15 point 6): each outbox row (one WeCom task of one clerk)
 * learns when its clerk confirmed it, when it was last polled and is next due, the reminders sent (WeCom allows
 * 3 per message in 24 hours, so the times are kept, not a count) and when it was cancelled at expiry.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table campaign_outbox
     add column confirmed_at timestamptz,
     add column last_polled_at timestamptz,
     add column next_poll_at timestamptz,
     add column poll_failures integer not null default 0,
     add column reminders timestamptz[] not null default '{}',
     add column cancelled_at timestamptz`.execute(db);
  // The job's scan: rows with a task that are (or were never) due.
  await sql`create index campaign_outbox_poll_due on campaign_outbox (tenant_id, next_poll_at) where msgid is not null and state = 'done'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
