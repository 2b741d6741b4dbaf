/**
 * Every job Huike runs. Capabilities add their definitions here (one import per capability); each job's name and
 * payload schema are in server/jobs/payloads.ts.
 */
import type { AnyJob } from './job';
import { platformJobs } from './platform.job';
import { ingestJobs } from '../ingest/imports.job';
import { analyticsJobs } from '../analytics/analytics.job';
import { wecomJobs } from '../wecom/wecom.job';
import { segmentJobs } from '../segments/segments.job';
import { campaignJobs } from '../campaigns/campaigns.job';
import { clerkTaskJobs } from '../clerk/tasks.job';

/** Cron jobs that no longer exist, unscheduled when workers start (`campaigns.evaluate-triggers`: the tick evaluates triggers). */
export const RETIRED_CRON_JOBS = ['campaigns.evaluate-triggers'] as const;

export const jobDefinitions: AnyJob[] = [...platformJobs, ...ingestJobs, ...analyticsJobs, ...wecomJobs, ...segmentJobs, ...campaignJobs, ...clerkTaskJobs];
