/**
 * Sign-in throttling counters (`login_throttle`, one row per `id:<identifier>` and per `ip:<address>`).
 *
 * `countAttempt` counts an attempt BEFORE its password is checked, in one upsert that increments each counter
 * under its row lock and returns it: of any number of parallel attempts, exactly the first `maxFailures` reach the
 * password check, the one that reaches the limit locks the counter, and the rest are refused without a check.
 * While a counter is locked it is left as it is (a refused attempt neither counts nor extends the lock).
 * A counter starts again at 1 when its last counted attempt is older than the window.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';

export interface ThrottlePolicy {
  maxFailures: number;
  windowMinutes: number;
  /** Lock after the limit: `baseLockSeconds`, doubling with each further counted failure, at most `maxLockSeconds`. */
  baseLockSeconds: number;
  maxLockSeconds: number;
}

export interface CountedAttempt {
  key: string;
  attempts: number;
  lockedUntil: Date | null;
  /** False when the counter was locked: the attempt is refused and was not counted. */
  counted: boolean;
}

export async function countAttempt(db: Kysely<Database>, keys: readonly string[], p: ThrottlePolicy): Promise<CountedAttempt[]> {
  const id = randomUUID();
  const locked = sql`t.locked_until is not null and t.locked_until > now()`;
  const next = sql`(case when t.last_at < now() - make_interval(mins => ${p.windowMinutes}) then 1 else t.attempts + 1 end)`;
  const lockFor = (n: ReturnType<typeof sql>) =>
    sql`case when ${n} >= ${p.maxFailures} then now() + make_interval(secs => least(${p.baseLockSeconds} * power(2, least(${n} - ${p.maxFailures}, 20)), ${p.maxLockSeconds})) end`;
  const r = await sql<{ key: string; attempts: number; locked_until: Date | null; counted: boolean }>`
    insert into login_throttle as t (key, attempts, last_at, locked_until, last_attempt)
    select k, 1, now(), ${lockFor(sql`1`)}, ${id}::uuid from unnest(${keys}::text[]) with ordinality as u(k, o) order by o
    on conflict (key) do update set
      attempts = case when ${locked} then t.attempts else ${next} end,
      last_at = case when ${locked} then t.last_at else now() end,
      locked_until = case when ${locked} then t.locked_until else ${lockFor(next)} end,
      last_attempt = case when ${locked} then t.last_attempt else excluded.last_attempt end
    returning key, attempts, locked_until, last_attempt = ${id}::uuid as counted`.execute(db);
  return r.rows.map((x) => ({ key: x.key, attempts: x.attempts, lockedUntil: x.locked_until, counted: x.counted }));
}

/** A successful sign-in clears its counters (as the history-based design did: failures before a success lapse). */
export async function clearAttempts(db: Kysely<Database>, keys: readonly string[]): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', 'in', [...keys]).execute();
}

/** Housekeeping: counters idle for a day and not locked. */
export async function pruneThrottle(db: Kysely<Database>): Promise<void> {
  await sql`delete from login_throttle where last_at < now() - interval '1 day' and (locked_until is null or locked_until < now())`.execute(db);
}
