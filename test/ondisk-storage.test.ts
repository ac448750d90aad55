/**
 * What a collection with vectors on disk (`onDisk: true`) keeps and answers, against the
 * same data in an in-memory collection (`HNSW16,SQ8`, segments of 1,500 rows: both build the
 * same graphs, see ondisk-recall.test.ts). Data: a fixed-seed Gaussian mixture, 4,500 × 128.
 * - `get`/`scroll` with vectors return exactly the floats stored (bit for bit the in-memory
 *   collection's, which are what was written); recommend by id, MMR, range search, compaction
 *   after deletes and named vector fields with one field on disk answer as in memory.
 * - Reopening reads the same rows from the files (hits equal before and after).
 * - Memory per vector (`info().memory.bytesPerVector`), stated bound: at most
 *   d + 4·(2M + 1) + 5 + 4·(M + 1) + 32 bytes (code, level-0 list, level byte and upper-table
 *   word, upper lists of at most one level per node on average, params and padding shared)
 *   = 333 for d = 128, M = 16, and under 0.5 × the in-memory HNSW16 collection's; the disk
 *   holds at least 4·d bytes per vector.
 * - With 1 MiB arenas (segments in several arenas), onDisk search reaches recall@10 >= 0.9 of
 *   exact search and `exact: true` equals it.
 * - Snapshots carry the option: a recovered collection is onDisk and answers the same.
 * - Bad configs are refused with `InvalidArgumentError`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import { type Collection, gaussianMixture, type Hit, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 4_500;
const DIM = 128;
const K = 10;
const M = 16;
const data = gaussianMixture(N + 20, DIM, 30, 5);
const vector = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));
const query = (q: number) => vector(N + q);
const INDEX = { type: 'hnsw', M, efConstruction: 64 } as const;
const points = Array.from({ length: N }, (_, i) => ({
  id: i,
  vector: vector(i),
  payload: { n: i, half: i % 2 },
}));
const strip = (hits: readonly Hit[]) => hits.map((h) => [h.id, h.score]);

async function fill(col: Collection): Promise<Collection> {
  for (let from = 0; from < N; from += 1_500) await col.upsert(points.slice(from, from + 1_500));
  await col.flush();
  return col;
}

describe('a collection with vectors on disk', () => {
  const dir = tempDir('quiver-ondisk-');
  let db: Quiver;
  let disk: Collection;
  let memory: Collection;
  let plain: Collection;

  before(async () => {
    db = await Quiver.open(dir.path);
    const base = { dimension: DIM, segmentSize: 1_500 };
    disk = await fill(await db.createCollection('disk', { ...base, index: INDEX, onDisk: true }));
    memory = await fill(
      await db.createCollection('memory', {
        ...base,
        index: { type: 'factory', factory: 'HNSW16,SQ8', efConstruction: 64 },
      }),
    );
    plain = await fill(await db.createCollection('plain', { ...base, index: INDEX }));
  });

  after(async () => {
    await db?.close();
    dir.cleanup();
  });

  test('get and scroll with vectors return exactly the stored floats', async () => {
    const ids = [0, 1, 777, 1_499, 1_500, 4_499];
    const got = await disk.get(ids, { withVector: true });
    assert.deepEqual(got, await memory.get(ids, { withVector: true }));
    for (const p of got) assert.deepEqual(p.vector, Float32Array.from(vector(p.id as number)).slice());
    const page = await disk.scroll({ limit: 300, offset: 1_400, withVector: true });
    assert.deepEqual(page, await memory.scroll({ limit: 300, offset: 1_400, withVector: true }));
    assert.equal(page.points.length, 300);
  });

  test('recommend by id, MMR and range search answer as in memory', async () => {
    const rec = { positive: [3, 10, 2_000], negative: [4_000] };
    assert.deepEqual(
      strip(await disk.recommend(rec, { k: K })),
      strip(await memory.recommend(rec, { k: K })),
    );
    const best = { ...rec, strategy: 'best_score' } as const;
    assert.deepEqual(strip(await disk.recommend(best)), strip(await memory.recommend(best)));
    const mmr = { k: K, mmr: { diversity: 0.5, candidates: 50 } };
    assert.deepEqual(strip(await disk.search(query(1), mmr)), strip(await memory.search(query(1), mmr)));
    const [, , , tenth] = await memory.search(query(2), { k: 4, exact: true });
    const radius = { radius: tenth.score };
    assert.deepEqual(
      strip(await disk.rangeSearch(query(2), radius)),
      strip(await memory.rangeSearch(query(2), radius)),
    );
  });

  test('memory per vector is within the stated bound; the vectors are on disk', async () => {
    const info = await disk.info();
    const bound = DIM + 4 * (2 * M + 1) + 5 + 4 * (M + 1) + 32;
    assert.equal(info.memory?.vectors, 0);
    const perVector = info.memory!.bytesPerVector!;
    assert.ok(perVector > DIM && perVector <= bound, `${perVector} bytes per vector <= ${bound}`);
    const inMemory = (await plain.info()).memory!.bytesPerVector!;
    assert.ok(perVector < 0.5 * inMemory, `${perVector} < 0.5 × ${inMemory} (in memory)`);
    assert.ok(info.disk!.bytesPerVector! >= 4 * DIM, `${info.disk!.bytesPerVector} bytes per vector on disk`);
  });

  test('reopening reads the same rows and answers the same', async () => {
    // `rerank: 0` ranks by the SQ8 codes alone: equal only if the codes encoded while the
    // files were read at open are the codes the build made.
    const searches = () =>
      Promise.all(
        [0, 1, 2, 3].flatMap((q) => [
          disk.search(query(q), { k: K }),
          disk.search(query(q), { k: K, rerank: 0 }),
        ]),
      );
    const before = await searches();
    const vectors = await disk.get([5, 3_333], { withVector: true });
    await db.close();
    db = await Quiver.open(dir.path);
    disk = db.collection('disk');
    memory = db.collection('memory');
    plain = db.collection('plain');
    await db.collection('disk').loaded();
    assert.equal((await disk.info()).indexedSegments, 3);
    const again = await searches();
    assert.deepEqual(again.map(strip), before.map(strip));
    assert.deepEqual(await disk.get([5, 3_333], { withVector: true }), vectors);
  });

  test('deletes and compaction rewrite the files; searches still equal in memory', async () => {
    const gone = Array.from({ length: 600 }, (_, i) => i * 7);
    await disk.delete(gone);
    await memory.delete(gone);
    await disk.compact();
    await disk.flush();
    const info = await disk.info();
    assert.equal(info.count, N - gone.length);
    const exact = async (c: Collection) => strip(await c.search(query(3), { k: K, exact: true }));
    assert.deepEqual(await exact(disk), await exact(memory));
    assert.deepEqual(
      await disk.get([7, 8], { withVector: true }),
      await memory.get([7, 8], { withVector: true }),
    );
  });

  test('snapshots carry onDisk: the recovered collection keeps vectors on disk', async () => {
    const snap = await db.createSnapshot('disk');
    const path = await db.snapshotPath('disk', snap.name);
    const copy = await db.recoverSnapshot('disk-copy', path);
    await copy.flush();
    const info = await copy.info();
    assert.equal(info.onDisk, true);
    assert.equal(info.memory?.vectors, 0);
    for (const q of [0, 5]) {
      assert.deepEqual(
        strip(await copy.search(query(q), { k: K })),
        strip(await disk.search(query(q), { k: K })),
      );
    }
  });

  test('named vector fields: one on disk, one in memory', async () => {
    const col = await db.createCollection('named', {
      vectors: {
        big: { dimension: DIM, index: INDEX, onDisk: true },
        small: { dimension: 8, index: { type: 'flat' } },
      },
      segmentSize: 1_500,
    });
    const named = points.slice(0, 2_000).map((p) => ({
      id: p.id,
      vectors: { big: p.vector, small: p.vector.slice(0, 8) },
    }));
    await col.upsert(named);
    await col.flush();
    const info = await col.info();
    assert.equal(info.vectors?.big.onDisk, true);
    assert.equal(info.vectors?.small.onDisk, undefined);
    assert.equal(info.vectors?.big.memory?.vectors, 0, 'nothing of big is in memory');
    assert.ok(info.vectors!.small.memory!.vectors >= 4 * 8 * 2_000, 'small is in memory');
    const [p] = await col.get([1_234], { withVector: true });
    assert.deepEqual(p.vectors?.big, Float32Array.from(vector(1_234)));
    const hits = await col.search({ vector: query(0), using: 'big' }, { k: K, exact: true });
    assert.deepEqual(
      hits.map((h) => h.id),
      (await plain.search(query(0), { k: 40, exact: true }))
        .map((h) => h.id)
        .filter((id) => (id as number) < 2_000)
        .slice(0, K),
    );
  });

  test('bad onDisk configs are refused', async () => {
    const bad = [
      { dimension: 8, onDisk: 'yes' },
      { dimension: 8, onDisk: true, index: 'IVF16,PQ4' },
      { dimension: 8, onDisk: true, index: 'SQ8' },
      { dimension: 64, metric: 'hamming', onDisk: true },
      { dimension: 8, metric: 'l1', onDisk: true },
      { vectors: { a: { dimension: 8 } }, onDisk: true },
    ];
    for (const config of bad) {
      await assert.rejects(
        db.createCollection('bad', config as never),
        InvalidArgumentError,
        JSON.stringify(config),
      );
    }
  });
});

describe('vectors on disk with 1 MiB arenas', () => {
  const dir = tempDir('quiver-ondisk-arenas-');
  let db: Quiver;

  after(async () => {
    await db?.close();
    dir.cleanup();
  });

  test('segments spread over arenas; recall@10 >= 0.9 of exact search, exact equals it', async () => {
    db = await Quiver.open(dir.path, { arenaBytes: 1 << 20 });
    const col = await fill(await db.createCollection('tiny', { dimension: DIM, index: INDEX, onDisk: true }));
    const info = await col.info();
    assert.ok(info.sealedSegments >= 2, `${info.sealedSegments} sealed segments`);
    assert.ok(info.memory!.arenas >= 3, `${info.memory!.arenas} arenas`);
    assert.equal(info.indexedSegments, info.sealedSegments);
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const truth = await col.search(query(q), { k: K, exact: true });
      const want = new Set(truth.map((h) => h.id));
      found += (await col.search(query(q), { k: K, ef: 64 })).filter((h) => want.has(h.id)).length;
    }
    assert.ok(found / (20 * K) >= 0.9, `recall@10 ${found / (20 * K)}`);
    const [p] = await col.get([4_321], { withVector: true });
    assert.deepEqual(p.vector, Float32Array.from(vector(4_321)));
    // Reopened, the segments are read (rows streamed, codes encoded) into arenas again.
    const searches = () =>
      Promise.all(
        [0, 1, 2].flatMap((q) => [col.search(query(q), { k: K }), col.search(query(q), { k: K, rerank: 0 })]),
      );
    const before = await searches();
    await db.close();
    db = await Quiver.open(dir.path, { arenaBytes: 1 << 20 });
    const again = db.collection('tiny');
    await again.loaded();
    assert.equal((await again.info()).indexedSegments, info.sealedSegments);
    const after = await Promise.all(
      [0, 1, 2].flatMap((q) => [
        again.search(query(q), { k: K }),
        again.search(query(q), { k: K, rerank: 0 }),
      ]),
    );
    assert.deepEqual(after.map(strip), before.map(strip));
  });
});
