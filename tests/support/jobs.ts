/** Runs one of Huike's job handlers directly, as the worker would: the payload parsed with the job's schema first. */
import type { z } from 'zod';
import type { AnyJob } from '../../server/jobs/job';
import type { JobContext, JobDefinition, JobSchemas } from '../../server/jobs/queue';
import { JOB_PAYLOADS, type JobName, type JobPayloads } from '../../server/jobs/payloads';
import type { Services } from '../../server/services';

export async function runJob<N extends JobName>(jobs: AnyJob[], name: N, services: Services, data: z.input<JobPayloads[N]>, ctx: JobContext = { jobId: 'test', retryCount: 0 }): Promise<void> {
  const def = jobs.find((j) => j.name === name);
  if (!def) throw new Error(`no job named ${name} in this list`);
  await invoke(JOB_PAYLOADS, def, services, data, ctx);
}

async function invoke<M extends JobSchemas, N extends keyof M & string>(schemas: M, def: JobDefinition<M, N, Services>, services: Services, data: unknown, ctx: JobContext): Promise<void> {
  await def.handler(services, schemas[def.name].parse(data), ctx);
}
