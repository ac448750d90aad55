/**
 * Crash safety: a child process ingests batches and reports each acknowledged one; it is
 * killed with SIGKILL at random moments. After every kill the database must reopen with
 * every acknowledged point present, with identical vector and payload, and keep working.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver, SeededRandom } from '../src/index.js';
import { runUntilKilled } from './support/crash-child.js';
import { CRASH_DIM, crashBatch } from './support/crash-data.js';
import { tempDir } from './support/reference.js';

const ROUNDS = 10;
const writer = fileURLToPath(new URL('./fixtures/crash-writer.js', import.meta.url));

/** Runs the writer for round `round`, kills it after `afterAcks` acknowledgements, returns the acked batches. */
async function runAndKill(dir: string, round: number, afterAcks: number): Promise<number[]> {
  const acked: number[] = [];
  await runUntilKilled(writer, [dir, String(round)], (line, child) => {
    const m = /^ack (\d+) (\d+)$/.exec(line);
    if (m !== null && acked.push(Number(m[2])) === afterAcks) child.kill();
  });
  return acked;
}

test(`crash safety: ${ROUNDS} rounds of SIGKILL during ingest lose no acknowledged write`, async () => {
  const dir = tempDir();
  const rng = new SeededRandom(77);
  const acknowledged: [number, number][] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await runAndKill(dir.path, round, 5 + rng.int(120));
      assert.ok(acks.length > 0, `round ${round} acknowledged nothing`);
      for (const b of acks) acknowledged.push([round, b]);

      const db = await Quiver.open(dir.path);
      try {
        const col = db.collection('crash');
        for (const [r, b] of acknowledged) {
          const batch = crashBatch(r, b);
          const ids = batch.map((p) => p.id);
          const got = await col.get(ids, { withVector: true });
          const byId = new Map(got.map((p) => [p.id, p]));
          for (const p of batch) {
            const stored = byId.get(p.id);
            // Every 17th batch's first point is deleted right after its ack; the delete may or may not have landed.
            if (!stored && b % 17 === 16 && p.id.endsWith('-0')) continue;
            assert.ok(stored, `round ${round}: acknowledged point ${p.id} is missing`);
            assert.deepEqual(stored.vector, p.vector, `vector of ${p.id}`);
            assert.deepEqual(stored.payload, p.payload, `payload of ${p.id}`);
          }
        }
        const probe = crashBatch(acknowledged[0][0], acknowledged[0][1])[1];
        const [hit] = await col.search(probe.vector, { k: 1 });
        assert.equal(hit.id, probe.id, 'the database still answers searches');
        await col.upsert([{ id: `after-${round}`, vector: new Array(CRASH_DIM).fill(0.5) }]);
        assert.equal((await col.get([`after-${round}`])).length, 1);
        if (round === ROUNDS - 1)
          assert.ok((await col.info()).sealedSegments > 0, 'seals happened during ingest');
      } finally {
        await db.close();
      }
    }
  } finally {
    dir.cleanup();
  }
});
