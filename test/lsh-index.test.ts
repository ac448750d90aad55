/**
 * `LSH<bits>`: the conformance suite (recall@10 ≥ 0.95 with the default re-ranking of
 * max(10·k, 100) candidates on 10k × 32), then family checks: signatures are determined by
 * the seed and equal a JS reference; `rerank: 0` returns Hamming distances; the multi-probe
 * bucket tables (`searchK`) reach recall ≥ 0.9 at searchK 300 and never lose recall as
 * searchK grows; bad parameters are RangeErrors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { createIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { LshIndex } from '../src/index/lsh-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { indexConformance, randomAllow, recallAgainst } from './support/index-conformance.js';

indexConformance({ factory: 'LSH256', minRecall: 0.95, bytesPerVector: () => 32 });

const kern = wasmKernels();
const N = 10_000;
const D = 32;
const data = gaussianMixture(N + 100, D, 100, 20261121);
const base = data.slice(0, N * D);
const queries = data.slice(N * D);

async function lsh(bits: number, kind: DistanceKind, seed: number, rows = base): Promise<LshIndex> {
  const index = new LshIndex(kern, { family: 'lsh', bits }, D, kind, { seed });
  await index.train(rows);
  index.add(rows);
  return index;
}

function popcount(a: Uint8Array, b: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) for (let v = a[i] ^ b[i]; v !== 0; v &= v - 1) c++;
  return c;
}

describe('LSH family behaviour', () => {
  test('signatures are determined by the seed and equal the sign of the centred projections', async () => {
    const rows = base.subarray(0, 200 * D);
    const a = await lsh(64, DistanceKind.L2, 3, rows);
    const b = await lsh(64, DistanceKind.L2, 3, rows);
    const c = await lsh(64, DistanceKind.L2, 4, rows);
    try {
      assert.deepEqual(a.serialize(), b.serialize());
      assert.notDeepEqual(a.signature(0), c.signature(0));
      const body = a.serialize();
      const floats = new Float32Array(body.buffer.slice(24, 24 + 4 * 64 * (D + 1)));
      for (let r = 0; r < 200; r++) {
        const sig = a.signature(r);
        for (let bit = 0; bit < 64; bit++) {
          let dot = 0;
          for (let j = 0; j < D; j++) dot += floats[64 + bit * D + j] * rows[r * D + j];
          // f32 rounding may flip a bit whose projection is within 1e-4 of its threshold.
          if (Math.abs(dot - floats[bit]) < 1e-4) continue;
          assert.equal((sig[bit >> 3] >> (bit & 7)) & 1, dot > floats[bit] ? 1 : 0, `row ${r} bit ${bit}`);
        }
      }
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  test('rerank 0 returns the nearest signatures with Hamming distances (bits), 0 for the row itself', async () => {
    const index = await lsh(256, DistanceKind.COSINE, 1);
    try {
      for (const r of [0, 17, 4_321]) {
        const mine = index.signature(r);
        const got = index.search(base.subarray(r * D, (r + 1) * D), 10, undefined, { rerank: 0 });
        assert.equal(got.offsets.length, 10);
        assert.equal(got.distances[0], 0);
        for (let i = 0; i < 10; i++) {
          assert.equal(got.distances[i], popcount(mine, index.signature(got.offsets[i])));
        }
        let tenth = 0;
        for (let o = 0; o < N; o++) if (popcount(mine, index.signature(o)) < got.distances[9]) tenth++;
        assert.ok(tenth <= 9, 'only results are nearer than the tenth result in Hamming distance');
      }
    } finally {
      index.dispose();
    }
  });

  test('re-ranked distances equal the exact ones', async () => {
    const index = await lsh(256, DistanceKind.L2, 1);
    const exact = new FlatIndex(kern, D, DistanceKind.L2);
    exact.add(base);
    try {
      const q = queries.subarray(0, D);
      const got = index.search(q, 10);
      const want = exact.search(q, 10);
      assert.deepEqual(got, want);
    } finally {
      index.dispose();
      exact.dispose();
    }
  });

  test('multi-probe tables: recall@10 >= 0.9 at searchK 300, never lower as searchK grows, with filters', async () => {
    const index = await lsh(256, DistanceKind.L2, 7);
    const exact = new FlatIndex(kern, D, DistanceKind.L2);
    exact.add(base);
    try {
      assert.equal(index.bytesPerVector, 32);
      let last = 0;
      for (const searchK of [20, 100, 300, 3_000]) {
        const r = recallAgainst(index, exact, queries, D, { searchK });
        assert.ok(r >= last, `recall ${r} at searchK ${searchK} fell below ${last}`);
        last = r;
        if (searchK === 300) assert.ok(r >= 0.9, `recall ${r} at searchK 300`);
      }
      assert.equal(index.bytesPerVector, 32 + 4 * 16, 'the 16 band tables add 4 bytes per vector each');
      index.checkIntegrity();
      const half = randomAllow(N, 0.5, 3);
      assert.ok(recallAgainst(index, exact, queries, D, { searchK: 300 }, half) >= 0.9);
      const rare = randomAllow(N, 0.002, 4);
      assert.ok(recallAgainst(index, exact, queries, D, { searchK: 300, strategy: 'walk' }, rare) >= 0.9);
    } finally {
      index.dispose();
      exact.dispose();
    }
  });

  test('signatures of a width that is not a multiple of 16 or 64 (LSH24) probe their 8-bit band', async () => {
    const index = await lsh(24, DistanceKind.IP, 2, base.subarray(0, 2_000 * D));
    try {
      assert.equal(index.bands, 2);
      const got = index.search(queries.subarray(0, D), 10, undefined, { searchK: 50 });
      assert.equal(got.offsets.length, 10);
      index.checkIntegrity();
      assert.equal(index.bytesPerVector, 8 + 4 * 2);
    } finally {
      index.dispose();
    }
  });

  test('bad parameters are RangeErrors; adding before the L2 centring is learned is an Error', async () => {
    assert.throws(() => createIndex(kern, { family: 'lsh', bits: 12 }, D, DistanceKind.L2), RangeError);
    const index = createIndex(kern, 'LSH64', D, DistanceKind.L2);
    try {
      assert.equal(index.trainingRows, 1);
      assert.equal(index.maxTrainingRows, 10_000);
      assert.throws(() => index.add(base.subarray(0, D)), /trained/);
      await assert.rejects(index.train(new Float32Array(0)), RangeError);
      await index.train(base.subarray(0, 100 * D));
      index.add(base.subarray(0, 100 * D));
      const q = queries.subarray(0, D);
      assert.throws(() => index.search(q, 5, undefined, { rerank: -1 }), RangeError);
      assert.throws(() => index.search(q, 5, undefined, { searchK: 0 }), RangeError);
      assert.throws(() => index.search(q, 5, undefined, { searchK: 2.5 }), RangeError);
      assert.throws(() => index.search(q.subarray(1), 5), RangeError);
    } finally {
      index.dispose();
    }
    const cosine = createIndex(kern, 'LSH64', D, DistanceKind.COSINE);
    assert.equal(cosine.trainingRows, 0);
    assert.ok(cosine.isTrained);
    cosine.dispose();
  });
});
