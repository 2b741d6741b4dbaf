/**
 * Huike's jobs as the capabilities write them: `defineJob({ name, handler })` types the handler's payload from
 * the job's entry in server/jobs/payloads.ts.
 */
import type { Services } from '../services';
import type { AnyJobDefinition, JobDefinition, Queue } from './queue';
import type { JobName, JobPayloads } from './payloads';

export type Job<N extends JobName> = JobDefinition<JobPayloads, N, Services>;
export type AnyJob = AnyJobDefinition<JobPayloads, Services>;
export type AppQueue = Queue<JobPayloads>;

export const defineJob = <N extends JobName>(def: Job<N>): Job<N> => def;
