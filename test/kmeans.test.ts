import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianVectors, SeededRandom } from '../src/eval/random.js';
import { assignNearest, kmeans } from '../src/index/kmeans.js';
import { wasmKernels } from '../src/kernels/load.js';

const kern = wasmKernels();

function l2(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const x = a[i * d + t] - b[j * d + t];
    s += x * x;
  }
  return s;
}

/** `perCluster` points around each of `centres` (rows of d floats) with N(0, spread²) noise, interleaved. */
function clustered(
  centres: Float32Array,
  d: number,
  perCluster: number,
  spread: number,
  seed: number,
): Float32Array {
  const rng = new SeededRandom(seed);
  const k = centres.length / d;
  const out = new Float32Array(k * perCluster * d);
  for (let i = 0; i < k * perCluster; i++) {
    const c = i % k;
    for (let t = 0; t < d; t++) out[i * d + t] = centres[c * d + t] + spread * rng.gaussian();
  }
  return out;
}

test('k-means recovers 8 well-separated clusters (every centre within 0.5 of a true one)', async () => {
  const d = 16;
  const truth = gaussianVectors(8, d, 3).map((v) => v * 50);
  const data = clustered(truth, d, 200, 1, 4);
  const centroids = await kmeans(kern, data, d, 8, { seed: 5, iterations: 20 });
  assert.equal(centroids.length, 8 * d);
  const matched = new Set<number>();
  for (let c = 0; c < 8; c++) {
    let best = 0;
    for (let t = 1; t < 8; t++)
      if (l2(centroids, c, truth, t, d) < l2(centroids, c, truth, best, d)) best = t;
    assert.ok(l2(centroids, c, truth, best, d) < 0.25, `centroid ${c} is far from every true centre`);
    matched.add(best);
  }
  assert.equal(matched.size, 8, 'each true centre has its own centroid');
});

test('k-means is deterministic per seed, whatever the thread count', async () => {
  const d = 32;
  const data = gaussianVectors(8192, d, 11);
  const a = await kmeans(kern, data, d, 64, { seed: 9, iterations: 4, threads: 1 });
  const b = await kmeans(kern, data, d, 64, { seed: 9, iterations: 4, threads: 2 });
  const c = await kmeans(kern, data, d, 64, { seed: 10, iterations: 4, threads: 2 });
  assert.deepEqual(b, a);
  assert.notDeepEqual(c, a);
});

test('k-means subsamples to k · maxPointsPerCentroid rows and still returns k centroids', async () => {
  const d = 8;
  const data = gaussianVectors(5000, d, 12);
  const centroids = await kmeans(kern, data, d, 16, { seed: 1, iterations: 5, maxPointsPerCentroid: 39 });
  assert.equal(centroids.length, 16 * d);
  assert.ok(centroids.every(Number.isFinite));
});

test('k greater than the distinct points: empty clusters are split, every distinct point has a centroid', async () => {
  const d = 4;
  const distinct = Float32Array.from([0, 0, 0, 0, 10, 10, 10, 10, -5, 3, 1, 2]);
  const data = new Float32Array(60 * d);
  for (let i = 0; i < 60; i++) data.set(distinct.subarray((i % 3) * d, (i % 3) * d + d), i * d);
  const centroids = await kmeans(kern, data, d, 10, { seed: 2, iterations: 10 });
  assert.equal(centroids.length, 10 * d);
  assert.ok(centroids.every(Number.isFinite));
  for (let p = 0; p < 3; p++) {
    let best = Infinity;
    for (let c = 0; c < 10; c++) best = Math.min(best, l2(distinct, p, centroids, c, d));
    assert.ok(best < 0.01, `distinct point ${p} has no centroid near it (${best})`);
  }
});

test('fewer rows than k: rows repeat as initial centroids, k finite centroids come back', async () => {
  const data = gaussianVectors(5, 6, 13);
  const centroids = await kmeans(kern, data, 6, 8, { seed: 3 });
  assert.equal(centroids.length, 8 * 6);
  assert.ok(centroids.every(Number.isFinite));
});

test('assignNearest equals brute force for dimensions 1..20 and k = 256 (PQ sub-vectors)', async () => {
  for (const d of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20]) {
    const data = gaussianVectors(203, d, 20 + d);
    const centroids = gaussianVectors(256, d, 40 + d);
    const got = await assignNearest(kern, data, d, centroids, 1);
    for (let i = 0; i < 203; i++) {
      let best = 0;
      for (let c = 1; c < 256; c++)
        if (l2(data, i, centroids, c, d) < l2(data, i, centroids, best, d)) best = c;
      const gap = l2(data, i, centroids, got[i], d) - l2(data, i, centroids, best, d);
      assert.ok(gap <= 1e-4 * (1 + l2(data, i, centroids, best, d)), `d=${d} row ${i}: ${got[i]} vs ${best}`);
    }
  }
});

test('bad k-means arguments throw RangeError', async () => {
  const data = gaussianVectors(10, 4, 1);
  await assert.rejects(kmeans(kern, data, 4, 0), RangeError);
  await assert.rejects(kmeans(kern, data, 3, 2), RangeError);
  await assert.rejects(kmeans(kern, new Float32Array(0), 4, 2), RangeError);
  await assert.rejects(kmeans(kern, data, 4, 2, { iterations: -1 }), RangeError);
  await assert.rejects(kmeans(kern, data, 4, 2, { maxPointsPerCentroid: 0 }), RangeError);
});
