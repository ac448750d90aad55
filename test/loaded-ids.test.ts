/**
 * A loaded segment's ids enter the id tracker after loading is ready, in slices on the event
 * loop (`SegmentSet.addLoaded`); anything that reads or changes the tracker first puts them
 * all in. Right after `loaded()` (before any slice ran), counts are exact, gets find points of
 * every segment (string and numeric ids, tombstoned rows excluded), an upsert over an id of a
 * loaded segment replaces it, a delete removes it, and after all that the collection holds
 * what a model of the same operations holds, across a reopen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Quiver, SeededRandom } from '../src/index.js';
import { tempDir } from './support/reference.js';

const DIM = 4;
const SEGMENT = 150;

function point(id: number | string, seed: number) {
  const rng = new SeededRandom(seed);
  return { id, vector: Array.from({ length: DIM }, () => rng.gaussian()), payload: { seed } };
}

test('ids of loaded segments are found, replaced and deleted before and after they settle', async () => {
  const dir = tempDir();
  try {
    const model = new Map<number | string, number>();
    const db = await Quiver.open(dir.path);
    const c = await db.createCollection('c', {
      dimension: DIM,
      segmentSize: SEGMENT,
      index: { type: 'flat' },
    });
    const first = Array.from({ length: 500 }, (_, i) => point(i % 3 === 0 ? `s${i}` : i, i));
    await c.upsert(first);
    for (const p of first) model.set(p.id, p.payload.seed);
    await c.flush();
    await c.delete([1, 2]);
    for (const id of [1, 2]) model.delete(id);
    await c.delete(['s3', 's6']);
    for (const id of ['s3', 's6']) model.delete(id);
    await c.flush();
    await db.close();

    for (let round = 0; round < 2; round++) {
      const reopened = await Quiver.open(dir.path);
      const r = reopened.collection('c');
      await r.loaded();
      assert.equal((await r.info()).count, model.size, `round ${round}: count right after loading`);
      assert.equal(await r.count(), model.size);
      const probe = [0, 1, 2, 4, 299, 300, 301, 499, 's0', 's3', 's6', 's9', 's498', 'missing', 500];
      const got = await r.get(probe);
      assert.deepEqual(
        got.map((p) => [p.id, p.payload?.seed]),
        probe.filter((id) => model.has(id)).map((id) => [id, model.get(id)]),
        `round ${round}: gets across segments`,
      );
      const seed = 1000 + round;
      await r.upsert([point(4, seed), point('s9', seed), point(600 + round, seed)]);
      for (const id of [4, 's9', 600 + round]) model.set(id, seed);
      const gone = round === 0 ? [299, 's498'] : [301, 's495'];
      assert.equal(await r.delete([...gone, 'missing']), 2, `round ${round}: deleted`);
      for (const id of gone) model.delete(id);
      assert.equal(await r.count(), model.size, `round ${round}: count after writes`);
      const all = await r.scroll({ limit: 10_000 });
      assert.deepEqual(
        new Map(all.points.map((p) => [p.id, p.payload?.seed])),
        model,
        `round ${round}: every point`,
      );
      await r.flush();
      await reopened.close();
    }
  } finally {
    dir.cleanup();
  }
});
