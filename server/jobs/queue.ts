/**
 * The job queue: pg-boss 10 on the owner connection, in its own `pgboss` schema. Capabilities declare jobs in
 * server/jobs/registry.ts; the web process runs them inline by default, `npm run worker` runs them alone.
 * Handlers must be idempotent: a job interrupted by a crash or SIGTERM is retried (pg-boss re-delivers jobs
 * whose worker died once they expire), and our handlers checkpoint their progress in the database.
 */
import PgBoss from 'pg-boss';
import type { Logger } from '../lib/log';

export interface JobContext {
  jobId: string;
  retryCount: number;
}

export interface JobDefinition<T extends object = object, S = unknown> {
  name: string;
  /** Retries with exponential backoff; defaults: 5 retries from 10 s. */
  retryLimit?: number;
  retryDelay?: number;
  expireInSeconds?: number;
  /** How many of this job run at once in one process. */
  concurrency?: number;
  /** Optional cron schedule (UTC) for periodic jobs. */
  cron?: string;
  /** Also run once as soon as the workers start (e.g. a watchdog that picks up what a stopped process left). */
  runOnStart?: boolean;
  handler: (services: S, data: T, ctx: JobContext) => Promise<void>;
}

export interface Queue {
  send<T extends object>(name: string, data: T, options?: PgBoss.SendOptions): Promise<string | null>;
  boss: PgBoss;
  started: boolean;
  working: boolean;
}

export function createQueue(connectionString: string, log: Logger): Queue {
  const boss = new PgBoss({ connectionString, schema: 'pgboss', max: 4, application_name: 'huike-queue' });
  boss.on('error', (e: Error) => log.error('queue error', { error: e }));
  const q: Queue = {
    boss,
    started: false,
    working: false,
    send: (name, data, options) => boss.send(name, data, options ?? {}),
  };
  return q;
}

export async function startQueue(q: Queue, defs: JobDefinition<object, never>[]): Promise<void> {
  await q.boss.start();
  q.started = true;
  for (const d of defs) {
    await q.boss.createQueue(d.name, {
      name: d.name,
      retryLimit: d.retryLimit ?? 5,
      retryDelay: d.retryDelay ?? 10,
      retryBackoff: true,
      expireInSeconds: d.expireInSeconds ?? 15 * 60,
    });
  }
}

export async function startWorkers<S>(q: Queue, defs: JobDefinition<object, S>[], services: S, log: Logger): Promise<void> {
  for (const d of defs) {
    const concurrency = d.concurrency ?? 1;
    for (let i = 0; i < concurrency; i++) {
      await q.boss.work<object>(d.name, { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, async (jobs) => {
        for (const job of jobs) {
          const started = Date.now();
          try {
            await d.handler(services, job.data, { jobId: job.id, retryCount: job.retryCount });
            log.debug('job done', { job: d.name, id: job.id, ms: Date.now() - started });
          } catch (e) {
            log.error('job failed', { job: d.name, id: job.id, retry: job.retryCount, error: e });
            throw e;
          }
        }
      });
    }
    if (d.cron) await q.boss.schedule(d.name, d.cron, {});
    if (d.runOnStart) await q.boss.send(d.name, {});
  }
  q.working = true;
}

/** Graceful stop: workers stop fetching, in-flight jobs finish (or are retried later if they time out). */
export async function stopQueue(q: Queue, timeoutMs = 25_000): Promise<void> {
  if (!q.started) return;
  await q.boss.stop({ graceful: true, timeout: timeoutMs, wait: true, close: true });
  q.started = false;
  q.working = false;
}
