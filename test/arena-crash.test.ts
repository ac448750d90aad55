/**
 * Crash safety of seals across memory arenas: a child process (1 MiB arenas) ingests
 * batches and flushes every 2,400 rows, each seal placing a segment that takes most of a new
 * arena (so the collection's segments spread over several);
 * it is killed with SIGKILL 0 to 15 ms after it starts a seal (a seeded delay; a seal takes
 * some 10–20 ms here).
 * After every kill the database must reopen with every acknowledged point present with its
 * vector and payload, its segments spread over several arenas, and keep answering searches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arenaCrashBatch } from './support/arena-crash-data.js';
import { sealCrashRounds } from './support/seal-crash-rounds.js';

const ROUNDS = 6;

test(`crash safety: ${ROUNDS} rounds of SIGKILL during seals that span arenas lose no acknowledged write`, async () => {
  const killedDuringSeal = await sealCrashRounds({
    layout: 'arenas',
    rounds: ROUNDS,
    seed: 15,
    maxDelayMs: 15,
    async check(col, info, acknowledged) {
      if (info.sealedSegments > 1) assert.ok(info.memory!.arenas >= 3, `${info.memory!.arenas} arenas`);
      const [r, b] = acknowledged[acknowledged.length >> 1];
      const probe = arenaCrashBatch(r, b)[7];
      const [hit] = await col.search(probe.vector, { k: 1 });
      assert.equal(hit.id, probe.id, 'the database still answers searches');
    },
  });
  assert.ok(killedDuringSeal >= ROUNDS / 2, `${killedDuringSeal} of ${ROUNDS} kills landed during a seal`);
});
