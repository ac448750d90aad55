/**
 * Crash safety of seals that span memory arenas: a child process (1 MiB arenas) ingests
 * batches and flushes every 5,000 rows, a seal whose segments are placed in several arenas;
 * it is killed with SIGKILL a few milliseconds after it starts such a seal (a seeded delay).
 * After every kill the database must reopen with every acknowledged point present with its
 * vector and payload, its segments spread over several arenas, and keep answering searches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver, SeededRandom } from '../src/index.js';
import { ARENA_CRASH_ARENA_BYTES, arenaCrashBatch, assertBatchesStored } from './support/arena-crash-data.js';
import { killDuringSeal } from './support/crash-child.js';
import { tempDir } from './support/reference.js';

const ROUNDS = 6;
const writer = fileURLToPath(new URL('./fixtures/arena-crash-writer.js', import.meta.url));

test(`crash safety: ${ROUNDS} rounds of SIGKILL during seals that span arenas lose no acknowledged write`, async () => {
  const dir = tempDir('quiver-arena-crash-');
  const rng = new SeededRandom(15);
  const acknowledged: [number, number][] = [];
  let killedDuringSeal = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Killed a seeded few milliseconds after its first or second seal starts.
      const { acked, duringSeal } = await killDuringSeal(
        writer,
        [dir.path, String(round), 'arenas'],
        1 + rng.int(2),
        rng.int(40),
      );
      assert.ok(acked.length > 0, `round ${round} acknowledged nothing`);
      if (duringSeal) killedDuringSeal++;
      for (const b of acked) acknowledged.push([round, b]);

      const db = await Quiver.open(dir.path, { arenaBytes: ARENA_CRASH_ARENA_BYTES });
      try {
        const col = db.collection('crash');
        await assertBatchesStored(col, acknowledged, round);
        const info = await col.info();
        assert.ok(info.count >= acknowledged.length * 200, 'every acknowledged point counted');
        if (info.sealedSegments > 1) assert.ok(info.memory!.arenas >= 3, `${info.memory!.arenas} arenas`);
        const [r, b] = acknowledged[acknowledged.length >> 1];
        const probe = arenaCrashBatch(r, b)[7];
        const [hit] = await col.search(probe.vector, { k: 1 });
        assert.equal(hit.id, probe.id, 'the database still answers searches');
      } finally {
        await db.close();
      }
    }
    assert.ok(killedDuringSeal >= ROUNDS / 2, `${killedDuringSeal} of ${ROUNDS} kills landed during a seal`);
  } finally {
    dir.cleanup();
  }
});
