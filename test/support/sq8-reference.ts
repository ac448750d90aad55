/** Reference computations for the SQ8 tests: f64 distances to given rows. */
import { DistanceKind } from '../../src/kernels/kernels.js';

/** `v` scaled to unit length. */
export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const r = 1 / Math.sqrt(s);
  return v.map((x) => x * r);
}

/**
 * The kernels' distance of kind `kind` from `q` (normalized first for COSINE) to `row`,
 * in f64; COSINE is 1 - dot with `row` as given (as SQ8 distances to decoded rows are).
 */
export function referenceDistance(kind: DistanceKind, q: Float32Array, row: Float32Array): number {
  const query = kind === DistanceKind.COSINE ? unit(q) : q;
  let l2 = 0;
  let dot = 0;
  for (let j = 0; j < row.length; j++) {
    l2 += (query[j] - row[j]) ** 2;
    dot += query[j] * row[j];
  }
  if (kind === DistanceKind.L2) return l2;
  return kind === DistanceKind.IP ? -dot : 1 - dot;
}

/** Whether `got` is within `tolerance` of `want`, relative to max(1, |want|). */
export function close(got: number, want: number, tolerance = 1e-3): boolean {
  return Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want));
}
