/**
 * The search sweep both sides of a scale case run: for each `ef` of `EF_SWEEP`, one untimed
 * pass over the queries gives recall@K against the exact top-K, then timed passes (one query
 * at a time, as one user calling) until `MIN_SECONDS` passed and `MIN_PASSES` were made; the
 * point's QPS is the median pass. The sweep stops once recall passes the target by 0.02.
 */
import { median } from '../ann/measure.js';
import { EF_SWEEP, K, TARGET_RECALL } from './cases.js';

const MIN_SECONDS = 3;
const MIN_PASSES = 3;

export interface SweepPoint {
  ef: number;
  recall: number;
  qps: number;
}

/** Searches query `q` with effort `ef`; resolves with the K (or fewer) row numbers found. */
export type ScaleSearch = (q: number, ef: number) => Promise<ArrayLike<number>> | ArrayLike<number>;

export function recallOf(found: readonly ArrayLike<number>[], truth: Uint32Array): number {
  let hits = 0;
  for (const [q, ids] of found.entries()) {
    const want = new Set(truth.subarray(q * K, (q + 1) * K));
    for (let j = 0; j < Math.min(ids.length, K); j++) if (want.has(Number(ids[j]))) hits++;
  }
  return hits / (found.length * K);
}

export async function sweep(
  search: ScaleSearch,
  queryCount: number,
  truth: Uint32Array,
  log: (m: string) => void,
): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const ef of EF_SWEEP) {
    const found: ArrayLike<number>[] = [];
    for (let q = 0; q < queryCount; q++) found.push(await search(q, ef));
    const recall = recallOf(found, truth);
    const passes: number[] = [];
    const started = performance.now();
    while (passes.length < MIN_PASSES || performance.now() - started < MIN_SECONDS * 1000) {
      const t0 = performance.now();
      for (let q = 0; q < queryCount; q++) await search(q, ef);
      passes.push((queryCount * 1000) / (performance.now() - t0));
    }
    const point = { ef, recall, qps: median(passes) };
    points.push(point);
    log(`  ef ${ef}: recall@${K} ${recall.toFixed(4)}, ${point.qps.toFixed(0)} QPS`);
    if (recall >= TARGET_RECALL + 0.02) break;
  }
  return points;
}

/**
 * QPS at the target recall, interpolated linearly between the two sweep points around it;
 * undefined when no point reaches it.
 */
export function qpsAtTarget(points: readonly SweepPoint[]): number | undefined {
  const at = points.findIndex((p) => p.recall >= TARGET_RECALL);
  if (at < 0) return undefined;
  if (at === 0) return points[0].qps;
  const a = points[at - 1];
  const b = points[at];
  const t = (TARGET_RECALL - a.recall) / (b.recall - a.recall);
  return a.qps + t * (b.qps - a.qps);
}
