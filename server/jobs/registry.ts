/**
 * Every job Huike runs. Capabilities add their definitions here (one import per capability).
 */
import type { Services } from '../services';
import type { JobDefinition } from './queue';
import { platformJobs } from './platform.job';
import { ingestJobs } from '../ingest/imports.job';
import { analyticsJobs } from '../analytics/analytics.job';
import { wecomJobs } from '../wecom/wecom.job';
import { segmentJobs } from '../segments/segments.job';
import { campaignJobs } from '../campaigns/campaigns.job';
import { clerkTaskJobs } from '../clerk/tasks.job';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJob = JobDefinition<any, Services>;

export const jobDefinitions: AnyJob[] = [...platformJobs, ...ingestJobs, ...analyticsJobs, ...wecomJobs, ...segmentJobs, ...campaignJobs, ...triggerJobs, ...clerkTaskJobs];
