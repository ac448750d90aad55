/**
 * Faults while sealing: when segment or tombstone files cannot be written, the seal fails,
 * acknowledged writes stay durable (in the WAL) and searchable, writes keep working, and a
 * later seal, or a reopen, recovers everything with no stray files.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Quiver, SeededRandom } from '../src/index.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { WasmKernels } from '../src/kernels/wasm-kernels.js';
import { FsObjectStore } from '../src/storage/object-store.js';
import { FaultyObjectStore, InjectedFault } from './support/faulty-object-store.js';
import { tempDir } from './support/reference.js';

test('a failing object store makes seals fail without losing or corrupting anything', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(11);
  const point = (i: number) => ({
    id: i,
    vector: [rng.gaussian(), rng.gaussian(), rng.gaussian()],
    payload: { i },
  });
  const store = new FaultyObjectStore(new FsObjectStore(dir.path));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const kernels = wasmKernels() as WasmKernels;
  let db = await Quiver.open(dir.path, { objectStore: store, kernels });
  try {
    const col = await db.createCollection('c', { dimension: 3, segmentSize: 50 });
    await col.upsert(Array.from({ length: 40 }, (_, i) => point(i)));
    await col.flush();
    await col.delete([0, 1]);
    await col.upsert([point(300), point(301)]);

    store.failPuts = true;
    const allocated = kernels.allocator.allocatedBytes;
    await assert.rejects(col.flush(), InjectedFault);
    assert.equal(kernels.allocator.allocatedBytes, allocated, 'the unsealed segment was freed');
    // Crossing segmentSize schedules a background seal, which fails too.
    await col.upsert(Array.from({ length: 60 }, (_, i) => point(100 + i)));
    await col.upsert([point(500)]);
    await new Promise((r) => setImmediate(r));
    assert.equal(await col.count(), 101);
    assert.equal((await col.get([100, 159, 500])).length, 3);
    assert.equal((await col.get([0, 1])).length, 0);
    const [nearest] = await col.search((await col.get([120], { withVector: true }))[0].vector!, { k: 1 });
    assert.equal(nearest.id, 120);
    assert.equal((await col.info()).sealedSegments, 1, 'no new segment was committed');

    store.failPuts = false;
    await col.flush();
    assert.equal(await col.count(), 101);
    await db.close();

    db = await Quiver.open(dir.path);
    const again = db.collection('c');
    assert.equal(await again.count(), 101);
    assert.deepEqual(await again.get([0, 1]), []);
    assert.deepEqual((await again.get([500]))[0].payload, { i: 500 });
    const files = readdirSync(join(dir.path, 'collections', '1'));
    assert.ok(
      files.every((f) => !f.endsWith('.tmp')),
      `no temporary files left: ${files}`,
    );
    assert.ok(
      warnings.some((w) => w.includes("sealing 'c' failed")),
      'the failed background seal was reported',
    );
  } finally {
    process.off('warning', onWarning);
    await db.close();
    dir.cleanup();
  }
});
