/**
 * SIGKILL during a purge: a child process purges points and is killed at a seeded delay after
 * it starts. After reopening (which finishes a purge left pending), every other point is
 * intact, and the victims are either all present and intact (the delete never committed) or
 * all gone with no byte of their vectors or payloads left in any file; when the child
 * reported the purge done, they are gone. Reopening also proves that no half-written segment
 * is named by the manifest (segment files are verified when loaded).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver, SeededRandom } from '../src/index.js';
import { runUntilKilled } from './support/crash-child.js';
import { holders, PURGE_DIM, purgePoint, purgeSecret, purgeVector } from './support/purge-data.js';
import { tempDir } from './support/reference.js';

const ROUNDS = 6;
const N = 3_000;
const SEALED = 2_800;
const child = fileURLToPath(new URL('./fixtures/purge-crash-writer.js', import.meta.url));

/** Runs the child on `dir`, kills it `delayMs` after it starts purging; resolves whether it reported the purge done. */
async function purgeAndKill(dir: string, victims: number[], delayMs: number): Promise<boolean> {
  let purged = false;
  await runUntilKilled(child, [dir, victims.join(',')], (line, proc) => {
    if (line === 'start') proc.kill(delayMs);
    else if (line === 'purged') purged = true;
  });
  return purged;
}

test(`SIGKILL during a purge (${ROUNDS} rounds): nothing acknowledged is lost, no deleted byte is left after reopen`, async () => {
  const rng = new SeededRandom(21);
  let erased = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const dir = tempDir();
    try {
      const db = await Quiver.open(dir.path);
      const col = await db.createCollection('faces', {
        dimension: PURGE_DIM,
        metric: 'l2',
        segmentSize: 400,
      });
      for (let at = 0; at < SEALED; at += 400) {
        await col.upsert(Array.from({ length: 400 }, (_, k) => purgePoint(at + k)));
      }
      await col.flush();
      await col.upsert(Array.from({ length: N - SEALED }, (_, k) => purgePoint(SEALED + k)));
      await col.delete([round + 100]); // an earlier delete without purge
      await db.close();

      const victims = [round * 13 + 1, 1_000 + round, 2_500 + round, SEALED + 10 + round];
      const done = await purgeAndKill(dir.path, victims, rng.int(round === 0 ? 1 : 400));

      const reopened = await Quiver.open(dir.path);
      const faces = reopened.collection('faces');
      const found = await faces.get(victims, { withVector: true });
      if (done) assert.equal(found.length, 0, `round ${round}: a reported purge is kept`);
      assert.ok(
        found.length === 0 || found.length === victims.length,
        `round ${round}: the delete is all or nothing`,
      );
      if (found.length === 0) {
        erased++;
        for (const i of [...victims, round + 100]) {
          assert.deepEqual(holders(dir.path, i), [], `round ${round}: point ${i} is erased`);
        }
        const report = await reopened.purgeReport('faces');
        assert.equal(report.collections[0].clean, true, JSON.stringify(report));
      } else {
        for (const p of found)
          assert.deepEqual(Array.from(p.vector as Float32Array), purgeVector(p.id as number));
      }
      assert.equal(await faces.count(), N - 1 - (found.length === 0 ? victims.length : 0));
      for (const i of [0, 1_001 + round + 1, 2_799, N - 1]) {
        const [hit] = await faces.search(purgeVector(i), { k: 1, withPayload: true });
        assert.equal(hit.id, i, `round ${round}: point ${i} is intact`);
        assert.equal(hit.payload?.secret, purgeSecret(i));
      }
      await reopened.close();
    } finally {
      dir.cleanup();
    }
  }
  process.stdout.write(`# purges that committed before the kill: ${erased} of ${ROUNDS}\n`);
});
