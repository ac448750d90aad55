/**
 * Comparing two FAISS-style result sets (n×k distances and labels) with stated tolerances:
 * exact indexes must agree label for label; approximate ones up to ties, and at least a
 * stated share of labels.
 */
import assert from 'node:assert/strict';

export interface Results {
  distances: Float32Array;
  labels: BigInt64Array;
}

/** Labels identical; distances equal within `relTol` relative (FAISS sums in another order). */
export function assertSameResults(a: Results, b: Results, relTol = 1e-4): void {
  assert.equal(a.labels.length, b.labels.length);
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  for (let i = 0; i < a.distances.length; i++) {
    const tol = relTol * Math.max(1, Math.abs(b.distances[i]));
    assert.ok(
      Math.abs(a.distances[i] - b.distances[i]) <= tol,
      `distance ${i}: ${a.distances[i]} vs ${b.distances[i]}`,
    );
  }
}

/**
 * The same results up to ties: per query, the sorted distances agree within `relTol`, and
 * each label of `a` either appears in `b`'s row or has a distance tied (within `relTol`)
 * with one of `b`'s. Returns the share of positions whose labels are identical.
 */
export function assertSameUpToTies(a: Results, b: Results, k: number, relTol = 1e-4): number {
  assert.equal(a.labels.length, b.labels.length);
  let same = 0;
  for (let q = 0; q * k < a.labels.length; q++) {
    const rowB = new Set(Array.from(b.labels.subarray(q * k, (q + 1) * k)));
    for (let j = q * k; j < (q + 1) * k; j++) {
      const tol = relTol * Math.max(1, Math.abs(b.distances[j]));
      assert.ok(
        Math.abs(a.distances[j] - b.distances[j]) <= tol,
        `query ${q} rank ${j - q * k}: ${a.distances[j]} vs ${b.distances[j]}`,
      );
      if (a.labels[j] === b.labels[j]) same++;
      else if (!rowB.has(a.labels[j])) {
        const tied = Array.from(b.distances.subarray(q * k, (q + 1) * k)).some(
          (d) => Math.abs(d - a.distances[j]) <= tol,
        );
        assert.ok(
          tied,
          `query ${q}: label ${a.labels[j]} (distance ${a.distances[j]}) is not in the other result and ties none`,
        );
      }
    }
  }
  return same / a.labels.length;
}
