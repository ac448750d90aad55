/**
 * The rounds of the seal crash tests (arena-crash, ondisk-crash). Every round runs the writer
 * (test/fixtures/arena-crash-writer.ts) on the same database with a collection `layout`,
 * kills it with SIGKILL a seeded 0 to `maxDelayMs` ms after its first or second seal starts,
 * reopens the database (1 MiB arenas), asserts that every batch acknowledged so far (in this
 * round and the earlier ones) is stored whole and counted, and runs the test's own `check`.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { type Collection, type CollectionInfo, Quiver, SeededRandom } from '../../src/index.js';
import { ARENA_CRASH_ARENA_BYTES, ARENA_CRASH_BATCH, assertBatchesStored } from './arena-crash-data.js';
import { killDuringSeal } from './crash-child.js';
import { tempDir } from './reference.js';

const writer = fileURLToPath(new URL('../fixtures/arena-crash-writer.js', import.meta.url));

export interface SealCrashRounds {
  /** The writer's collection: `arenas` (flat, seals spanning arenas) or `on-disk` (HNSW, vectors on disk). */
  layout: 'arenas' | 'on-disk';
  rounds: number;
  seed: number;
  maxDelayMs: number;
  /** After the acknowledged batches are checked: `acknowledged` holds `[round, batch]` of every one so far. */
  check(
    col: Collection,
    info: CollectionInfo,
    acknowledged: readonly (readonly [number, number])[],
  ): Promise<void>;
}

/** Runs the rounds; resolves with how many of the kills landed while the seal was still running. */
export async function sealCrashRounds(opts: SealCrashRounds): Promise<number> {
  const dir = tempDir(`quiver-${opts.layout}-crash-`);
  const rng = new SeededRandom(opts.seed);
  const acknowledged: [number, number][] = [];
  let killedDuringSeal = 0;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const { acked, duringSeal } = await killDuringSeal(
        writer,
        [dir.path, String(round), opts.layout],
        1 + rng.int(2),
        rng.int(opts.maxDelayMs),
      );
      assert.ok(acked.length > 0, `round ${round} acknowledged nothing`);
      if (duringSeal) killedDuringSeal++;
      for (const b of acked) acknowledged.push([round, b]);

      const db = await Quiver.open(dir.path, { arenaBytes: ARENA_CRASH_ARENA_BYTES });
      try {
        const col = db.collection('crash');
        await assertBatchesStored(col, acknowledged, round);
        const info = await col.info();
        assert.ok(info.count >= acknowledged.length * ARENA_CRASH_BATCH, 'every acknowledged point counted');
        await opts.check(col, info, acknowledged);
      } finally {
        await db.close();
      }
    }
  } finally {
    dir.cleanup();
  }
  return killedDuringSeal;
}
