/**
 * Value partitions of partitioned keyword payload indexes (`{ type: 'keyword', partitioned:
 * true }`): built for values holding between 1,024 rows and 1/8 of an indexed sealed segment,
 * copies of the segment's rows; searches filtered on such a value go through the partition
 * (its index is called) and return only allowed rows, exactly min(k, allowed) of them, with
 * recall@10 ≥ 0.95 against brute force (exact searches equal brute force), also with extra
 * `must`/`must_not` conditions, deleted rows, a growing segment beside, after compaction,
 * when the option is added to an existing collection and after reopening; bad option values
 * are rejected. Data: a fixed-seed Gaussian mixture, 24,000 × 32 in two segments of 12,000
 * (partitions of 1,200 rows, linked on this thread) or in one (2,400 rows, on workers).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Collection,
  type EmbeddedCollection,
  type Filter,
  gaussianMixture,
  InvalidArgumentError,
  type Metric,
  type PointId,
  Quiver,
} from '../src/index.js';
import type { SealedSegment } from '../src/segment/sealed-segment.js';
import {
  deservesPartition,
  MAX_PARTITION_FRACTION,
  MIN_PARTITION_ROWS,
} from '../src/segment/value-partitions.js';
import { bruteForce, tempDir } from './support/reference.js';

const DIM = 32;
const N = 24_000;
const SEGMENT = 12_000;
const EXTRA = 600;
const QUERIES = 30;
const data = gaussianMixture(N + EXTRA + QUERIES, DIM, 60, 4242);
const vector = (i: number) => data.subarray(i * DIM, (i + 1) * DIM);
const query = (q: number) => vector(N + EXTRA + q);
const INDEX = { type: 'hnsw', M: 16, efConstruction: 64 } as const;

/** `part`: 1 row in 10 (1,200 per segment: partitioned); `sub` ⊂ `part`; `small` too few rows; `big` too many. */
function tagsOf(i: number): string[] {
  const tags: string[] = [];
  if (i % 10 === 3) tags.push('part');
  if (i % 30 === 3) tags.push('sub');
  if (i % 20 === 7) tags.push('small');
  if (i % 2 === 0) tags.push('big');
  return tags;
}

function point(i: number) {
  return { id: i, vector: vector(i), payload: { tags: tagsOf(i), n: i } };
}

function hasTag(payload: Record<string, unknown> | null, tag: string): boolean {
  const tags = payload?.tags;
  return Array.isArray(tags) && tags.includes(tag);
}

const PART: Filter = { must: [{ key: 'tags', match: { value: 'part' } }] };

function sealed(c: Collection): SealedSegment[] {
  return (c as EmbeddedCollection).storage.set.sealed.map((p) => p.segment);
}

/** Counts the searches that reach the partitions of `value` (sync and async). */
function countPartitionSearches(c: Collection, value: string): { calls: number } {
  const seen = { calls: 0 };
  for (const segment of sealed(c)) {
    const index = segment.partition(0, 'tags', value)?.index;
    assert.ok(index, `segment ${segment.id} has a partition of ${value}`);
    const search = index.search.bind(index);
    const searchAsync = index.searchAsync.bind(index);
    index.search = (...args) => {
      seen.calls++;
      return search(...args);
    };
    index.searchAsync = (...args) => {
      seen.calls++;
      return searchAsync(...args);
    };
  }
  return seen;
}

/**
 * Checks searches of `filter` against brute force over the live points `allowed` accepts:
 * exactly min(k, allowed) hits, all allowed, recall@10 ≥ 0.95 (mean over the queries), and
 * exact searches equal to brute force.
 */
async function checkAgainstBruteForce(
  c: Collection,
  metric: Metric,
  live: ReadonlyMap<PointId, Float32Array>,
  filter: Filter,
  allowed: (id: number) => boolean,
  k = 10,
): Promise<void> {
  let recall = 0;
  for (let q = 0; q < QUERIES; q++) {
    const want = bruteForce(metric, live, query(q), (id) => allowed(id as number)).slice(0, k);
    const hits = await c.search(query(q), { k, filter });
    assert.equal(hits.length, want.length, `query ${q}: min(k, allowed) hits`);
    for (const hit of hits) assert.ok(live.has(hit.id) && allowed(hit.id as number), `hit ${hit.id} allowed`);
    const wanted = new Set(want.map((w) => w.id));
    recall += want.length === 0 ? 1 : hits.filter((h) => wanted.has(h.id)).length / want.length;
    const exact = await c.search(query(q), { k, filter, exact: true });
    assert.deepEqual(
      exact.map((h) => h.id),
      want.map((w) => w.id),
      `query ${q}: exact search equals brute force`,
    );
  }
  assert.ok(recall / QUERIES >= 0.95, `recall@${k} ${(recall / QUERIES).toFixed(3)} >= 0.95`);
}

describe('value partitions of a partitioned keyword index', () => {
  const dir = tempDir('partitions');
  let db: Quiver;
  let c: Collection;
  const live = new Map<PointId, Float32Array>();

  before(async () => {
    db = await Quiver.open(dir.path);
    c = await db.createCollection('parts', {
      dimension: DIM,
      segmentSize: SEGMENT,
      index: INDEX,
      payloadIndexes: { tags: { type: 'keyword', partitioned: true }, n: 'integer' },
    });
    for (let first = 0; first < N; first += SEGMENT) {
      await c.upsert(Array.from({ length: SEGMENT }, (_, j) => point(first + j)));
      await c.flush();
    }
    for (let i = 0; i < N; i++) live.set(i, vector(i));
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test(`a partition per value of ${MIN_PARTITION_ROWS} rows to 1/${1 / MAX_PARTITION_FRACTION} of a segment, copying its rows`, async () => {
    const segments = sealed(c);
    assert.equal(segments.length, 2);
    assert.deepEqual((await c.info()).payloadIndexes.tags, { type: 'keyword', partitioned: true });
    for (const segment of segments) {
      const part = segment.partition(0, 'tags', 'part');
      assert.ok(part);
      assert.equal(part.size, SEGMENT / 10);
      assert.equal(segment.partition(0, 'tags', 'small'), undefined, 'below the minimum');
      assert.equal(segment.partition(0, 'tags', 'big'), undefined, 'above the maximum fraction');
      assert.equal(segment.partition(0, 'tags', 'sub'), undefined, 'below the minimum');
      part.index.checkIntegrity();
      for (let local = 0; local < part.size; local++) {
        const row: number = part.rows[local];
        if (local > 0) assert.ok(row > part.rows[local - 1], 'rows ascending');
        assert.ok(hasTag(segment.payloads[row], 'part'));
        assert.deepEqual(part.index.store.row(local), segment.vector(row));
      }
      assert.deepEqual(segment.partitionStats.partitions, 1);
      assert.ok(segment.partitionStats.bytes >= part.size * DIM * 4);
    }
  });

  test('filtered searches go through the partition: min(k, allowed) allowed hits, recall@10 >= 0.95', async () => {
    const seen = countPartitionSearches(c, 'part');
    await checkAgainstBruteForce(c, 'l2', live, PART, (id) => id % 10 === 3);
    assert.ok(seen.calls >= QUERIES * 2 * 2, `${seen.calls} partition searches`);
    for (const k of [1, 100]) {
      await checkAgainstBruteForce(c, 'l2', live, PART, (id) => id % 10 === 3, k);
    }
  });

  test('extra must and must_not conditions are respected; fewer allowed than k gives them all', async () => {
    await checkAgainstBruteForce(
      c,
      'l2',
      live,
      {
        must: [
          { key: 'tags', match: { value: 'part' } },
          { key: 'n', range: { gte: 5_000, lt: 17_000 } },
        ],
        must_not: [{ key: 'tags', match: { value: 'sub' } }],
      },
      (id) => id % 10 === 3 && id % 30 !== 3 && id >= 5_000 && id < 17_000,
    );
    const few: Filter = { must: [PART.must![0], { key: 'n', range: { lt: 50 } }] };
    await checkAgainstBruteForce(c, 'l2', live, few, (id) => id % 10 === 3 && id < 50);
    const hits = await c.search(query(0), { k: 10, filter: few });
    assert.deepEqual(
      hits.map((h) => h.id).sort((a, b) => (a as number) - (b as number)),
      [3, 13, 23, 33, 43],
    );
    const none: Filter = { must: [PART.must![0], { key: 'tags', match: { value: 'small' } }] };
    assert.deepEqual(await c.search(query(0), { k: 10, filter: none }), []);
  });

  test('deleted rows are never returned; a growing segment is searched beside the partitions', async () => {
    const doomed: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      for (const hit of await c.search(query(q), { k: 5, filter: PART })) doomed.push(hit.id as number);
    }
    await c.delete(doomed);
    for (const id of doomed) live.delete(id);
    const extra = Array.from({ length: EXTRA }, (_, j) => point(N + j));
    await c.upsert(extra);
    for (const p of extra) live.set(p.id, p.vector);
    const seen = countPartitionSearches(c, 'part');
    await checkAgainstBruteForce(c, 'l2', live, PART, (id) => id % 10 === 3);
    assert.ok(seen.calls > 0);
  });

  test('after compaction the rewritten segments get partitions (the sealed 600 rows none), answers stay correct', async () => {
    await c.compact();
    await c.flush();
    let partitioned = 0;
    for (const segment of sealed(c)) {
      const rows = segment.payloads.filter((p) => hasTag(p, 'part')).length;
      const expected = deservesPartition(rows, segment.rows);
      assert.equal(
        segment.partition(0, 'tags', 'part')?.size,
        expected ? rows : undefined,
        `segment ${segment.id}`,
      );
      if (expected) partitioned++;
    }
    assert.ok(partitioned >= 2, `${partitioned} compacted segments have partitions`);
    await checkAgainstBruteForce(c, 'l2', live, PART, (id) => id % 10 === 3);
  });
});

describe('partitioned option on an existing collection', () => {
  test('createPayloadIndex adds and removes partitions; reopening rebuilds them (cosine)', async () => {
    const dir = tempDir('partitions-later');
    const n = N; // one segment: 2,400 rows of `part`, a graph built on worker threads
    const live = new Map<PointId, Float32Array>();
    for (let i = 0; i < n; i++) live.set(i, vector(i));
    let db = await Quiver.open(dir.path);
    try {
      let c = await db.createCollection('later', {
        dimension: DIM,
        metric: 'cosine',
        segmentSize: n,
        index: INDEX,
        payloadIndexes: { tags: 'keyword' },
      });
      await c.upsert(Array.from({ length: n }, (_, i) => point(i)));
      await c.flush();
      assert.equal(sealed(c)[0].partition(0, 'tags', 'part'), undefined, 'not partitioned yet');

      await c.createPayloadIndex('tags', { type: 'keyword', partitioned: true });
      await c.flush();
      assert.deepEqual((await c.info()).payloadIndexes.tags, { type: 'keyword', partitioned: true });
      countPartitionSearches(c, 'part');
      await checkAgainstBruteForce(c, 'cosine', live, PART, (id) => id % 10 === 3);

      await db.close();
      db = await Quiver.open(dir.path);
      c = db.collection('later');
      await c.flush();
      assert.deepEqual((await c.info()).payloadIndexes.tags, { type: 'keyword', partitioned: true });
      const seen = countPartitionSearches(c, 'part');
      await checkAgainstBruteForce(c, 'cosine', live, PART, (id) => id % 10 === 3);
      assert.ok(seen.calls > 0);

      await c.createPayloadIndex('tags', 'keyword');
      assert.equal(sealed(c)[0].partition(0, 'tags', 'part'), undefined);
      assert.equal(sealed(c)[0].partitionStats.partitions, 0, 'freed');
      await checkAgainstBruteForce(c, 'cosine', live, PART, (id) => id % 10 === 3);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('bad partitioned values are rejected with InvalidArgumentError', async () => {
    const dir = tempDir('partitions-bad');
    const db = await Quiver.open(dir.path);
    try {
      for (const bad of [
        { type: 'keyword', partitioned: 'yes' },
        { type: 'keyword', partitioned: 1 },
        { type: 'keyword', partitioned: null },
        { type: 'integer', partitioned: true },
        { type: 'text', partitioned: true },
      ]) {
        await assert.rejects(
          db.createCollection('bad', { dimension: DIM, payloadIndexes: { tags: bad as never } }),
          InvalidArgumentError,
          JSON.stringify(bad),
        );
      }
      const c = await db.createCollection('good', { dimension: DIM });
      await assert.rejects(
        c.createPayloadIndex('tags', { type: 'keyword', partitioned: 'true' } as never),
        InvalidArgumentError,
      );
      await assert.rejects(
        c.createPayloadIndex('tags', { type: 'bool', partitioned: true } as never),
        InvalidArgumentError,
      );
      await c.createPayloadIndex('tags', { type: 'keyword', partitioned: false });
      assert.deepEqual((await c.info()).payloadIndexes.tags, { type: 'keyword' });
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});
