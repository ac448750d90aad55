/**
 * A batch of searches with a bounded number in flight: `searchBatch` ranks its queries through
 * this, not all at once.
 *
 * Why: a batch of 1,000 queries started together keeps 1,000 calls' state alive until the
 * last one settles (promises, query copies, candidate lists), and the young-generation
 * collector copies every survivor — measured, that cost more than the searches' own
 * bookkeeping. A window of `BATCH_WINDOW` calls is enough to keep every search worker busy
 * (`SearchPlacement` sends concurrent calls to the workers, up to 32 to a message, and the
 * workers answer while the next calls are prepared), and each call starts with the
 * collection as it is then, as a lone `search` would.
 *
 * Invariant: `results[i]` is the answer to `inputs[i]`; the first failure rejects the batch
 * (calls already started still settle, their results unused).
 */

/** Calls of one batch in flight at most: a message of 32 searches for each of 2 workers (measured: 16 to 256 in flight, 64 spent the least on garbage collection and answered the most). */
export const BATCH_WINDOW = 64;

/** `run(input)` for every input, at most `window` in flight, results in input order. */
export async function runWindowed<I, R>(
  inputs: readonly I[],
  run: (input: I) => R | Promise<R>,
  window = BATCH_WINDOW,
): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < inputs.length; i = next++) results[i] = await run(inputs[i]);
  };
  await Promise.all(Array.from({ length: Math.min(window, inputs.length) }, lane));
  return results;
}
