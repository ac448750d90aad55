/** Scaling rows to unit length, as COSINE indexes store them and prepare their queries. */

/** A copy of `rows` (rows of `dimension` floats) scaled to unit length; zero rows stay zero. */
export function normalizedRows(rows: Float32Array, dimension: number): Float32Array {
  const out = new Float32Array(rows);
  for (let at = 0; at < out.length; at += dimension) normalizeInPlace(out, at, dimension);
  return out;
}

/** Scales the `dimension` floats of `rows` from `at` to unit length (a zero row stays zero). */
export function normalizeInPlace(rows: Float32Array, at: number, dimension: number): void {
  let sum = 0;
  for (let i = at; i < at + dimension; i++) sum += rows[i] * rows[i];
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum);
    for (let i = at; i < at + dimension; i++) rows[i] *= scale;
  }
}
