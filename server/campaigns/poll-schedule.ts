/**
 * When the send results of one WeCom mass-message task are polled next (issue #15 point 6): often while clerks
 * are confirming (every 30 minutes in the first 24 hours after the task was created), then daily up to day 7,
 * then never. A task whose clerk has confirmed is final (every recipient then has status 1, 2 or 3) and a
 * cancelled one changes no more, so neither is polled again. A poll that WeCom still refused after the client's
 * own retries (rate limit 45009, "still dispatching" 41063, …) is retried later with a growing pause instead of
 * failing the run.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const POLL_SCHEDULE = {
  /** Poll every `earlyEveryMs` while the task is younger than `earlyForMs`… */
  earlyEveryMs: 30 * MINUTE,
  earlyForMs: DAY,
  /** …then every `lateEveryMs` until `stopAfterMs` after creation. */
  lateEveryMs: DAY,
  stopAfterMs: 7 * DAY,
  /** Backoff after a failed poll: 5 min, 10, 20, … at most 6 hours. */
  backoffBaseMs: 5 * MINUTE,
  backoffMaxMs: 6 * HOUR,
} as const;

export interface PollState {
  /** When the task was created on WeCom (the outbox row's completion). */
  createdAt: Date;
  /** The clerk confirmed the task and every recipient's result is final (status 1, 2 or 3). */
  confirmed: boolean;
  cancelled: boolean;
}

/** The next poll after a successful poll at `now`, or null when the task needs no more polling. */
export function nextPollAt(task: PollState, now: Date): Date | null {
  if (task.confirmed || task.cancelled) return null;
  const created = task.createdAt.getTime();
  const end = created + POLL_SCHEDULE.stopAfterMs;
  const t = now.getTime();
  if (t >= end) return null;
  const step = t - created < POLL_SCHEDULE.earlyForMs ? POLL_SCHEDULE.earlyEveryMs : POLL_SCHEDULE.lateEveryMs;
  // The last poll lands on day 7 itself, so a clerk who confirms on the last day is still seen.
  return new Date(Math.min(t + step, end));
}

/** The retry time after the `failures`-th consecutive failed poll (1 = the first): doubling, capped. */
export function retryPollAt(now: Date, failures: number): Date {
  const n = Math.max(1, Math.floor(failures));
  const delay = Math.min(POLL_SCHEDULE.backoffMaxMs, POLL_SCHEDULE.backoffBaseMs * 2 ** Math.min(n - 1, 30));
  return new Date(now.getTime() + delay);
}
