/**
 * Reading sync runs for the UI and the CLI: the run row as the page shows it (counters, progress, estimate, ETA).
 */
import type { SyncPhase, SyncSource } from '../../db/schema/wecom';
import type { TenantId, Tx } from '../tenancy/context';
import { syncProgress } from './sync-plan';
import { getRun, liveCounts, listRuns, type SyncRunRow } from './sync.repository';

export interface SyncRunView {
  id: string;
  status: SyncRunRow['status'];
  phase: SyncPhase;
  source: SyncSource;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationSeconds: number | null;
  pages: number;
  apiCalls: number;
  staff: { seen: number; created: number };
  tags: { seen: number; changed: number };
  relations: { seen: number; created: number; updated: number; ended: number };
  customers: { seen: number; created: number; updated: number };
  followTagsChanged: number;
  groups: { seen: number; changed: number; dismissed: number };
  ordersLinked: number;
  estimate: number | null;
  fraction: number;
  etaSeconds: number | null;
  errors: { at: string; phase: string; message: string }[];
  errorMessage: string | null;
  attempts: number;
}

export function runView(r: SyncRunRow, live?: { customers: number; chatsTotal: number; chatsDone: number }, now = new Date()): SyncRunView {
  const p = syncProgress({ status: r.status, phase: r.phase, relationsSeen: r.relations_seen, lanes: r.checkpoint.lanes ?? [], estimate: r.estimate_relations, chatsTotal: live?.chatsTotal ?? 0, chatsDone: live?.chatsDone ?? 0, startedAt: r.started_at, now });
  const end = r.finished_at ?? (r.status === 'running' ? now : null);
  return {
    id: r.id,
    status: r.status,
    phase: r.phase,
    source: r.source,
    createdBy: r.created_by_label,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationSeconds: r.started_at && end ? Math.max(0, Math.round((new Date(end).getTime() - new Date(r.started_at).getTime()) / 100) / 10) : null,
    pages: r.pages,
    apiCalls: r.api_calls,
    staff: { seen: r.staff_seen, created: r.staff_created },
    tags: { seen: r.tags_seen, changed: r.tags_changed },
    relations: { seen: r.relations_seen, created: r.relations_created, updated: r.relations_updated, ended: r.relations_ended },
    customers: { seen: r.status === 'done' ? r.customers_seen : (live?.customers ?? r.customers_seen), created: r.customers_created, updated: r.customers_updated },
    followTagsChanged: r.follow_tags_changed,
    groups: { seen: r.groups_seen, changed: r.groups_changed, dismissed: r.groups_dismissed },
    ordersLinked: r.orders_linked,
    estimate: r.status === 'done' ? r.relations_seen : r.estimate_relations,
    fraction: p.fraction,
    etaSeconds: p.etaSeconds,
    errors: r.errors,
    errorMessage: r.error_message,
    attempts: r.attempts,
  };
}

export async function syncOverview(trx: Tx, tenantId: TenantId): Promise<{ active: SyncRunView | null; history: SyncRunView[] }> {
  const runs = await listRuns(trx, tenantId, 20);
  const active = runs.find((r) => r.status === 'queued' || r.status === 'running') ?? null;
  const live = active ? await liveCounts(trx, tenantId, active.id) : undefined;
  return { active: active ? runView(active, live) : null, history: runs.map((r) => (r === active ? runView(r, live) : runView(r))) };
}

export async function syncRunView(trx: Tx, tenantId: TenantId, runId: string): Promise<SyncRunView | null> {
  const r = await getRun(trx, tenantId, runId);
  if (!r) return null;
  return runView(r, r.status === 'running' || r.status === 'queued' ? await liveCounts(trx, tenantId, runId) : undefined);
}
