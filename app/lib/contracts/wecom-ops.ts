/** WeCom operations pages: handovers (客户继承) and the welcome report's rows (client-safe: see ./README.md). */
export type HandoverKind = 'resigned' | 'on_job';
export type HandoverStatus = 'collecting' | 'transferring' | 'waiting' | 'done' | 'failed';
export type HandoverCustomerStatus = 'pending' | 'waiting' | 'kept' | 'refused' | 'limit_reached' | 'failed' | 'skipped';

/**
 * A handover with its counts (server/wecom/handovers.repository.ts handoverReport). `D` is its date: a Date on the
 * server, a string once serialized.
 */
export interface HandoverReport<D> {
  id: string;
  kind: HandoverKind;
  status: HandoverStatus;
  from_clerk: string;
  to_clerk: string;
  from_staff_id: string;
  to_staff_id: string;
  created_at: D;
  created_by_label: string;
  error: string | null;
  customers: number;
  kept: number;
  refused: number;
  waiting: number;
  limit_reached: number;
  skipped: number;
  failed: number;
  /** Kept customers who bought in the 90 days before the handover / in the 90 days after the takeover. */
  bought_before: number;
  bought_after: number;
}

/** A channel code's welcome report (server/wecom/welcome.repository.ts welcomeReport). */
export interface WelcomeReportRow {
  channel_id: string;
  channel: string;
  state: string;
  added: number;
  welcomed: number;
  first_purchase_30d: number;
}
