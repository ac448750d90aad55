/**
 * The points the arena and onDisk crash-test writer ingests, derived from (round, batch)
 * alone so the checker can regenerate exactly what each acknowledged batch contained. With
 * 1 MiB arenas a flat 64-d segment holds about 2,450 rows, and the growing segment is sealed
 * by itself once it holds that many; a flush every 2,400 rows comes first, so each flush
 * seals a segment that takes most of a new arena, and the segments spread over the arenas.
 */
import assert from 'node:assert/strict';
import { type Collection, SeededRandom } from '../../src/index.js';

export const ARENA_CRASH_DIM = 64;
export const ARENA_CRASH_BATCH = 200;
/** Batches between two flushes: 2,400 rows, just under what one arena holds. */
export const ARENA_CRASH_SEAL_EVERY = 12;
export const ARENA_CRASH_ARENA_BYTES = 1 << 20;

export function arenaCrashBatch(round: number, batch: number) {
  const rng = new SeededRandom(round * 100_003 + batch + 7);
  return Array.from({ length: ARENA_CRASH_BATCH }, (_, i) => ({
    id: `r${round}-b${batch}-${i}`,
    vector: Float32Array.from({ length: ARENA_CRASH_DIM }, () => rng.gaussian()),
    payload: { round, batch, i },
  }));
}

/**
 * Asserts that every acknowledged `[round, batch]` is in `col` whole, each point with its
 * exact vector and payload (`round`: the round being checked, for the messages).
 */
export async function assertBatchesStored(
  col: Collection,
  acknowledged: readonly (readonly [number, number])[],
  round: number,
): Promise<void> {
  for (const [r, b] of acknowledged) {
    const batch = arenaCrashBatch(r, b);
    const got = await col.get(
      batch.map((p) => p.id),
      { withVector: true },
    );
    assert.equal(got.length, batch.length, `round ${round}: batch ${r}/${b} is complete`);
    const byId = new Map(got.map((p) => [p.id, p]));
    for (const p of batch) {
      const stored = byId.get(p.id)!;
      assert.deepEqual(stored.vector, p.vector, `vector of ${p.id}`);
      assert.deepEqual(stored.payload, p.payload, `payload of ${p.id}`);
    }
  }
}
