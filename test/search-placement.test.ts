/**
 * Where a search runs does not change what it returns: every query kind answered with every
 * segment search on the calling thread (`SearchPlacement.mode = 'here'`) equals, hit for hit
 * and in the same order, the same query answered on the search workers (`'workers'`), for
 * HNSW segments in several memory arenas with value partitions, deletes and a growing
 * segment, and for every factory index family. The rule itself (lone calls here, concurrent
 * ones on workers unless tiny) and the pool's batching of concurrent calls into shared
 * messages are checked by their counters, never by time.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SearchCoalescer } from '../src/db/search-coalescer.js';
import { estimatedWork, LONE_CALL_MAX, SearchPlacement, TINY } from '../src/db/search-placement.js';
import { FlatIndex } from '../src/index/flat-index.js';
import {
  type Collection,
  DimensionMismatchError,
  DistanceKind,
  type EmbeddedCollection,
  type Filter,
  gaussianMixture,
  kernels,
  Quiver,
} from '../src/index.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { WasmKernels } from '../src/kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../src/kernels/worker-pool.js';
import { tempDir } from './support/reference.js';

const DIM = 8;
const QUERIES = 12;
const PART: Filter = { must: [{ key: 'tags', match: { value: 'part' } }] };
const HALF: Filter = { must: [{ key: 'half', match: { value: 1 } }] };

function pointsOf(data: Float32Array, from: number, to: number) {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return {
      id: i,
      vector: data.subarray(i * DIM, (i + 1) * DIM),
      payload: { tags: i % 10 === 3 ? ['part'] : ['other'], half: i % 2, group: i % 7 },
    };
  });
}

/** A collection of one sealed HNSW segment holding the first `n` points of `data`. */
async function sealedHnsw(
  db: Quiver,
  name: string,
  data: Float32Array,
  n: number,
): Promise<EmbeddedCollection> {
  const c = await db.createCollection(name, { dimension: DIM, index: 'HNSW16', segmentSize: n });
  await c.upsert(pointsOf(data, 0, n));
  await c.flush();
  return c;
}

/** `count` query vectors: the rows of `data` from `from` on. */
function rowsFrom(data: Float32Array, from: number, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, q) => data.subarray((from + q) * DIM, (from + q + 1) * DIM));
}

/** Every query kind that goes through the segment fan-out, as plain data to compare. */
async function answers(c: Collection, queries: readonly Float32Array[], knobs: object): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of queries) {
    out.push(await c.search(q, { k: 10, ...knobs }));
    out.push(await c.search(q, { k: 10, filter: HALF, ...knobs }));
    out.push(await c.search(q, { k: 10, filter: PART, ...knobs }));
    out.push(await c.search(q, { k: 5, exact: true, filter: PART }));
    out.push(await c.search(q, { k: 4, groupBy: 'group', groupSize: 2, ...knobs }));
  }
  out.push(await c.searchBatch([...queries], { k: 10, ...knobs }));
  out.push(await c.searchBatch([...queries], { k: 10, filter: HALF, ...knobs }));
  out.push(await c.searchBatch([...queries], { k: 10, filter: PART, ...knobs }));
  out.push(await Promise.all(queries.map((q) => c.search(q, { k: 10, filter: HALF, ...knobs }))));
  return out;
}

/** The answers with every search here, then on workers; asserts each place was used and they agree. */
async function assertSamePlaces(c: Collection, queries: readonly Float32Array[], knobs: object) {
  const placed = SearchPlacement.placed;
  SearchPlacement.mode = 'here';
  const workersBefore = placed.workers;
  const here = await answers(c, queries, knobs);
  assert.equal(placed.workers, workersBefore, "mode 'here' sent nothing to a worker");
  SearchPlacement.mode = 'workers';
  const onWorkers = await answers(c, queries, knobs);
  assert.ok(placed.workers > workersBefore, "mode 'workers' used the workers");
  SearchPlacement.mode = 'rule';
  assert.deepEqual(onWorkers, here);
}

afterEach(() => {
  SearchPlacement.mode = 'rule';
});

describe('search placement: the calling thread and the workers give the same results', () => {
  const dir = tempDir('quiver-placement-');
  let db: Quiver;
  before(async () => {
    // 4 MiB arenas: the HNSW collection's segments land in different arenas.
    db = await Quiver.open(dir.path, { arenaBytes: 4 << 20 });
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('HNSW over several arenas, with partitions, deletes and a growing segment', async () => {
    const n = 24_000;
    const data = gaussianMixture(n + 300 + QUERIES, DIM, 50, 2024);
    const c = await db.createCollection('hnsw', {
      dimension: DIM,
      index: { type: 'hnsw', M: 16, efConstruction: 64 },
      payloadIndexes: { tags: { type: 'keyword', partitioned: true } },
    });
    for (let first = 0; first < n; first += 6000) await c.upsert(pointsOf(data, first, first + 6000));
    await c.flush();
    await (c as EmbeddedCollection).indexer.idle();
    await c.delete(Array.from({ length: 400 }, (_, i) => i * 37));
    await c.upsert(pointsOf(data, n, n + 300));
    const sealed = (c as EmbeddedCollection).storage.set.sealed.map((p) => p.segment);
    assert.ok(new Set(sealed.map((s) => s.kernels.arenaId)).size >= 2, 'segments in several arenas');
    assert.ok(
      sealed.some((s) => s.partition(0, 'tags', 'part') !== undefined),
      'a segment searched through a partition',
    );
    const queries = Array.from({ length: QUERIES }, (_, q) =>
      data.subarray((n + 300 + q) * DIM, (n + 301 + q) * DIM),
    );
    await assertSamePlaces(c, queries, { ef: 32 });
  });

  const FAMILIES: { factory: string; knobs: object }[] = [
    { factory: 'Flat', knobs: {} },
    { factory: 'IVF16,Flat', knobs: { nprobe: 4 } },
    { factory: 'IVF16,SQ8', knobs: { nprobe: 4 } },
    { factory: 'IVF16,PQ4', knobs: { nprobe: 4, rerank: 40 } },
    { factory: 'SQ8', knobs: {} },
    { factory: 'PQ4', knobs: { rerank: 40 } },
    { factory: 'HNSW16,SQ8', knobs: { ef: 32 } },
    { factory: 'LSH64', knobs: { rerank: 100 } },
    { factory: 'Annoy4', knobs: { searchK: 200 } },
  ];
  for (const { factory, knobs } of FAMILIES) {
    test(`${factory}: same hits in the same order`, async () => {
      const n = 9000;
      const data = gaussianMixture(n + 200 + QUERIES, DIM, 30, 99);
      const name = factory.toLowerCase().replace(/[^a-z0-9]/g, '_');
      const c = await db.createCollection(name, { dimension: DIM, index: factory, segmentSize: 4500 });
      await c.upsert(pointsOf(data, 0, n));
      await c.flush();
      await c.delete([5, 500, 5000]);
      await c.upsert(pointsOf(data, n, n + 200));
      const info = await c.info();
      assert.equal(info.sealedSegments, 2);
      assert.equal(info.indexedSegments, factory === 'Flat' ? 0 : 2, 'every sealed segment indexed');
      const queries = Array.from({ length: QUERIES }, (_, q) =>
        data.subarray((n + 200 + q) * DIM, (n + 201 + q) * DIM),
      );
      await assertSamePlaces(c, queries, knobs);
      await db.dropCollection(name);
    });
  }
});

describe('the placement rule', () => {
  const index = new FlatIndex(kernels(), 128, DistanceKind.L2);
  after(() => index.dispose());
  const scan = (rows: number, pinned = false) => ({ index, k: 10, params: {}, rows, pinned });

  test('estimates a flat scan as rows × dimension', () => {
    assert.equal(estimatedWork(scan(1000)), 128_000);
  });

  test('a lone call runs here up to LONE_CALL_MAX in total, a larger one on workers except tiny searches', async () => {
    const small = scan(Math.floor(TINY / 128));
    const big = scan(Math.floor(LONE_CALL_MAX / 128 / 2));
    // The earlier tests' synchronous searches may have saturated the event loop in the last
    // sample (rule 3); idle for a few sampling periods, so the loop counts as free again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const alone = SearchPlacement.begin();
    try {
      assert.equal(alone, true);
      assert.deepEqual(SearchPlacement.place([small, big], alone), [true, true]);
      assert.deepEqual(SearchPlacement.place([small, big, big, big], alone), [true, false, false, false]);
    } finally {
      SearchPlacement.end();
    }
  });

  test('a task that held the event loop is not saturation, nor is the sample that ends it (rule 3)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    SearchPlacement.begin(); // starts the sampler if it sleeps
    SearchPlacement.end();
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // one long task: the loop is busy throughout, and no sample is taken meanwhile
    }
    await new Promise((resolve) => setTimeout(resolve, 5)); // the overdue sample runs first
    const alone = SearchPlacement.begin();
    SearchPlacement.end();
    assert.equal(alone, true);
  });

  test('while another call is in flight, searches above TINY go to workers; pinned ones stay here', () => {
    SearchPlacement.begin();
    const alone = SearchPlacement.begin();
    try {
      assert.equal(alone, false);
      const tiny = scan(Math.floor(TINY / 128));
      const above = scan(Math.ceil(TINY / 128) + 1);
      const pinned = scan(1_000_000, true);
      assert.deepEqual(SearchPlacement.place([tiny, above, pinned], alone), [true, false, true]);
    } finally {
      SearchPlacement.end();
      SearchPlacement.end();
    }
    assert.equal(SearchPlacement.inFlight, 0);
  });
});

describe('the search pool batches concurrent calls', () => {
  const dir = tempDir('quiver-placement-pool-');
  after(() => dir.cleanup());

  test('64 concurrent searches travel in fewer messages than calls, with the answers of lone calls', async () => {
    const db = await Quiver.open(dir.path);
    try {
      const n = 3000;
      const data = gaussianMixture(n + 64, DIM, 20, 7);
      const c = await sealedHnsw(db, 'pool', data, n);
      const queries = rowsFrom(data, n, 64);
      const lone = [];
      for (const q of queries) lone.push(await c.search(q, { k: 10, ef: 32 }));
      const sent = KernelWorkerPool.of('search').sent;
      const before = { ...sent };
      SearchPlacement.mode = 'workers';
      const concurrent = await Promise.all(queries.map((q) => c.search(q, { k: 10, ef: 32 })));
      SearchPlacement.mode = 'rule';
      assert.deepEqual(concurrent, lone);
      const calls = sent.calls - before.calls;
      const messages = sent.messages - before.messages;
      assert.ok(calls >= 64, `${calls} calls`);
      assert.ok(messages < calls, `${messages} messages for ${calls} calls`);
    } finally {
      await db.close();
    }
  });
});

describe('searchBatch on the workers', () => {
  const dir = tempDir('quiver-placement-batch-');
  after(() => dir.cleanup());

  test('walks its queries in chunks, a message per chunk, with the answers of lone calls', async () => {
    const db = await Quiver.open(dir.path);
    try {
      const n = 3000;
      const data = gaussianMixture(n + 200, DIM, 20, 11);
      const c = await db.createCollection('batch', { dimension: DIM, index: 'HNSW16', segmentSize: n });
      await c.upsert(pointsOf(data, 0, n));
      await c.flush();
      // Deleted nodes: the walk skips them, as a lone search does.
      await c.delete(Array.from({ length: 50 }, (_, i) => i * 41));
      const queries = Array.from({ length: 200 }, (_, q) => data.subarray((n + q) * DIM, (n + q + 1) * DIM));
      for (const knobs of [{ ef: 32 }, { ef: 16, filter: HALF }, { ef: 64, offset: 2 }]) {
        const lone = [];
        for (const q of queries) lone.push(await c.search(q, { k: 10, ...knobs }));
        const sent = KernelWorkerPool.of('search').sent;
        const before = { ...sent };
        SearchPlacement.mode = 'workers';
        const batch = await c.searchBatch(queries, { k: 10, ...knobs });
        SearchPlacement.mode = 'rule';
        assert.deepEqual(batch, lone);
        const messages = sent.messages - before.messages;
        assert.ok(messages >= 1 && messages <= 20, `${messages} messages for 200 queries`);
      }
    } finally {
      await db.close();
    }
  });
});

describe('searchBatch with the calling thread taking part', () => {
  const dir = tempDir('quiver-placement-shared-');
  after(() => dir.cleanup());

  test('a large batch alone in the process: this thread and a worker share it, with the answers of lone calls', async () => {
    const db = await Quiver.open(dir.path);
    const sharedBusy = SearchPlacement.sharedBusy;
    try {
      const n = 4000;
      const data = gaussianMixture(n + 1500, DIM, 20, 12);
      const c = await db.createCollection('shared', { dimension: DIM, index: 'HNSW16', segmentSize: n });
      await c.upsert(pointsOf(data, 0, n));
      await c.flush();
      await c.delete(Array.from({ length: 50 }, (_, i) => i * 37));
      const queries = Array.from({ length: 1500 }, (_, q) => data.subarray((n + q) * DIM, (n + q + 1) * DIM));
      for (const knobs of [{ ef: 64 }, { ef: 32, filter: HALF }, { ef: 96, offset: 3 }]) {
        const lone = [];
        for (const q of queries) lone.push(await c.search(q, { k: 10, ...knobs }));
        let stretches = 0;
        SearchPlacement.sharedBusy = (ms) => {
          stretches++;
          sharedBusy(ms);
        };
        const workersBefore = SearchPlacement.placed.workers;
        // An idle stretch: the loop's load sampled while the lone searches ran counts no more (rule 3).
        await new Promise((resolve) => setTimeout(resolve, 80));
        const batch = await c.searchBatch(queries, { k: 10, ...knobs });
        SearchPlacement.sharedBusy = sharedBusy;
        assert.deepEqual(batch, lone);
        assert.ok(SearchPlacement.placed.workers > workersBefore, 'the batch went to the workers');
        assert.ok(stretches >= 1, 'this thread searched a share of the batch');
      }
    } finally {
      SearchPlacement.sharedBusy = sharedBusy;
      await db.close();
    }
  });
});

describe('concurrent plain searches share batches (search-coalescer.ts)', () => {
  const dir = tempDir('quiver-placement-coalesced-');
  after(() => dir.cleanup());

  test('calls issued together are answered in shared batches, each with the answer of a lone call', async () => {
    const db = await Quiver.open(dir.path);
    try {
      const n = 3000;
      const data = gaussianMixture(n + 200 + 96, DIM, 20, 13);
      const c = await sealedHnsw(db, 'coalesced', data, n);
      await c.upsert(pointsOf(data, n, n + 200)); // a growing segment, searched on this thread
      await c.delete([5, 77, 1200, n + 3]);
      const queries = rowsFrom(data, n + 200, 96);
      const lone = [];
      for (const q of queries) lone.push(await c.search(q, { k: 10, ef: 48, withPayload: q[0] > 0 }));
      const before = { ...SearchCoalescer.answered };
      const together = await Promise.all(
        queries.map((q) => c.search(q, { k: 10, ef: 48, withPayload: q[0] > 0 })),
      );
      assert.deepEqual(together, lone);
      const calls = SearchCoalescer.answered.calls - before.calls;
      const batches = SearchCoalescer.answered.batches - before.batches;
      // The first call finds nothing in flight and runs alone; the others join one batch.
      assert.equal(calls, queries.length - 1);
      assert.equal(batches, 1);
    } finally {
      await db.close();
    }
  });

  test('calls with other k or ef go in batches of their own; filtered, offset and invalid calls never join', async () => {
    const db = await Quiver.open(dir.path);
    try {
      const n = 3000;
      const data = gaussianMixture(n + 40, DIM, 20, 14);
      const c = await sealedHnsw(db, 'mixed', data, n);
      const queries = rowsFrom(data, n, 40);
      const knobsOf = (q: number) =>
        [
          { k: 10, ef: 32 },
          { k: 5, ef: 32 },
          { k: 10, ef: 64 },
          { k: 10, ef: 32, filter: HALF },
          { k: 4, offset: 2 },
        ][q % 5];
      const lone = [];
      for (let q = 0; q < queries.length; q++) lone.push(await c.search(queries[q], knobsOf(q)));
      const before = { ...SearchCoalescer.answered };
      const bad = c.search(new Float32Array(DIM + 1), { k: 10, ef: 32 });
      const together = Promise.all(queries.map((q, i) => c.search(q, knobsOf(i))));
      await assert.rejects(bad, DimensionMismatchError);
      assert.deepEqual(await together, lone);
      // 40 calls: 8 of each knob; the filtered and offset ones (16) never join, the first plain one ran alone.
      assert.equal(SearchCoalescer.answered.calls - before.calls, 24 - 1);
      assert.equal(SearchCoalescer.answered.batches - before.batches, 3);
    } finally {
      await db.close();
    }
  });
});

describe('a message of several calls', () => {
  test('each call gets its own result, and a failing call rejects only itself', async () => {
    const kern = wasmKernels() as WasmKernels;
    const pool = KernelWorkerPool.of('search');
    // Bitsets of 0..7 set bits among 64: bitsetCount must answer each with its own count.
    const words = 2;
    const blocks = Array.from({ length: 8 }, (_, bits) => {
      const ptr = kern.alloc(words * 4);
      kern.u32(ptr, words).set([2 ** bits - 1, 0]);
      return ptr;
    });
    try {
      const before = { ...pool.sent };
      const counts = blocks.map((ptr) => pool.run(kern, 'bitsetCount', [ptr, 64]));
      const bad = pool.run(kern, 'noSuchExport', []);
      await assert.rejects(bad, /kernels have no function 'noSuchExport'/);
      assert.deepEqual(await Promise.all(counts), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.ok(pool.sent.messages - before.messages < 9, 'the nine calls shared messages');
    } finally {
      for (const ptr of blocks) kern.free(ptr);
    }
  });
});
