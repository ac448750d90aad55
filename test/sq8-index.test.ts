/**
 * `SQ8` against the exact flat index on fixed-seed data: the conformance suite at default
 * parameters (re-ranking max(2·k, 20) candidates); the codec's round trip within half a
 * quantization step, clamping, constant dimensions; `rerank: 0` returning distances to the
 * decoded vectors; bad parameters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { createIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { Sq8Codec } from '../src/index/sq8-codec.js';
import type { Sq8Index } from '../src/index/sq8-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';
import { indexConformance, recallAgainst } from './support/index-conformance.js';
import { close, referenceDistance, unit } from './support/sq8-reference.js';

indexConformance({ factory: 'SQ8', minRecall: 0.99, bytesPerVector: (d) => d });

const kern = wasmKernels();
const N = 5_000;
const DIM = 40;
const data = gaussianMixture(N + 50, DIM, 50, 424242);
const base = data.slice(0, N * DIM);
const queries = data.slice(N * DIM);

async function sq8(kind: DistanceKind, rows: Float32Array, dim = DIM): Promise<Sq8Index> {
  const index = createIndex(kern, 'SQ8', dim, kind, { seed: 3, threads: 1 }) as Sq8Index;
  await index.train(rows);
  index.add(rows);
  return index;
}

describe('SQ8 codec', () => {
  test('codes decode within half a step of rows inside the trained range', () => {
    const codec = new Sq8Codec(kern, DIM, DistanceKind.L2);
    try {
      codec.train(base);
      const step = codec.step;
      const decoded = codec.decode(codec.encodeRows(base));
      for (let i = 0; i < base.length; i++) {
        const j = i % DIM;
        assert.ok(
          Math.abs(decoded[i] - base[i]) <= step[j] * (0.5 + 1e-4),
          `value ${i} off by more than half a step`,
        );
      }
    } finally {
      codec.dispose();
    }
  });

  test('values outside the range clamp to codes 0 and 255, which decode to min and max', () => {
    const codec = new Sq8Codec(kern, 3, DistanceKind.L2);
    try {
      codec.train(Float32Array.from([0, -1, 10, 2, 1, 20]));
      assert.deepEqual(
        [...codec.encodeRows(Float32Array.from([-5, 7, 20, 5, -7, 10]))],
        [0, 255, 255, 255, 0, 0],
      );
      assert.deepEqual([...codec.decode(Uint8Array.from([0, 255, 0, 255, 0, 255]))], [0, 1, 10, 2, -1, 20]);
    } finally {
      codec.dispose();
    }
  });

  test('constant dimensions (max = min) encode to 0 and decode exactly', () => {
    const codec = new Sq8Codec(kern, 19, DistanceKind.L2);
    try {
      const rows = new Float32Array(19 * 4);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 19; j++) rows[i * 19 + j] = j % 3 === 0 ? 2.5 : i * j;
      codec.train(rows);
      const codes = codec.encodeRows(rows);
      const decoded = codec.decode(codes);
      for (let i = 0; i < rows.length; i++) {
        if ((i % 19) % 3 === 0) {
          assert.equal(codes[i], 0);
          assert.equal(decoded[i], 2.5);
        }
        assert.ok(Number.isFinite(decoded[i]));
      }
    } finally {
      codec.dispose();
    }
  });

  test('serialized params round-trip; non-finite or negative params are rejected', () => {
    const codec = new Sq8Codec(kern, DIM, DistanceKind.IP);
    codec.train(base.subarray(0, 100 * DIM));
    const bytes = codec.serialize();
    const again = Sq8Codec.deserialize(kern, bytes, DIM, DistanceKind.IP);
    try {
      assert.deepEqual(again.serialize(), bytes);
      assert.deepEqual(again.encodeRows(base.subarray(0, DIM)), codec.encodeRows(base.subarray(0, DIM)));
      const bad = new Float32Array(bytes.slice().buffer);
      bad[DIM + 1] = -1;
      assert.throws(
        () => Sq8Codec.deserialize(kern, new Uint8Array(bad.buffer), DIM, DistanceKind.IP),
        /negative/,
      );
      bad[DIM + 1] = Number.NaN;
      assert.throws(
        () => Sq8Codec.deserialize(kern, new Uint8Array(bad.buffer), DIM, DistanceKind.IP),
        /finite/,
      );
      assert.throws(() => Sq8Codec.deserialize(kern, bytes.subarray(1), DIM, DistanceKind.IP), /bytes/);
    } finally {
      again.dispose();
      codec.dispose();
    }
  });

  test('encoding before training throws', () => {
    const codec = new Sq8Codec(kern, 4, DistanceKind.L2);
    try {
      assert.throws(() => codec.encodeRows(new Float32Array(4)), /trained/);
      assert.throws(() => codec.train(new Float32Array(3)), RangeError);
    } finally {
      codec.dispose();
    }
  });
});

describe('SQ8 index', () => {
  test('rerank 0 returns the distances to the decoded vectors (L2, IP, COSINE)', async () => {
    for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
      const index = await sq8(kind, base);
      const decoded = new FlatIndex(kern, DIM, kind);
      try {
        decoded.add(index.codec.decode(index.codec.encodeRows(index.store.view().slice())));
        for (let at = 0; at < 10 * DIM; at += DIM) {
          const q = queries.subarray(at, at + DIM);
          const got = index.search(q, 10, undefined, { rerank: 0 });
          const want = decoded.search(kind === DistanceKind.COSINE ? unit(q) : q, 10);
          assert.equal(got.offsets.length, 10);
          for (let i = 0; i < 10; i++) {
            assert.ok(Number.isFinite(got.distances[i]), 'finite distance');
            const w = referenceDistance(kind, q, decoded.store.row(got.offsets[i]));
            assert.ok(close(got.distances[i], w), `kind ${kind}: ${got.distances[i]} vs ${w}`);
          }
          // FlatIndex's COSINE normalizes the decoded rows; SQ8's is 1 - dot with them as they are.
          if (kind !== DistanceKind.COSINE) {
            assert.ok(close(got.distances[0], want.distances[0]));
          }
        }
      } finally {
        decoded.dispose();
        index.dispose();
      }
    }
  });

  test('re-ranked results carry exact distances; recall@10: rerank 0 >= 0.85, default >= 0.99', async () => {
    const index = await sq8(DistanceKind.L2, base);
    const exact = new FlatIndex(kern, DIM, DistanceKind.L2);
    exact.add(base);
    try {
      const q = queries.subarray(0, DIM);
      const got = index.search(q, 10);
      const truth = exact.search(q, 10);
      assert.deepEqual(got.distances, truth.distances);
      assert.ok(recallAgainst(index, exact, queries, DIM, { rerank: 0 }) >= 0.85);
      assert.ok(recallAgainst(index, exact, queries, DIM) >= 0.99);
    } finally {
      exact.dispose();
      index.dispose();
    }
  });

  test('constant dimensions: NaN-free search with exact re-ranked distances', async () => {
    const dim = 21;
    const rows = gaussianMixture(2_000, dim, 10, 5);
    for (let i = 0; i < 2_000; i++) {
      rows[i * dim] = 1;
      rows[i * dim + 7] = 0;
    }
    for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
      const index = await sq8(kind, rows, dim);
      const exact = new FlatIndex(kern, dim, kind);
      exact.add(kind === DistanceKind.COSINE ? index.store.view().slice() : rows);
      try {
        index.checkIntegrity();
        const q = rows.subarray(5 * dim, 6 * dim);
        for (const rerank of [0, 40]) {
          const got = index.search(q, 10, undefined, { rerank });
          assert.equal(got.offsets.length, 10);
          for (const d of got.distances) assert.ok(Number.isFinite(d));
        }
        assert.deepEqual(
          index.search(q, 10).distances,
          exact.search(kind === DistanceKind.COSINE ? unit(q) : q, 10).distances,
        );
      } finally {
        exact.dispose();
        index.dispose();
      }
    }
  });

  test('bad parameters and misuse throw', async () => {
    const index = createIndex(kern, 'SQ8', DIM, DistanceKind.L2);
    try {
      assert.throws(() => index.add(base.subarray(0, DIM)), /train/);
      await index.train(base);
      index.add(base.subarray(0, 20 * DIM));
      const q = queries.subarray(0, DIM);
      assert.throws(() => index.search(q, 5, undefined, { rerank: -1 }), RangeError);
      assert.throws(() => index.search(q, 5, undefined, { rerank: 1.5 }), RangeError);
      assert.throws(() => index.search(q.subarray(1), 5), RangeError);
      await assert.rejects(index.train(base), /retrain/);
      assert.throws(() => index.add(new Float32Array(DIM + 1)), RangeError);
      assert.equal(index.search(q, 30).offsets.length, 20);
    } finally {
      index.dispose();
    }
    assert.throws(() => createIndex(jsKernels(), 'SQ8', DIM, DistanceKind.L2), /wasm kernels/);
  });
});
