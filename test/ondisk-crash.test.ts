/**
 * Crash safety is unchanged with vectors on disk: a child process (1 MiB arenas, an onDisk
 * HNSW collection, segments of 2,500 rows) ingests batches and flushes every 5,000 rows (a
 * seal writing each segment file before opening it for reads, then index builds reading the
 * files into temporary arenas); it is killed with SIGKILL a seeded few milliseconds after a
 * seal starts. After every kill the database must reopen with every acknowledged point
 * present with its exact vector (read back from the segment files) and payload, keep no
 * sealed vector in memory, and answer searches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARENA_CRASH_DIM, arenaCrashBatch } from './support/arena-crash-data.js';
import { sealCrashRounds } from './support/seal-crash-rounds.js';

const ROUNDS = 4;

test(`crash safety with onDisk: ${ROUNDS} rounds of SIGKILL during seals and index builds lose nothing`, async () => {
  const killedDuringSeal = await sealCrashRounds({
    layout: 'on-disk',
    rounds: ROUNDS,
    seed: 21,
    maxDelayMs: 60,
    async check(col, info, acknowledged) {
      assert.equal(info.onDisk, true);
      assert.ok(
        info.memory!.vectors <= 4 * ARENA_CRASH_DIM * 2 * Math.max(info.growingPoints, 64),
        `only growing rows in memory (${info.memory!.vectors} bytes for ${info.growingPoints} growing)`,
      );
      const [r, b] = acknowledged[acknowledged.length >> 1];
      const probe = arenaCrashBatch(r, b)[7];
      const [hit] = await col.search(probe.vector, { k: 1, exact: true });
      assert.equal(hit.id, probe.id, 'the database still answers exact searches');
      assert.equal((await col.search(probe.vector, { k: 10 })).length, 10, 'and approximate ones');
    },
  });
  assert.ok(killedDuringSeal >= ROUNDS / 2, `${killedDuringSeal} of ${ROUNDS} kills landed during a flush`);
});
