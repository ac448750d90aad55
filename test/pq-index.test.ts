/**
 * Product quantization: the `PQ<m>` factory strings pass the index conformance suite, and
 * the codec keeps its promises (reconstruction error falls as m grows, ADC distances equal
 * distances to the decoded vectors, shapes and sample sizes are checked).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { buildIndex, createIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { normalizedRows } from '../src/index/hnsw-index.js';
import { PqCodec } from '../src/index/pq-codec.js';
import { PQ_DEFAULTS, PqIndex } from '../src/index/pq-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { indexConformance, recallAgainst } from './support/index-conformance.js';

indexConformance({ factory: 'PQ8', minRecall: 0.95, params: { rerank: 100 }, bytesPerVector: () => 8 });
indexConformance({
  factory: 'PQ4',
  minRecall: 0.95,
  params: { rerank: 200 },
  kinds: [DistanceKind.L2],
  bytesPerVector: () => 4,
});

const kern = wasmKernels();
const D = 32;
const data = gaussianMixture(6_000, D, 50, 4242);
const base = data.subarray(0, 5_000 * D);
const queries = data.subarray(5_000 * D);
/** Codec tests train on this many rows (k-means needs 256; training time grows with it). */
const CODEC_ROWS = 1_000;

/** The rows of `codes` (n·m bytes) decoded by `codec`. */
function decoded(codec: PqCodec, codes: Uint8Array): Float32Array {
  const n = codes.length / codec.m;
  const block = kern.alloc(codes.length + n * codec.dimension * 4);
  try {
    new Uint8Array(kern.memory.buffer, block, codes.length).set(codes);
    const out = block + codes.length + ((16 - (codes.length % 16)) % 16);
    codec.decode(block, n, out);
    return kern.f32(out, n * codec.dimension).slice();
  } finally {
    kern.free(block);
  }
}

/** `rows` encoded by `codec`: m bytes per row. */
function encoded(codec: PqCodec, rows: Float32Array): Uint8Array {
  const n = rows.length / codec.dimension;
  const block = kern.alloc(rows.length * 4 + n * codec.m);
  try {
    kern.f32(block, rows.length).set(rows);
    codec.encode(block, n, block + rows.length * 4);
    return new Uint8Array(kern.memory.buffer, block + rows.length * 4, n * codec.m).slice();
  } finally {
    kern.free(block);
  }
}

/** The LUT of `query` for `kind`. */
function lutOf(codec: PqCodec, query: Float32Array, kind: DistanceKind): Float32Array {
  const block = kern.alloc(query.length * 4 + codec.lutBytes);
  try {
    kern.f32(block, query.length).set(query);
    codec.computeLut(block, kind, block + query.length * 4);
    return kern.f32(block + query.length * 4, codec.lutBytes / 4).slice();
  } finally {
    kern.free(block);
  }
}

function squaredError(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

function exactDistance(kind: DistanceKind, q: Float32Array, row: Float32Array): number {
  let dot = 0;
  let l2 = 0;
  for (let i = 0; i < q.length; i++) {
    dot += q[i] * row[i];
    l2 += (q[i] - row[i]) ** 2;
  }
  return kind === DistanceKind.L2 ? l2 : -dot;
}

describe('PqCodec', () => {
  const codecs: PqCodec[] = [];
  const byM = new Map<number, PqCodec>();
  after(() => {
    for (const c of codecs) c.dispose();
  });
  const trained = async (m: number): Promise<PqCodec> => {
    const known = byM.get(m);
    if (known) return known;
    const codec = new PqCodec(kern, D, m, { seed: 3, threads: 2 });
    codecs.push(codec);
    byM.set(m, codec);
    await codec.train(base.subarray(0, CODEC_ROWS * D));
    return codec;
  };

  test('reconstruction error falls as m grows (m = 2 > 4 > 8 > 16)', async () => {
    const errors: number[] = [];
    for (const m of [2, 4, 8, 16]) {
      const codec = await trained(m);
      errors.push(squaredError(base, decoded(codec, encoded(codec, base))));
    }
    for (let i = 1; i < errors.length; i++)
      assert.ok(errors[i] < errors[i - 1], `errors ${errors.join(' > ')}`);
  });

  test('ADC distance from the LUT equals the distance to the decoded vector (1e-4 relative), L2 and IP', async () => {
    const codec = await trained(8);
    const codes = encoded(codec, base.subarray(0, 200 * D));
    const rows = decoded(codec, codes);
    for (const kind of [DistanceKind.L2, DistanceKind.IP]) {
      for (let qi = 0; qi < 5; qi++) {
        const q = queries.subarray(qi * D, (qi + 1) * D);
        const lut = lutOf(codec, q, kind);
        for (let i = 0; i < 200; i++) {
          let adc = 0;
          for (let j = 0; j < codec.m; j++) adc += lut[j * 256 + codes[i * codec.m + j]];
          const want = exactDistance(kind, q, rows.subarray(i * D, (i + 1) * D));
          assert.ok(
            Math.abs(adc - want) <= 1e-4 * Math.max(1, Math.abs(want)),
            `kind ${kind} row ${i}: ${adc} vs ${want}`,
          );
        }
      }
    }
  });

  test('every L2 LUT entry is >= 0', async () => {
    const codec = await trained(4);
    assert.ok(lutOf(codec, queries.subarray(0, D), DistanceKind.L2).every((v) => v >= 0));
  });

  test('a dimension not divisible by m is a RangeError naming both', () => {
    assert.throws(
      () => new PqCodec(kern, 30, 8),
      (e: unknown) => e instanceof RangeError && /30/.test(e.message) && /8/.test(e.message),
    );
    assert.throws(() => createIndex(kern, 'PQ5', D, DistanceKind.L2), RangeError);
  });

  test('fewer than 256 training rows is a RangeError; so is a sample of partial rows', async () => {
    const codec = new PqCodec(kern, D, 4);
    codecs.push(codec);
    await assert.rejects(codec.train(base.subarray(0, 255 * D)), /at least 256 rows/);
    await assert.rejects(codec.train(base.subarray(0, 300 * D + 1)), RangeError);
    assert.equal(codec.isTrained, false);
    assert.throws(() => codec.encode(0, 1, 0), /not trained/);
  });

  test('parallel encoding equals encoding on one thread; serialize round-trips', async () => {
    const codec = await trained(8);
    const rows = gaussianMixture(20_000, D, 50, 77);
    const block = kern.alloc(rows.length * 4 + 20_000 * 8);
    try {
      kern.f32(block, rows.length).set(rows);
      await codec.encodeParallel(block, 20_000, block + rows.length * 4);
      const parallel = new Uint8Array(kern.memory.buffer, block + rows.length * 4, 20_000 * 8).slice();
      assert.deepEqual(parallel, encoded(codec, rows));
    } finally {
      kern.free(block);
    }
    const again = PqCodec.deserialize(kern, codec.serialize());
    codecs.push(again);
    assert.deepEqual(again.serialize(), codec.serialize());
    assert.deepEqual(encoded(again, base.subarray(0, 100 * D)), encoded(codec, base.subarray(0, 100 * D)));
  });
});

describe('PqIndex', () => {
  /** A PQ8 index over `base`, trained on the fewest rows it accepts. */
  const trainedIndex = async (kind: DistanceKind): Promise<PqIndex> => {
    const index = createIndex(kern, 'PQ8', D, kind, { seed: 5, threads: 2 }) as PqIndex;
    await index.train(base.subarray(0, PQ_DEFAULTS.trainingRows * D));
    index.add(base);
    return index;
  };
  let l2: PqIndex;
  before(async () => {
    l2 = await trainedIndex(DistanceKind.L2);
  });
  after(() => l2.dispose());

  test(`needs ${PQ_DEFAULTS.trainingRows} training rows; a smaller store stays on exact search`, async () => {
    const index = createIndex(kern, 'PQ8', D, DistanceKind.L2);
    try {
      assert.equal(index.trainingRows, PQ_DEFAULTS.trainingRows);
      await assert.rejects(index.train(base.subarray(0, (PQ_DEFAULTS.trainingRows - 1) * D)), RangeError);
      assert.throws(() => index.add(base.subarray(0, D)), /trained/);
    } finally {
      index.dispose();
    }
    const store = new VectorStore(kern, D);
    store.append(base.subarray(0, 1_000 * D));
    try {
      assert.equal(await buildIndex(kern, 'PQ8', store, DistanceKind.L2), undefined);
    } finally {
      store.dispose();
    }
  });

  test('deeper re-ranking gives higher recall: rerank 10 < 100 <= 1000, and 1000 >= 0.99', async () => {
    const exact = new FlatIndex(kern, D, DistanceKind.L2, l2.store);
    const r10 = recallAgainst(l2, exact, queries, D, { rerank: 10 });
    const r100 = recallAgainst(l2, exact, queries, D, { rerank: 100 });
    const r1000 = recallAgainst(l2, exact, queries, D, { rerank: 1000 });
    assert.ok(r10 < r100 && r100 <= r1000, `recall ${r10}, ${r100}, ${r1000}`);
    assert.ok(r1000 >= 0.99, `recall ${r1000}`);
  });

  test('re-ranked distances are exact; rerank 0 returns the ADC estimates; COSINE estimates are 1 - dot', async () => {
    for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
      const index = kind === DistanceKind.L2 ? l2 : await trainedIndex(kind);
      const exact = new FlatIndex(kern, D, kind, index.store);
      try {
        const q = queries.subarray(0, D);
        const normalized = kind === DistanceKind.COSINE ? normalizedRows(q, D) : q;
        const got = index.search(q, 10);
        const all = exact.search(normalized, 5_000);
        const exactOf = new Map<number, number>();
        for (let i = 0; i < all.offsets.length; i++) exactOf.set(all.offsets[i], all.distances[i]);
        for (let i = 0; i < got.offsets.length; i++)
          assert.equal(got.distances[i], exactOf.get(got.offsets[i]));
        const estimates = index.search(q, 10, undefined, { rerank: 0 });
        assert.equal(estimates.offsets.length, 10);
        const codes = new Uint8Array(index.serialize().buffer).subarray(-5_000 * 8);
        const codec = index.codec;
        const lut = lutOf(codec, normalized, kind);
        estimates.offsets.forEach((o, i) => {
          let adc = kind === DistanceKind.COSINE ? 1 : 0;
          for (let j = 0; j < 8; j++) adc += lut[j * 256 + codes[o * 8 + j]];
          assert.ok(Math.abs(adc - estimates.distances[i]) <= 1e-4 * Math.max(1, Math.abs(adc)));
        });
      } finally {
        if (index !== l2) index.dispose();
      }
    }
  });

  test('strategy scan answers exactly; bad rerank is a RangeError; rangeSearch is exact', async () => {
    const exact = new FlatIndex(kern, D, DistanceKind.L2, l2.store);
    const q = queries.subarray(D, 2 * D);
    assert.deepEqual(l2.search(q, 10, undefined, { strategy: 'scan' }), exact.search(q, 10));
    assert.throws(() => l2.search(q, 10, undefined, { rerank: -1 }), RangeError);
    assert.throws(() => l2.search(q, 10, undefined, { rerank: 2.5 }), RangeError);
    const radius = exact.search(q, 20).distances[19];
    assert.deepEqual(l2.rangeSearch(q, radius), exact.rangeSearch(q, radius));
  });

  test('a body for another distance kind, of another version or for more vectors is rejected', async () => {
    const body = l2.serialize();
    assert.throws(() => PqIndex.deserialize(kern, body, l2.store, DistanceKind.IP), /distance kind/);
    const wrong = body.slice();
    wrong[0] = 9;
    assert.throws(() => PqIndex.deserialize(kern, wrong, l2.store, DistanceKind.L2), /version/);
    const short = new VectorStore(kern, D);
    try {
      assert.throws(() => PqIndex.deserialize(kern, body, short, DistanceKind.L2), /only 0 vectors/);
    } finally {
      short.dispose();
    }
  });

  test('rows appended to a borrowed store are searched only after addStored', async () => {
    const store = new VectorStore(kern, D);
    store.append(base);
    const index = await buildIndex(kern, 'PQ8', store, DistanceKind.L2, { seed: 5, threads: 2 });
    assert.ok(index);
    try {
      const q = queries.subarray(0, D);
      store.append(q);
      for (const strategy of ['scan', 'walk'] as const) {
        const got = index.search(q, 5, undefined, { strategy });
        assert.ok(
          got.offsets.every((o) => o < 5_000),
          `${strategy}: only indexed rows`,
        );
      }
      await index.addStored();
      assert.equal(index.size, 5_001);
      index.checkIntegrity();
      const got = await index.searchAsync(q, 1);
      assert.deepEqual([...got.offsets], [5_000]);
      assert.equal(got.distances[0], 0);
    } finally {
      index.dispose();
      store.dispose();
    }
  });
});
