/**
 * Batching shared by providers: `embed` takes any number of inputs and calls the model on
 * slices of at most `batchSize`, keeping input order and each input's position for errors.
 */

/**
 * Runs `run` on consecutive slices of `inputs` of at most `batchSize` items and concatenates
 * the results; `run` gets the slice and the position of its first item in `inputs`.
 */
export async function inBatches<I, O>(
  inputs: readonly I[],
  batchSize: number,
  run: (batch: readonly I[], start: number) => Promise<O[]>,
): Promise<O[]> {
  const out: O[] = [];
  for (let start = 0; start < inputs.length; start += batchSize) {
    const part = await run(inputs.slice(start, start + batchSize), start);
    for (const o of part) out.push(o);
  }
  return out;
}

/** Scales `v` in place to unit L2 norm (a zero vector stays zero); returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}
