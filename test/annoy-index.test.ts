/**
 * `Annoy<trees>`: the conformance suite for Annoy10 (recall@10 ≥ 0.95 at searchK 300 on
 * 10k × 32; memory per vector from the stated formula and the forest's node counts), then
 * family checks: the same seed gives the same forest; larger searchK and more trees never
 * lower recall on the fixed data; duplicates and tiny inputs build; a corrupt forest is
 * refused on load; bad parameters are RangeErrors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CorruptDataError } from '../src/errors.js';
import { gaussianMixture } from '../src/eval/random.js';
import { AnnoyIndex } from '../src/index/annoy-index.js';
import { createIndex, deserializeIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { indexConformance, recallAgainst } from './support/index-conformance.js';

const kern = wasmKernels();
const N = 10_000;
const D = 32;
const data = gaussianMixture(N + 100, D, 100, 20261121);
const base = data.slice(0, N * D);
const queries = data.slice(N * D);

function annoy(
  trees: number,
  rows: Float32Array,
  seed = 7,
  kind: DistanceKind = DistanceKind.L2,
): AnnoyIndex {
  const index = new AnnoyIndex(kern, { family: 'annoy', trees }, D, kind, { seed });
  index.add(rows);
  return index;
}

/** The stated formula: 4·trees + ((16 + 4d)·splits + 8·leaves) / n. */
function formulaBytes(index: AnnoyIndex, d: number): number {
  return 4 * index.trees + ((16 + 4 * d) * index.splitCount + 8 * index.leafCount) / index.size;
}

// Node counts of the conformance suite's own build (same data, seed 7, L2), for its formula check.
const reference = annoy(10, base);
const expectedBytes = formulaBytes(reference, D);
reference.dispose();

indexConformance({
  factory: 'Annoy10',
  minRecall: 0.95,
  params: { searchK: 300 },
  bytesPerVector: () => expectedBytes,
});

describe('Annoy family behaviour', () => {
  test('the same seed builds the same forest; another seed another', () => {
    const a = annoy(4, base.subarray(0, 3_000 * D), 5);
    const b = annoy(4, base.subarray(0, 3_000 * D), 5);
    const c = annoy(4, base.subarray(0, 3_000 * D), 6);
    try {
      assert.deepEqual(a.serialize(), b.serialize());
      assert.notDeepEqual(a.serialize(), c.serialize());
      assert.equal(a.bytesPerVector, formulaBytes(a, D));
      // Binary trees with leaves of at most 64 rows: splits = leaves − trees, leaves ≥ trees·n/64.
      assert.equal(a.splitCount, a.leafCount - 4);
      assert.ok(a.leafCount >= (4 * 3_000) / 64);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  test('recall@10 never falls as searchK grows (20 → 3000) or trees are added (2 → 5 → 10)', () => {
    const exact = new FlatIndex(kern, D, DistanceKind.L2);
    exact.add(base);
    const forests = [2, 5, 10].map((t) => annoy(t, base));
    try {
      for (const index of forests) {
        let last = 0;
        for (const searchK of [20, 50, 100, 300, 3_000]) {
          const r = recallAgainst(index, exact, queries, D, { searchK });
          assert.ok(r >= last, `${index.trees} trees: recall ${r} at searchK ${searchK} fell below ${last}`);
          last = r;
        }
      }
      let last = 0;
      for (const index of forests) {
        const r = recallAgainst(index, exact, queries, D);
        assert.ok(r >= last, `recall ${r} with ${index.trees} trees (default searchK) fell below ${last}`);
        last = r;
      }
      assert.ok(last >= 0.9, `Annoy10 at the default searchK (100): recall ${last}`);
    } finally {
      for (const index of forests) index.dispose();
      exact.dispose();
    }
  });

  test('identical rows, a handful of rows and no rows build and answer min(k, n) results', () => {
    const same = new Float32Array(500 * D).fill(0.5);
    for (const rows of [same, base.subarray(0, 3 * D), new Float32Array(0)]) {
      const index = annoy(3, rows);
      try {
        index.checkIntegrity();
        const n = rows.length / D;
        assert.equal(index.search(queries.subarray(0, D), 10).offsets.length, Math.min(10, n));
      } finally {
        index.dispose();
      }
    }
  });

  test('adding rows rebuilds the forest over all of them', () => {
    const index = annoy(3, base.subarray(0, 1_000 * D));
    try {
      index.add(base.subarray(1_000 * D, 2_000 * D));
      assert.equal(index.size, 2_000);
      index.checkIntegrity();
      const got = index.search(base.subarray(1_500 * D, 1_501 * D), 1);
      assert.deepEqual([...got.offsets], [1_500]);
    } finally {
      index.dispose();
    }
  });

  test('the segment path builds on a borrowed store; searching during that build throws', async () => {
    const store = new VectorStore(kern, D);
    store.append(base.subarray(0, 2_000 * D));
    const index = new AnnoyIndex(kern, { family: 'annoy', trees: 3 }, D, DistanceKind.L2, { store });
    try {
      const building = index.addStored();
      assert.throws(() => index.search(queries.subarray(0, D), 5), /being indexed/);
      await building;
      assert.equal(index.size, 2_000);
      assert.equal(index.search(queries.subarray(0, D), 5).offsets.length, 5);
      const forest = index.serialize().length;
      assert.ok(
        index.memoryBytes >= forest && index.memoryBytes < forest + store.byteLength,
        'store not counted',
      );
    } finally {
      index.dispose();
      store.dispose();
    }
  });

  test('a forest whose refs do not form trees, or whose items leave the rows, is refused on load', () => {
    const rows = base.subarray(0, 2_000 * D);
    const store = new VectorStore(kern, D);
    store.append(rows);
    const index = annoy(2, rows);
    try {
      const body = index.serialize();
      const words = new Uint32Array(body.buffer.slice(0));
      const corrupt = (edit: (w: Uint32Array) => void) => {
        const copy = words.slice();
        edit(copy);
        return new Uint8Array(copy.buffer);
      };
      const load = (bytes: Uint8Array) =>
        deserializeIndex(kern, 'Annoy2', bytes, store, DistanceKind.L2, 'forest.qidx');
      load(body).dispose();
      const roots = 10;
      const splits = roots + 2;
      const itemsAt = words.length - 2 * 2_000;
      assert.throws(() => load(corrupt((w) => (w[roots + 1] = w[roots]))), CorruptDataError);
      assert.throws(() => load(corrupt((w) => (w[splits] = 0))), CorruptDataError);
      assert.throws(() => load(corrupt((w) => (w[itemsAt + 5] = 2_000))), CorruptDataError);
      assert.throws(() => load(corrupt((w) => (w[0] = 9))), /version/);
    } finally {
      index.dispose();
      store.dispose();
    }
  });

  test('bad parameters are RangeErrors', () => {
    assert.throws(() => createIndex(kern, { family: 'annoy', trees: 0 }, D, DistanceKind.L2), RangeError);
    assert.throws(() => createIndex(kern, { family: 'annoy', trees: 1.5 }, D, DistanceKind.L2), RangeError);
    assert.throws(() => createIndex(kern, 'Annoy2', D, DistanceKind.L2, { seed: -1 }), RangeError);
    const index = annoy(2, base.subarray(0, 500 * D));
    try {
      const q = queries.subarray(0, D);
      assert.throws(() => index.search(q, 5, undefined, { searchK: 0 }), RangeError);
      assert.throws(() => index.search(q, 5, undefined, { searchK: 1.5 }), RangeError);
      assert.throws(() => index.search(q.subarray(1), 5), RangeError);
    } finally {
      index.dispose();
    }
  });
});
