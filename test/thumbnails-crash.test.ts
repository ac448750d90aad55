/**
 * SIGKILL while points with thumbnails are written, deleted and sealed: after each restart a
 * point's thumbnail is the one of the image its (surviving) upsert carried, every
 * acknowledged upsert is there, and a deleted point has no thumbnail. The thumbnails commit
 * in the transaction of their WAL row, so no kill can separate them from their point.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeThumbnail } from '../src/db/thumbnail-image.js';
import { Quiver, SeededRandom } from '../src/index.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import { killAfterAcks } from './support/crash-child.js';
import { tempDir } from './support/reference.js';

const writer = fileURLToPath(new URL('./fixtures/thumbnail-crash-writer.js', import.meta.url));
const CRASH_POINTS = 6;

test('SIGKILL during writes of points with thumbnails: after restart each thumbnail matches its point', async () => {
  const dir = tempDir('quiver-thumbnail-crash-');
  const rng = new SeededRandom(19);
  const expected = await Promise.all(
    STDLIB_PHOTOS.map((path) => makeThumbnail({ input: path, where: 'test' })),
  );
  try {
    for (let round = 0; round < 5; round++) {
      const acked = await killAfterAcks(writer, [dir.path], 1 + rng.int(4), rng.int(30));
      const db = await Quiver.open(dir.path);
      try {
        const col = db.collection('tc');
        const points = await col.get(Array.from({ length: CRASH_POINTS }, (_, id) => id));
        const generations = new Set(
          points.filter((p) => p.id !== 0).map((p) => (p.payload as { gen: number }).gen),
        );
        assert.equal(
          generations.size,
          1,
          `round ${round}: one upsert is all-or-nothing, got ${[...generations]}`,
        );
        const [gen] = generations;
        assert.ok(gen >= acked, `round ${round}: acknowledged generation ${acked} lost (found ${gen})`);
        assert.ok(gen <= acked + 1, `round ${round}: generation ${gen} was never started`);
        for (let id = 0; id < CRASH_POINTS; id++) {
          const point = points.find((p) => p.id === id);
          const thumbnail = await col.thumbnail(id, 'image');
          if (point === undefined) {
            assert.equal(id, 0, `round ${round}: only point 0 is ever deleted`);
            assert.equal(thumbnail, undefined, `round ${round}: a deleted point has no thumbnail`);
            continue;
          }
          const pointGen = (point.payload as { gen: number }).gen;
          assert.deepEqual(
            thumbnail,
            expected[pointGen % STDLIB_PHOTOS.length],
            `round ${round}: point ${id} of generation ${pointGen} has that generation's thumbnail`,
          );
        }
      } finally {
        await db.close();
      }
    }
  } finally {
    dir.cleanup();
  }
});
