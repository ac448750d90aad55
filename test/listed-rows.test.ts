/**
 * Selective filters searched over a list of their rows instead of a bitset over the segment:
 * `listedTopK` / `HnswIndex.searchRows` equal the bitset scan (`search` with the same rows
 * as a bitset, strategy `scan`) offset for offset and distance for distance, for L2, IP and
 * cosine, with deleted nodes, on workers too, and reject bad lists; `listFilterRows` equals
 * the filter's bitset (`SegmentPayloadIndex.filter`) for keyword matches alone, unions,
 * with other conditions, with foreign values at the key and with has_id, and declines what
 * it cannot list; through a collection, a rare tag's searches go through `searchRows` and
 * equal brute force exactly, also with extra conditions, deleted points and a growing
 * segment beside. Data: fixed-seed Gaussian mixtures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Bitset } from '../src/index/bitset.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import { type HnswIndex, maxScanRows, scanBeatsWalk } from '../src/index/hnsw-index.js';
import {
  type Collection,
  type EmbeddedCollection,
  type Filter,
  gaussianMixture,
  type PointId,
  Quiver,
} from '../src/index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { RowPayload } from '../src/payload/filter-types.js';
import { SegmentPayloadIndex } from '../src/payload/payload-index.js';
import { bruteForce, tempDir } from './support/reference.js';

const ascending = (rows: number[]) => Uint32Array.from([...new Set(rows)].sort((a, b) => a - b));

describe('HnswIndex.searchRows', () => {
  const N = 3_000;
  const DIM = 24;
  const data = gaussianMixture(N + 20, DIM, 30, 20261207);
  const query = (q: number) => data.subarray((N + q) * DIM, (N + q + 1) * DIM);
  const lists = [
    ascending([0]),
    ascending([N - 1]),
    ascending([5, 9, 2_000]),
    ascending(Array.from({ length: 90 }, (_, i) => (i * 331 + 17) % N)),
    ascending(Array.from({ length: 400 }, (_, i) => (i * 7_919) % N)),
  ];

  for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
    test(`equals the bitset scan (distance kind ${kind}), here and on a worker, deleted nodes skipped`, async () => {
      const index = await buildHnsw(wasmKernels(), data.subarray(0, N * DIM), DIM, kind, {
        M: 8,
        efConstruction: 32,
      });
      try {
        const check = async (what: string) => {
          for (const rows of lists) {
            for (const k of [1, 3, 10]) {
              for (let q = 0; q < 5; q++) {
                const allow = Bitset.fromOffsets(N, rows);
                const want = index.search(query(q), k, allow, { strategy: 'scan' });
                const got = index.searchRows(query(q), k, rows);
                const label = `${what}, ${rows.length} rows, k ${k}, query ${q}`;
                assert.deepEqual([...got.offsets], [...want.offsets], label);
                assert.deepEqual([...got.distances], [...want.distances], label);
                const onWorker = await index.searchRowsAsync(query(q), k, rows);
                assert.deepEqual([...onWorker.offsets], [...want.offsets], `${label}, on a worker`);
                assert.deepEqual([...onWorker.distances], [...want.distances], `${label}, on a worker`);
              }
            }
          }
        };
        await check('no deletions');
        for (const row of [5, 17 % N, lists[3][4], lists[4][0], lists[4][1]]) index.delete(row);
        await check('deleted nodes');
        const only = ascending([5]);
        assert.equal(
          index.searchRows(query(0), 10, only).offsets.length,
          0,
          'a list of deleted nodes finds none',
        );
      } finally {
        index.dispose();
      }
    });
  }

  test('maxScanRows is the most allowed points for which the scan beats the walk', () => {
    for (const [ef, n] of [
      [1, 1],
      [10, 1_000],
      [64, 1_000_000],
      [256, 12_345],
      [16, 3],
    ]) {
      const max = maxScanRows(ef, n);
      if (max > 0) assert.ok(scanBeatsWalk(max, ef, n), `ef ${ef}, n ${n}: ${max} scans`);
      assert.ok(!scanBeatsWalk(max + 1, ef, n), `ef ${ef}, n ${n}: ${max + 1} walks`);
    }
  });

  test('rejects a query of the wrong dimension and lists that are not ascending offsets below size', async () => {
    const index: HnswIndex = await buildHnsw(
      wasmKernels(),
      data.subarray(0, 200 * DIM),
      DIM,
      DistanceKind.L2,
      { M: 8 },
    );
    try {
      assert.throws(() => index.searchRows(new Float32Array(DIM + 1), 3, ascending([1])), RangeError);
      assert.throws(() => index.searchRows(query(0), 3, Uint32Array.of(4, 2)), RangeError);
      assert.throws(() => index.searchRows(query(0), 3, Uint32Array.of(4, 4)), RangeError);
      assert.throws(() => index.searchRows(query(0), 3, Uint32Array.of(1, 200)), RangeError);
      assert.equal(index.searchRows(query(0), 3, new Uint32Array(0)).offsets.length, 0);
      assert.equal(index.searchRows(query(0), 0, ascending([1, 2])).offsets.length, 0);
    } finally {
      index.dispose();
    }
  });
});

describe('listFilterRows (SegmentPayloadIndex.listRows)', () => {
  const ROWS = 5_000;
  /** `rare` on 1 row in 50, `odd` on odd rows; `n` = row; some rows hold a number among their tags (foreign to the keyword index). */
  const payloads: RowPayload[] = Array.from({ length: ROWS }, (_, i) => {
    const tags: unknown[] = [];
    if (i % 50 === 7) tags.push('rare');
    if (i % 70 === 3) tags.push('scarce');
    if (i % 2 === 1) tags.push('odd');
    if (i % 97 === 0) tags.push(i);
    if (i % 333 === 0) return null;
    return { tags, n: i };
  });
  const index = new SegmentPayloadIndex(
    new Map([
      ['tags', { type: 'keyword' as const }],
      ['n', { type: 'integer' as const }],
    ]),
    payloads,
  );
  const ids = { idAt: (row: number) => row * 10 };
  const rowsOf = (bits: Bitset) => {
    const out: number[] = [];
    bits.forEach((row) => {
      out.push(row);
    });
    return out;
  };

  const listable: [string, Filter][] = [
    ['a keyword match alone', { must: [{ key: 'tags', match: { value: 'rare' } }] }],
    ['a keyword match of a value no row holds', { must: [{ key: 'tags', match: { value: 'none' } }] }],
    ['a union of values (match.any)', { must: [{ key: 'tags', match: { any: ['rare', 'scarce'] } }] }],
    [
      'a keyword match with a range',
      {
        must: [
          { key: 'tags', match: { value: 'rare' } },
          { key: 'n', range: { gte: 1_000, lt: 4_000 } },
        ],
      },
    ],
    [
      'a keyword match with must_not and should',
      {
        must: [{ key: 'tags', match: { value: 'rare' } }],
        must_not: [{ key: 'tags', match: { value: 'odd' } }],
        should: [
          { key: 'n', range: { lt: 2_000 } },
          { key: 'n', range: { gt: 4_500 } },
        ],
      },
    ],
    [
      'a keyword match with has_id',
      { must: [{ key: 'tags', match: { value: 'rare' } }, { has_id: [70, 570, 571, 4_570] }] },
    ],
    [
      'the rarer of two keyword matches',
      {
        must: [
          { key: 'tags', match: { value: 'odd' } },
          { key: 'tags', match: { value: 'scarce' } },
        ],
      },
    ],
  ];

  for (const [what, filter] of listable) {
    test(`lists the filter's rows: ${what}`, () => {
      for (const rows of [ROWS, 3_001]) {
        const listed = index.listRows(filter, rows, (i) => payloads[i], 300, ids);
        assert.ok(listed, `${what}: listed`);
        assert.deepEqual(
          [...listed],
          rowsOf(index.filter(filter, rows, (i) => payloads[i], ids)),
          `${what}, ${rows} rows`,
        );
      }
    });
  }

  test('declines filters it cannot list: no indexed match, too many candidates, has_id without ids', () => {
    const at = (i: number) => payloads[i];
    assert.equal(index.listRows({ must: [{ key: 'n', range: { lt: 10 } }] }, ROWS, at, 200, ids), undefined);
    assert.equal(
      index.listRows({ must: [{ key: 'other', match: { value: 'rare' } }] }, ROWS, at, 200, ids),
      undefined,
    );
    assert.equal(
      index.listRows({ should: [{ key: 'tags', match: { value: 'rare' } }] }, ROWS, at, 200, ids),
      undefined,
    );
    assert.equal(
      index.listRows({ must: [{ key: 'tags', match: { value: 'odd' } }] }, ROWS, at, 200, ids),
      undefined,
    );
    assert.equal(
      index.listRows({ must: [{ key: 'tags', match: { value: 'rare' } }, { has_id: [70] }] }, ROWS, at, 200),
      undefined,
    );
  });
});

describe('a collection searching a rare tag over its listed rows', () => {
  const DIM = 16;
  const N = 6_000;
  const QUERIES = 12;
  const data = gaussianMixture(N + 300 + QUERIES, DIM, 40, 7_070);
  const vector = (i: number) => data.subarray(i * DIM, (i + 1) * DIM);
  const query = (q: number) => vector(N + 300 + q);
  const tagsOf = (i: number) => [
    ...(i % 100 === 5 ? ['rare'] : []),
    ...(i % 3 === 0 ? ['third'] : []),
    'all',
  ];
  const dir = tempDir('listed-rows');
  const live = new Map<PointId, Float32Array>();
  let db: Quiver;
  let c: Collection;
  let listedCalls = 0;

  before(async () => {
    db = await Quiver.open(dir.path);
    c = await db.createCollection('listed', {
      dimension: DIM,
      metric: 'cosine',
      segmentSize: N,
      index: { type: 'hnsw', M: 8, efConstruction: 48 },
      payloadIndexes: { tags: 'keyword', n: 'integer' },
    });
    await c.upsert(
      Array.from({ length: N }, (_, i) => ({ id: i, vector: vector(i), payload: { tags: tagsOf(i), n: i } })),
    );
    await c.flush();
    for (let i = 0; i < N; i++) live.set(i, vector(i));
    const sealed = (c as EmbeddedCollection).storage.set.sealed;
    assert.equal(sealed.length, 1);
    const index = sealed[0].fieldIndex(0) as HnswIndex;
    for (const name of ['searchRows', 'searchRowsAsync'] as const) {
      const original = index[name].bind(index) as (...args: unknown[]) => unknown;
      (index as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        listedCalls++;
        return original(...args);
      };
    }
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  /** Every query's hits equal brute force over the live points `allowed` accepts, through `searchRows`. */
  async function check(filter: Filter, allowed: (id: number) => boolean, what: string) {
    const before = listedCalls;
    for (let q = 0; q < QUERIES; q++) {
      const want = bruteForce('cosine', live, query(q), (id) => allowed(id as number)).slice(0, 10);
      const hits = await c.search(query(q), { k: 10, filter });
      assert.deepEqual(
        hits.map((h) => h.id),
        want.map((w) => w.id),
        `${what}, query ${q}`,
      );
    }
    const batch = await c.searchBatch(
      Array.from({ length: QUERIES }, (_, q) => query(q)),
      { k: 10, filter },
    );
    for (let q = 0; q < QUERIES; q++) {
      const want = bruteForce('cosine', live, query(q), (id) => allowed(id as number)).slice(0, 10);
      assert.deepEqual(
        batch[q].map((h) => h.id),
        want.map((w) => w.id),
        `${what}, searchBatch query ${q}`,
      );
    }
    assert.ok(
      listedCalls >= before + 2 * QUERIES,
      `${what}: the sealed segment was searched over listed rows`,
    );
  }

  const rare = (id: number) => id < N && id % 100 === 5;

  test('a rare tag alone, and with a range and must_not', async () => {
    await check({ must: [{ key: 'tags', match: { value: 'rare' } }] }, rare, 'rare');
    await check(
      {
        must: [
          { key: 'tags', match: { value: 'rare' } },
          { key: 'n', range: { gte: 1_000 } },
        ],
        must_not: [{ key: 'tags', match: { value: 'third' } }],
      },
      (id) => rare(id) && id >= 1_000 && id % 3 !== 0,
      'rare, n ≥ 1000, not third',
    );
  });

  test('deleted points are never returned; a growing segment beside is searched too', async () => {
    const deleted = Array.from({ length: 20 }, (_, j) => 5 + 100 * j * 3);
    await c.delete(deleted);
    for (const id of deleted) live.delete(id);
    await check(
      { must: [{ key: 'tags', match: { value: 'rare' } }] },
      (id) => live.has(id) && rare(id),
      'after deletes',
    );
    const extra = Array.from({ length: 300 }, (_, j) => N + j);
    await c.upsert(extra.map((i) => ({ id: i, vector: vector(i), payload: { tags: j(i), n: i } })));
    for (const i of extra) live.set(i, vector(i));
    await check(
      { must: [{ key: 'tags', match: { value: 'rare' } }] },
      (id) => live.has(id) && (rare(id) || (id >= N && id % 10 === 0)),
      'with a growing segment',
    );
    function j(i: number) {
      return i % 10 === 0 ? ['rare'] : ['common'];
    }
  });
});
