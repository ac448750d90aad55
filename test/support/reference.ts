/**
 * Obviously-correct references for tests: float64 brute-force scores per metric, and an
 * assertion that a hit list is a correct top-k (tie-aware: every returned id scores what
 * the reference says, and the score sequence equals the reference's best scores).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hit, Metric, PointId } from '../../src/index.js';

export function tempDir(prefix = 'quiver-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The score the engine reports for `v` against `q` under `metric`, in float64. */
export function referenceScore(metric: Metric, q: ArrayLike<number>, v: ArrayLike<number>): number {
  let dot = 0;
  let nq = 0;
  let nv = 0;
  let l2 = 0;
  for (let i = 0; i < q.length; i++) {
    dot += q[i] * v[i];
    nq += q[i] * q[i];
    nv += v[i] * v[i];
    l2 += (q[i] - v[i]) ** 2;
  }
  if (metric === 'l2') return l2;
  if (metric === 'ip') return dot;
  return dot / Math.sqrt(nq * nv);
}

export function better(metric: Metric): (a: number, b: number) => number {
  return metric === 'l2' ? (a, b) => a - b : (a, b) => b - a;
}

/** Best-first list of (id, score) over `points`, keeping only ids accepted by `allow`. */
export function bruteForce(
  metric: Metric,
  points: Iterable<[PointId, ArrayLike<number>]>,
  query: ArrayLike<number>,
  allow: (id: PointId) => boolean = () => true,
): { id: PointId; score: number }[] {
  const out: { id: PointId; score: number }[] = [];
  for (const [id, v] of points) if (allow(id)) out.push({ id, score: referenceScore(metric, query, v) });
  const cmp = better(metric);
  return out.sort((a, b) => cmp(a.score, b.score));
}

/**
 * Asserts `hits` is a correct top-`k` of `expected` (the full best-first reference list):
 * same length, each hit's score matches the reference score of its id, ids are distinct,
 * and the i-th score equals the reference's i-th best score, all within `tol`.
 */
export function assertTopK(
  hits: Hit[],
  expected: { id: PointId; score: number }[],
  k: number,
  tol = 1e-4,
): void {
  const want = expected.slice(0, k);
  assert.equal(hits.length, want.length, `expected ${want.length} hits, got ${hits.length}`);
  const byId = new Map(expected.map((e) => [e.id, e.score]));
  const seen = new Set<PointId>();
  hits.forEach((hit, i) => {
    assert.ok(!seen.has(hit.id), `duplicate id ${hit.id}`);
    seen.add(hit.id);
    const ref = byId.get(hit.id);
    assert.ok(ref !== undefined, `hit ${String(hit.id)} is not an allowed point`);
    const scale = Math.max(1, Math.abs(ref));
    assert.ok(
      Math.abs(hit.score - ref) <= tol * scale,
      `score of ${hit.id}: ${hit.score} vs reference ${ref}`,
    );
    assert.ok(
      Math.abs(hit.score - want[i].score) <= tol * scale,
      `rank ${i}: score ${hit.score} vs reference ${want[i].score}`,
    );
  });
}
