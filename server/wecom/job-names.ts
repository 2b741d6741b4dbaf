/** Queue names of the WeCom jobs (server/wecom/wecom.job.ts), shared by the services that enqueue them. */
export const WECOM_JOBS = {
  sync: 'wecom.sync',
  inbox: 'wecom.inbox',
  tagWriteback: 'wecom.tags.writeback',
  watchdog: 'wecom.watchdog',
  handover: 'wecom.handover',
  moment: 'wecom.moment',
} as const;

export interface SyncJobData {
  tenantId: string;
  runId: string;
}

export interface InboxJobData {
  tenantId: string;
  inboxIds: number[];
}

export interface TagWritebackJobData {
  tenantId: string;
  changeIds: number[];
  /** Tags created in Huike that must be pushed with add_corp_tag even without a customer change. */
  tagIds?: string[];
}

export interface HandoverJobData {
  tenantId: string;
  handoverId: string;
}

export interface MomentJobData {
  tenantId: string;
  momentId: string;
}
