/**
 * The job queue: pg-boss 10 on the owner connection, in its own `pgboss` schema. A queue knows its jobs' payload
 * schemas (Huike's: server/jobs/payloads.ts): `send` is typed by them and checks the data, and the worker parses
 * each job's data before its handler runs. Capabilities declare their jobs in server/jobs/registry.ts; the web
 * process runs them inline by default, `npm run worker` runs them alone.
 * Handlers must be idempotent: a job interrupted by a crash or SIGTERM is retried (pg-boss re-delivers jobs
 * whose worker died once they expire), and our handlers checkpoint their progress in the database.
 */
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Logger } from '../lib/log';

/** A queue's jobs: name -> zod schema of the payload. */
export type JobSchemas = Record<string, z.ZodType<object, object>>;
type NameOf<M extends JobSchemas> = keyof M & string;

export interface JobContext {
  jobId: string;
  retryCount: number;
}

export interface JobDefinition<M extends JobSchemas, N extends NameOf<M>, S> {
  name: N;
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
  /** Receives the payload parsed with the queue's schema for `name`. */
  handler(services: S, data: z.output<M[N]>, ctx: JobContext): Promise<void>;
}

/** One of a queue's job definitions, whichever its name (each keeps its own payload type). */
export type AnyJobDefinition<M extends JobSchemas, S> = { [N in NameOf<M>]: JobDefinition<M, N, S> }[NameOf<M>];

export interface Queue<M extends JobSchemas> {
  /** Checks `data` against the job's schema (throws a ZodError before anything is stored), then enqueues it. */
  send<N extends NameOf<M>>(name: N, data: z.input<M[N]>, options?: PgBoss.SendOptions): Promise<string | null>;
  schemas: M;
  boss: PgBoss;
  started: boolean;
  working: boolean;
}

export function createQueue<M extends JobSchemas>(connectionString: string, log: Logger, schemas: M): Queue<M> {
  const boss = new PgBoss({ connectionString, schema: 'pgboss', max: 4, application_name: 'huike-queue' });
  boss.on('error', (e: Error) => log.error('queue error', { error: e }));
  const q: Queue<M> = {
    boss,
    schemas,
    started: false,
    working: false,
    send: async (name, data, options) => boss.send(name, schemas[name].parse(data), options ?? {}),
  };
  return q;
}

export async function startQueue<M extends JobSchemas, S>(q: Queue<M>, defs: AnyJobDefinition<M, S>[]): Promise<void> {
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

export async function startWorkers<M extends JobSchemas, S>(q: Queue<M>, defs: AnyJobDefinition<M, S>[], services: S, log: Logger, retiredCrons: readonly string[] = []): Promise<void> {
  // A cron job removed from the code keeps its schedule in pg-boss: it is dropped, or its jobs would pile up unworked.
  for (const name of retiredCrons) await q.boss.unschedule(name);
  for (const d of defs) {
    const concurrency = d.concurrency ?? 1;
    for (let i = 0; i < concurrency; i++) await work(q, d, services, log);
    if (d.cron) await q.boss.schedule(d.name, d.cron, {});
    if (d.runOnStart) await q.boss.send(d.name, {});
  }
  q.working = true;
}

/** One worker of a job: each job's data is parsed with the queue's schema for it, then handed to the handler. */
async function work<M extends JobSchemas, N extends NameOf<M>, S>(q: Queue<M>, d: JobDefinition<M, N, S>, services: S, log: Logger): Promise<void> {
  const schema = q.schemas[d.name];
  await q.boss.work<object>(d.name, { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, async (jobs) => {
    for (const job of jobs) {
      const started = Date.now();
      try {
        await d.handler(services, schema.parse(job.data), { jobId: job.id, retryCount: job.retryCount });
        log.debug('job done', { job: d.name, id: job.id, ms: Date.now() - started });
      } catch (e) {
        log.error('job failed', { job: d.name, id: job.id, retry: job.retryCount, error: e });
        throw e;
      }
    }
  });
}

/** Graceful stop: workers stop fetching, in-flight jobs finish (or are retried later if they time out). */
export async function stopQueue(q: Queue<JobSchemas>, timeoutMs = 25_000): Promise<void> {
  if (!q.started) return;
  await q.boss.stop({ graceful: true, timeout: timeoutMs, wait: true, close: true });
  q.started = false;
  q.working = false;
}
