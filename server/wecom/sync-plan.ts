/**
 * Pure planning and progress arithmetic of the full sync (unit-tested):
 * - `planLanes`: the follow users split into independent batch/get_by_user cursor chains ("lanes") of at most
 *   100 userids, so several chains can be read concurrently;
 * - `lanesFraction` / `estimateRelations` / `syncProgress`: how far a run is, how many relations to expect and
 *   when it will end, from what the checkpoint already says.
 */
import type { SyncLane, SyncPhase } from '../../db/schema/wecom';
import { WECOM_LIMITS } from './types';

/** Splits userids into `lanes` chains of near-equal size, each at most 100 (the batch/get_by_user maximum). */
export function planLanes(userids: readonly string[], lanes: number): SyncLane[] {
  const unique = [...new Set(userids)];
  if (unique.length === 0) return [];
  const n = Math.max(Math.ceil(unique.length / WECOM_LIMITS.batchUseridList), Math.min(unique.length, Math.max(1, Math.floor(lanes))));
  const out: SyncLane[] = [];
  const base = Math.floor(unique.length / n);
  let extra = unique.length % n;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (extra > 0 ? 1 : 0);
    if (extra > 0) extra--;
    out.push({ userids: unique.slice(at, at + size), cursor: '', done: false, pages: 0, items: 0, lastUser: 0 });
    at += size;
  }
  return out;
}

/** Share of the follow users whose relations are completely read: done lanes, plus the users before the one in progress. */
export function lanesFraction(lanes: readonly SyncLane[]): number {
  const total = lanes.reduce((a, l) => a + l.userids.length, 0);
  if (total === 0) return 1;
  const done = lanes.reduce((a, l) => a + (l.done ? l.userids.length : Math.min(l.lastUser, l.userids.length)), 0);
  return done / total;
}

/**
 * Expected relations of the whole run: the previous complete run's count when there is one (never less than
 * what is already read), otherwise an extrapolation once a few percent of the users are read.
 */
export function estimateRelations(relationsSoFar: number, fraction: number, previous: number | null): number | null {
  if (previous !== null && previous > 0) return Math.max(previous, relationsSoFar);
  if (fraction >= 1) return relationsSoFar;
  if (fraction < 0.03 || relationsSoFar === 0) return null;
  return Math.round(relationsSoFar / fraction);
}

export interface ProgressInput {
  status: string;
  phase: SyncPhase;
  relationsSeen: number;
  lanes: readonly SyncLane[];
  estimate: number | null;
  chatsTotal: number;
  chatsDone: number;
  startedAt: Date | null;
  now: Date;
}

export interface ProgressView {
  /** 0..1 */
  fraction: number;
  etaSeconds: number | null;
  estimate: number | null;
}

const PHASE_WEIGHT: Record<SyncPhase, [number, number]> = {
  staff: [0, 0.01],
  tags: [0.01, 0.02],
  contacts: [0.02, 0.87],
  groups: [0.87, 0.99],
  finalize: [0.99, 1],
  done: [1, 1],
};

export function syncProgress(p: ProgressInput): ProgressView {
  if (p.status === 'done') return { fraction: 1, etaSeconds: 0, estimate: p.relationsSeen };
  const [from, to] = PHASE_WEIGHT[p.phase];
  let inner = 0;
  if (p.phase === 'contacts') {
    inner = p.estimate && p.estimate > 0 ? Math.min(1, p.relationsSeen / p.estimate) : lanesFraction(p.lanes);
  } else if (p.phase === 'groups') {
    inner = p.chatsTotal > 0 ? p.chatsDone / p.chatsTotal : 0;
  }
  const fraction = Math.min(1, from + (to - from) * inner);
  let etaSeconds: number | null = null;
  if (p.startedAt && fraction > 0.02 && p.status === 'running') {
    const elapsed = (p.now.getTime() - new Date(p.startedAt).getTime()) / 1000;
    etaSeconds = Math.max(0, Math.round((elapsed * (1 - fraction)) / fraction));
  }
  return { fraction, etaSeconds, estimate: p.estimate };
}
