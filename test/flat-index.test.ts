import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CorruptDataError } from '../src/errors.js';
import { gaussianVectors, SeededRandom } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';
import { decodeFlatIndex, encodeFlatIndex } from '../src/storage/flat-index-file.js';

const DIM = 20;
const N = 3000;

/** Float64 brute force in kernel-distance terms (lower is better), ascending, ties by offset. */
function reference(kind: DistanceKind, data: Float32Array, q: Float32Array, allow?: Bitset) {
  const out: { offset: number; distance: number }[] = [];
  for (let i = 0; i < N; i++) {
    if (allow && !allow.has(i)) continue;
    let l2 = 0;
    let dot = 0;
    let nv = 0;
    let nq = 0;
    for (let d = 0; d < DIM; d++) {
      const v = data[i * DIM + d];
      l2 += (v - q[d]) ** 2;
      dot += v * q[d];
      nv += v * v;
      nq += q[d] * q[d];
    }
    const distance =
      kind === DistanceKind.L2 ? l2 : kind === DistanceKind.IP ? -dot : 1 - dot / Math.sqrt(nv * nq);
    out.push({ offset: i, distance });
  }
  return out.sort((a, b) => a.distance - b.distance || a.offset - b.offset);
}

function randomAllow(rng: SeededRandom, fraction: number): Bitset {
  const set = new Bitset(N);
  for (let i = 0; i < N; i++) if (rng.next() < fraction) set.set(i);
  return set;
}

for (const [name, make] of [
  ['wasm', wasmKernels],
  ['js', jsKernels],
] as const) {
  describe(`FlatIndex (${name} kernels)`, () => {
    const kernels = make();
    const data = gaussianVectors(N, DIM, 3);
    const queries = gaussianVectors(20, DIM, 4);

    for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
      test(`search equals brute force, with and without allow-bitsets (distance kind ${kind})`, () => {
        const index = new FlatIndex(kernels, DIM, kind);
        index.add(data.subarray(0, 1000 * DIM));
        index.add(data.subarray(1000 * DIM));
        index.checkIntegrity();
        const rng = new SeededRandom(kind + 10);
        for (let qi = 0; qi < queries.length / DIM; qi++) {
          const q = queries.subarray(qi * DIM, (qi + 1) * DIM);
          for (const allow of [undefined, randomAllow(rng, 0.5), randomAllow(rng, 0.01), new Bitset(N)]) {
            const want = reference(kind, data, q, allow).slice(0, 10);
            const got = index.search(q, 10, allow);
            assert.deepEqual(
              Array.from(got.offsets),
              want.map((w) => w.offset),
            );
            got.distances.forEach((d, i) => {
              assert.ok(Math.abs(d - want[i].distance) <= 1e-4 * Math.max(1, Math.abs(want[i].distance)));
            });
          }
        }
        index.dispose();
      });
    }

    test('k larger than the allowed rows returns every allowed row', () => {
      const index = new FlatIndex(kernels, DIM, DistanceKind.L2);
      index.add(data);
      const allow = new Bitset(N);
      for (const i of [5, 17, 2999]) allow.set(i);
      const got = index.search(queries.subarray(0, DIM), 50, allow);
      assert.deepEqual(
        [...got.offsets].sort((a, b) => a - b),
        [5, 17, 2999],
      );
      assert.equal(index.search(queries.subarray(0, DIM), 50, new Bitset(N)).offsets.length, 0);
      index.dispose();
    });

    test('rangeSearch returns exactly the rows within the bound', () => {
      const index = new FlatIndex(kernels, DIM, DistanceKind.L2);
      index.add(data);
      const q = queries.subarray(0, DIM);
      const ranked = reference(DistanceKind.L2, data, q);
      const bound = (ranked[30].distance + ranked[31].distance) / 2;
      const got = index.rangeSearch(q, bound);
      assert.deepEqual(
        Array.from(got.offsets),
        ranked.slice(0, 31).map((r) => r.offset),
      );
      index.dispose();
    });

    test('the flat index file round-trips and detects corruption', () => {
      const index = new FlatIndex(kernels, DIM, DistanceKind.COSINE);
      index.add(data);
      const bytes = encodeFlatIndex(index);
      const copy = decodeFlatIndex(kernels, bytes);
      const q = queries.subarray(DIM, 2 * DIM);
      assert.deepEqual(copy.search(q, 25), index.search(q, 25));
      assert.equal(copy.size, N);
      const flipped = bytes.slice();
      flipped[40 + DIM * 4 * 7] ^= 0x08;
      assert.throws(() => decodeFlatIndex(kernels, flipped, 'x.flat'), CorruptDataError);
      assert.throws(() => decodeFlatIndex(kernels, bytes.subarray(0, 100)), CorruptDataError);
      index.dispose();
      copy.dispose();
    });
  });
}
