import { describe, expect, it } from 'vitest';
import { cumeDistScores, fmScore, rfmGroup, rfmGroupCaseSql, RFM_MATRIX, scoreFromBreaks, scoreFromCount, scoreRfm, scoreWithBreaks } from '../../../server/analytics/rfm';

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

  it('the fixture of the integration test, scored in TypeScript, matches the hand computation', () => {
    const s = scoreRfm([
      { recencyDays: 49, frequency: 3, monetaryFen: 62000 },
      { recencyDays: 1, frequency: 1, monetaryFen: 8000 },
      { recencyDays: 0, frequency: 1, monetaryFen: 8000 },
      { recencyDays: 273, frequency: 2, monetaryFen: 20000 },
    ]);
    expect(s.map((x) => [x.r, x.f, x.m, x.fm, x.group])).toEqual([
      [3, 5, 5, 5, 'loyal'],
      [4, 3, 3, 3, 'potential_loyalist'],
      [5, 3, 3, 3, 'potential_loyalist'],
      [2, 4, 4, 4, 'at_risk'],
    ]);
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
  });

  it('the SQL CASE is generated from the same table', () => {
    const s = rfmGroupCaseSql('r', 'fm');
    for (const r of [1, 2, 3, 4, 5] as const) RFM_MATRIX[r].forEach((g, i) => expect(s).toContain(`when r = ${r} and fm = ${i + 1} then '${g}'`));
  });
});
