import { describe, expect, it } from 'vitest';
import { estimateRelations, lanesFraction, planLanes, syncProgress } from '../../../server/wecom/sync-plan';

const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

describe('sync planning and progress', () => {
  it('splits follow users into lanes of at most 100 userids, near-equal, each user once', () => {
    const l = planLanes(users(300), 24);
    expect(l).toHaveLength(24);
    expect(Math.max(...l.map((x) => x.userids.length)) - Math.min(...l.map((x) => x.userids.length))).toBeLessThanOrEqual(1);
    expect(l.flatMap((x) => x.userids).sort()).toEqual(users(300).sort());
    // Never more than 100 per lane, whatever is asked.
    const few = planLanes(users(1050), 2);
    expect(few.length).toBe(11);
    expect(few.every((x) => x.userids.length <= 100)).toBe(true);
    // Never more lanes than users; duplicates collapse; nothing to do for nobody.
    expect(planLanes(['a', 'b', 'a'], 10).map((x) => x.userids)).toEqual([['a'], ['b']]);
    expect(planLanes([], 8)).toEqual([]);
    expect(planLanes(users(5), 3).every((x) => x.cursor === '' && !x.done && x.pages === 0)).toBe(true);
  });

  it('measures progress by users fully read: done lanes and the users before the one in progress', () => {
    const l = planLanes(users(40), 4);
    expect(lanesFraction(l)).toBe(0);
    l[0]!.done = true;
    l[1]!.lastUser = 5;
    expect(lanesFraction(l)).toBe(15 / 40);
    for (const x of l) x.done = true;
    expect(lanesFraction(l)).toBe(1);
    expect(lanesFraction([])).toBe(1);
  });

  it('estimates relations from the previous run, or extrapolates once enough is read', () => {
    expect(estimateRelations(500, 0.01, null)).toBeNull();
    expect(estimateRelations(1000, 0.25, null)).toBe(4000);
    expect(estimateRelations(1000, 0.25, 3800)).toBe(3800);
    expect(estimateRelations(5000, 0.9, 3800)).toBe(5000);
    expect(estimateRelations(1234, 1, null)).toBe(1234);
  });

  it('turns a run into a fraction and an ETA', () => {
    const startedAt = new Date('2026-01-01T00:00:00Z');
    const p = syncProgress({ status: 'running', phase: 'contacts', relationsSeen: 50_000, lanes: [], estimate: 100_000, chatsTotal: 0, chatsDone: 0, startedAt, now: new Date('2026-01-01T00:00:10Z') });
    expect(p.fraction).toBeCloseTo(0.02 + 0.85 * 0.5, 5);
    expect(p.etaSeconds).toBe(Math.round((10 * (1 - p.fraction)) / p.fraction));
    const g = syncProgress({ status: 'running', phase: 'groups', relationsSeen: 1, lanes: [], estimate: 1, chatsTotal: 100, chatsDone: 50, startedAt, now: new Date('2026-01-01T00:00:20Z') });
    expect(g.fraction).toBeCloseTo(0.87 + 0.12 * 0.5, 5);
    expect(syncProgress({ status: 'done', phase: 'done', relationsSeen: 7, lanes: [], estimate: 7, chatsTotal: 0, chatsDone: 0, startedAt, now: startedAt })).toEqual({ fraction: 1, etaSeconds: 0, estimate: 7 });
    expect(syncProgress({ status: 'queued', phase: 'staff', relationsSeen: 0, lanes: [], estimate: null, chatsTotal: 0, chatsDone: 0, startedAt: null, now: startedAt }).etaSeconds).toBeNull();
  });
});
