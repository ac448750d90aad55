/**
 * The points the crash-test writer ingests, derived from (round, batch) alone so the
 * checker can regenerate exactly what each acknowledged batch contained.
 */
import { SeededRandom } from '../../src/index.js';

export const CRASH_DIM = 16;
export const CRASH_BATCH = 40;

export function crashBatch(round: number, batch: number) {
  const rng = new SeededRandom(round * 100_003 + batch);
  return Array.from({ length: CRASH_BATCH }, (_, i) => ({
    id: `r${round}-b${batch}-${i}`,
    vector: Float32Array.from({ length: CRASH_DIM }, () => rng.gaussian()),
    payload: { round, batch, i, note: 'x'.repeat(rng.int(30)) },
  }));
}
