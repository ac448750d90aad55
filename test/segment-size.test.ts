/** `segmentSize` bounds sealed segments, however large the upserts that fill them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Quiver, SeededRandom } from '../src/index.js';
import { tempDir } from './support/reference.js';

test('one upsert of 3,000 points with segmentSize 1,000 becomes three segments of 1,000', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(2);
  const db = await Quiver.open(dir.path);
  const c = await db.createCollection('c', { dimension: 4, segmentSize: 1000, index: { type: 'flat' } });
  const points = Array.from({ length: 3000 }, (_, i) => ({
    id: i,
    vector: [rng.gaussian(), rng.gaussian(), rng.gaussian(), rng.gaussian()],
  }));
  await c.upsert(points);
  await c.upsert([{ id: 'extra', vector: [1, 2, 3, 4] }]);
  await c.flush();
  const info = await c.info();
  assert.equal(info.count, 3001);
  assert.equal(info.sealedSegments, 4, '1,000 + 1,000 + 1,000 + 1');
  const [hit] = await c.search(points[2500].vector, { k: 1 });
  assert.equal(hit.id, 2500);
  await db.close();
  dir.cleanup();
});
