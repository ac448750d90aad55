/**
 * The timing loop shared by the measuring children (`worker.ts` for the HNSW comparison,
 * `families/worker.ts` for the index families): for every sweep point, one untimed pass
 * over all queries collects the ids (and warms up), then timed passes over the whole query
 * set, one query per call, repeat until `minSeconds` have passed and at least `minRepeats`
 * passes were made (or, with `maxSeconds`, once that much time has passed); each pass gives
 * one QPS.
 *
 * Ids are written into one i32 array of `points × queryCount × k` entries, point-major then
 * query-major, −1 where a search returned fewer than k (the format of `protocol.ts`).
 */
import type { Searcher } from './libs/library.js';

export interface TimingRules {
  minSeconds: number;
  minRepeats: number;
  /**
   * When set, timed passes also stop once this many seconds have passed and one pass was
   * made (so a slow point, e.g. an exhaustive scan of 1M rows, costs two passes, not four).
   */
  maxSeconds?: number;
}

/** One sweep point's outcome: the QPS of each timed pass, or why the point could not run. */
export type PointTiming = { qps: number[]; error?: undefined } | { qps?: undefined; error: string };

/** Runs both `gc()` calls a measuring child needs before reading its resident set size. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('measuring children must run with --expose-gc');
  gc();
  gc();
}

function timedPass(search: Searcher, count: number): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) search(i);
  return (count * 1000) / (performance.now() - t0);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures every point of a sweep. `searcherFor(point)` prepares the searcher of one point
 * (outside the timing). When `catchErrors` is set, a point whose preparation or search
 * throws is reported with its error and the sweep goes on (its ids stay −1); otherwise the
 * error propagates.
 */
export async function runSweep<P>(
  points: readonly P[],
  searcherFor: (point: P) => Promise<Searcher>,
  queryCount: number,
  k: number,
  rules: TimingRules & { catchErrors?: boolean },
  log: (point: P, timing: PointTiming) => void,
): Promise<{ ids: Int32Array; timings: PointTiming[] }> {
  const ids = new Int32Array(points.length * queryCount * k).fill(-1);
  const timings: PointTiming[] = [];
  for (const [e, point] of points.entries()) {
    let timing: PointTiming;
    try {
      const search = await searcherFor(point);
      for (let q = 0; q < queryCount; q++) {
        const found = search(q);
        const at = (e * queryCount + q) * k;
        for (let j = 0; j < Math.min(found.length, k); j++) ids[at + j] = Number(found[j]);
      }
      const qps: number[] = [];
      const started = performance.now();
      const more = () => {
        const elapsed = (performance.now() - started) / 1000;
        if (qps.length > 0 && rules.maxSeconds !== undefined && elapsed >= rules.maxSeconds) return false;
        return qps.length < rules.minRepeats || elapsed < rules.minSeconds;
      };
      while (more()) qps.push(timedPass(search, queryCount));
      timing = { qps };
    } catch (error) {
      if (!rules.catchErrors) throw error;
      ids.fill(-1, e * queryCount * k, (e + 1) * queryCount * k);
      timing = { error: (error as Error).message };
    }
    timings.push(timing);
    log(point, timing);
    collectGarbage();
  }
  return { ids, timings };
}
