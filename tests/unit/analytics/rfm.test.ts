import { describe, expect, it } from 'vitest';
import { cumeDistScores, fmScore, frequencyScores, rfmGroup, rfmGroupCaseSql, RFM_MATRIX, scoreFromBreaks, scoreFromCount, scoreRfm, scoreWithBreaks } from '../../../server/analytics/rfm';

describe('RFM scores (metrics.md: ceil(5 × cume_dist), ties share a score)', () => {
  it('scores exactly, without floating-point drift at the score boundaries', () => {
    // 3 of 5 → cume_dist 0.6 → 5 × 0.6 = 3 exactly (a float 5*0.6 … could ceil to 4).
    expect(scoreFromCount(3, 5)).toBe(3);
    expect(scoreFromCount(1, 5)).toBe(1);
    expect(scoreFromCount(5, 5)).toBe(5);
    expect(scoreFromCount(7, 35)).toBe(1);
    expect(scoreFromCount(8, 35)).toBe(2);
    expect(scoreFromCount(1, 1)).toBe(5);
    for (let n = 1; n <= 60; n++) for (let k = 1; k <= n; k++) expect(scoreFromCount(k, n)).toBe(Math.ceil((5 * k) / n - 1e-12));
    expect(() => scoreFromCount(0, 5)).toThrow(RangeError);
  });

  it('ties share a score; recency is scored descending (most recent gets 5)', () => {
    // F: four customers, two tied at 1 → cume_dist(1) = 2/4 → ceil(2.5) = 3 for both.
    expect(cumeDistScores([3, 1, 1, 2], 'asc')).toEqual([5, 3, 3, 4]);
    // R_days: 49, 1, 0, 273 → #(≥ v)/n = 2/4, 3/4, 4/4, 1/4.
    expect(cumeDistScores([49, 1, 0, 273], 'desc')).toEqual([3, 4, 5, 2]);
    // A tie at the most recent day: both get 5.
    expect(cumeDistScores([0, 0, 10, 20, 30], 'desc')).toEqual([5, 5, 3, 2, 1]);
  });

  it('FM and the group table', () => {
    expect(fmScore(5, 5)).toBe(5);
    expect(fmScore(3, 4)).toBe(4);
    expect(fmScore(1, 2)).toBe(2);
    expect(rfmGroup(5, 1)).toBe('new');
    expect(rfmGroup(5, 5)).toBe('champions');
    expect(rfmGroup(4, 4)).toBe('loyal');
    expect(rfmGroup(3, 2)).toBe('need_attention');
    expect(rfmGroup(2, 3)).toBe('at_risk');
    expect(rfmGroup(2, 5)).toBe('cant_lose');
    expect(rfmGroup(1, 1)).toBe('lost');
    expect(rfmGroup(1, 3)).toBe('hibernating');
    expect(() => rfmGroup(0, 3)).toThrow(RangeError);
    expect(() => fmScore(6, 1)).toThrow(RangeError);
  });

  it('F score: one-time buyers score 1, repeaters 2–5 by cume_dist among repeaters only (metrics.md, changed 2026-12-07)', () => {
    // Six buyers: three bought once; repeaters F = 2, 2, 7 → cume_dist among them 2/3, 2/3, 3/3
    // → 1 + ceil(4 × 2/3) = 1 + 3 = 4 and 1 + 4 = 5. (Before: F = 1 had cume_dist 3/6 → ceil(2.5) = 3 for all.)
    expect(frequencyScores([1, 2, 1, 7, 2, 1])).toEqual([1, 4, 1, 5, 4, 1]);
    // Four repeaters with distinct F: 2..5 in order.
    expect(frequencyScores([2, 3, 4, 5, 1])).toEqual([2, 3, 4, 5, 1]);
    // Only one-time buyers: all 1 (no division by zero).
    expect(frequencyScores([1, 1])).toEqual([1, 1]);
    expect(() => frequencyScores([0])).toThrow(RangeError);
  });

  it('the fixture of the integration test, scored in TypeScript, matches the hand computation', () => {
    const s = scoreRfm([
      { recencyDays: 49, frequency: 3, monetaryFen: 62000 },
      { recencyDays: 1, frequency: 1, monetaryFen: 8000 },
      { recencyDays: 0, frequency: 1, monetaryFen: 8000 },
      { recencyDays: 273, frequency: 2, monetaryFen: 20000 },
    ]);
    // F: A (3) and D (2) are the repeaters → 5 and 3; B and C bought once → 1 (the old definition gave them 3).
    // M: 8000 ×2 → ceil(5 × 2/4) = 3, 20000 → 4, 62000 → 5. FM = ceil((F + M) / 2).
    expect(s.map((x) => [x.r, x.f, x.m, x.fm, x.group])).toEqual([
      [3, 5, 5, 5, 'loyal'],
      [4, 1, 3, 2, 'potential_loyalist'],
      [5, 1, 3, 2, 'potential_loyalist'],
      [2, 3, 4, 4, 'at_risk'],
    ]);
  });

  it('a one-time buyer is never loyal or a champion, and the FM = 1 groups are reachable', () => {
    // Ten buyers: five one-time buyers with the lowest to the highest spend, five repeaters.
    const rows = [
      ...[100, 200, 300, 400, 99_999].map((m, i) => ({ recencyDays: 1 + i, frequency: 1, monetaryFen: m })),
      ...[500, 600, 700, 800, 900].map((m, i) => ({ recencyDays: 100 + i, frequency: 2 + i, monetaryFen: m })),
    ];
    const s = scoreRfm(rows);
    for (let i = 0; i < 5; i++) expect(s[i]!.fm).toBeLessThanOrEqual(3);
    expect(s.some((x) => x.fm === 1)).toBe(true);
    // The most recent, lowest-spending one-time buyer: R 5, F 1, M 1 → FM 1 → new (新客户).
    expect(s[0]).toMatchObject({ r: 5, f: 1, m: 1, fm: 1, group: 'new' });
    // The big one-time spender: F 1, M 5 → FM 3, not loyal.
    expect(s[4]).toMatchObject({ f: 1, m: 5, fm: 3 });
    expect(['loyal', 'champions']).not.toContain(s[4]!.group);
  });

  it('scores a new value against stored breakpoints like cume_dist would without it', () => {
    const values = [1, 1, 2, 3, 5, 8, 8, 8, 13, 20];
    const scores = cumeDistScores(values, 'asc');
    const breaks = [1, 2, 3, 4, 5].flatMap((score) => {
      const v = values.filter((_, i) => scores[i] === score);
      return v.length ? [{ score, min: Math.min(...v), max: Math.max(...v) }] : [];
    });
    for (let i = 0; i < values.length; i++) expect(scoreFromBreaks(values[i]!, breaks, 'asc')).toBe(scores[i]);
    expect(scoreFromBreaks(0, breaks, 'asc')).toBe(1);
    expect(scoreFromBreaks(100, breaks, 'asc')).toBe(5);
    expect(scoreFromBreaks(9, breaks, 'asc')).toBe(scoreFromBreaks(8, breaks, 'asc'));
    const rdays = [0, 3, 3, 10, 40, 90, 200];
    const rs = cumeDistScores(rdays, 'desc');
    const rb = [1, 2, 3, 4, 5].flatMap((score) => {
      const v = rdays.filter((_, i) => rs[i] === score);
      return v.length ? [{ score, min: Math.min(...v), max: Math.max(...v) }] : [];
    });
    for (let i = 0; i < rdays.length; i++) expect(scoreFromBreaks(rdays[i]!, rb, 'desc')).toBe(rs[i]);
    expect(scoreFromBreaks(0, rb, 'desc')).toBe(5);
    expect(scoreFromBreaks(1000, rb, 'desc')).toBe(1);
    expect(scoreWithBreaks({ recencyDays: 0, frequency: 20, monetaryFen: 1 }, { r: rb, f: breaks, m: [] })).toMatchObject({ r: 5, f: 5, m: 1, fm: 3, group: 'potential_loyalist' });
    // F = 1 scores 1 and F ≥ 2 at least 2, whatever the stored breakpoints say.
    expect(scoreWithBreaks({ recencyDays: 0, frequency: 1, monetaryFen: 1 }, { r: rb, f: breaks, m: [] }).f).toBe(1);
    expect(scoreWithBreaks({ recencyDays: 0, frequency: 2, monetaryFen: 1 }, { r: rb, f: [{ score: 1, min: 1, max: 1 }], m: [] }).f).toBe(2);
  });

  it('the SQL CASE is generated from the same table', () => {
    const s = rfmGroupCaseSql('r', 'fm');
    for (const r of [1, 2, 3, 4, 5] as const) RFM_MATRIX[r].forEach((g, i) => expect(s).toContain(`when r = ${r} and fm = ${i + 1} then '${g}'`));
  });
});
