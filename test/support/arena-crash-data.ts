/**
 * The points the arena crash-test writer ingests, derived from (round, batch) alone so the
 * checker can regenerate exactly what each acknowledged batch contained. With 1 MiB arenas
 * a flat 64-d segment holds about 2,450 rows, so a seal of 5,000 rows spans three arenas.
 */
import { SeededRandom } from '../../src/index.js';

export const ARENA_CRASH_DIM = 64;
export const ARENA_CRASH_BATCH = 200;
/** Batches between two flushes. */
export const ARENA_CRASH_SEAL_EVERY = 25;
export const ARENA_CRASH_ARENA_BYTES = 1 << 20;

export function arenaCrashBatch(round: number, batch: number) {
  const rng = new SeededRandom(round * 100_003 + batch + 7);
  return Array.from({ length: ARENA_CRASH_BATCH }, (_, i) => ({
    id: `r${round}-b${batch}-${i}`,
    vector: Float32Array.from({ length: ARENA_CRASH_DIM }, () => rng.gaussian()),
    payload: { round, batch, i },
  }));
}
