/**
 * An Annoy file's forest as Quiver's own `Annoy<trees>` index (`annoyToVectorIndex`): the
 * converted forest passes Quiver's integrity check with one split per Annoy split; it walks
 * the same trees, so at a search_k gathering everything both return the exact answer, and at
 * Annoy's default search_k Quiver (counting distinct rows, not repeats) finds at least as many
 * of the true neighbours; allow-lists filter by row; Annoy's own test.tree converts too;
 * manhattan and hamming, which Quiver's family lacks, are refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import { gaussianMixture } from '../src/eval/random.js';
import { AnnoyIndex, type AnnoyMetric, annoyToVectorIndex, readAnnoy } from '../src/faiss/index.js';
import { Bitset } from '../src/index/bitset.js';

const FIXTURE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'annoy', 'test.tree');
const N = 3000;
const DIM = 24;
const QUERIES = 30;

/** Split nodes reachable from the roots of a loaded Annoy index. */
function annoySplits(t: AnnoyIndex): number {
  const nodes = t.forest();
  let splits = 0;
  const stack = [...nodes.roots];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (nodes.descendants(i) <= nodes.layout.maxLeaf) continue;
    splits++;
    stack.push(nodes.child(i, 0), nodes.child(i, 1));
  }
  return splits;
}

describe('Annoy files as Quiver Annoy indexes', () => {
  for (const metric of ['angular', 'euclidean', 'dot'] as AnnoyMetric[]) {
    test(`${metric}: same trees; exact at full search_k; recall at Annoy's default search_k ≥ the file's`, () => {
      const data = gaussianMixture(N + QUERIES, DIM, 30, 8);
      const t = new AnnoyIndex(DIM, metric);
      for (let i = 0; i < N; i++) t.addItem(2 * i, data.subarray(i * DIM, (i + 1) * DIM));
      t.build(8);
      const converted = annoyToVectorIndex(t);
      try {
        const { index, ids } = converted;
        index.checkIntegrity();
        assert.deepEqual([index.size, index.trees, index.splitCount], [N, 8, annoySplits(t)]);
        assert.deepEqual(
          Array.from(ids.subarray(0, 3)),
          [0, 2, 4],
          'rows are the items in id order, holes left out',
        );
        let fileHits = 0;
        let quiverHits = 0;
        for (let q = N; q < N + QUERIES; q++) {
          const v = data.subarray(q * DIM, (q + 1) * DIM);
          const exact = t.getNnsByVector(v, 10, N * 100).items;
          const all = index.search(v, 10, undefined, { searchK: N });
          assert.deepEqual(
            Array.from(all.offsets, (r) => ids[r]),
            exact,
          );
          const truth = new Set(exact);
          fileHits += t.getNnsByVector(v, 10).items.filter((id) => truth.has(id)).length;
          const found = index.search(v, 10, undefined, { searchK: 10 * 8 });
          quiverHits += Array.from(found.offsets, (r) => ids[r]).filter((id) => truth.has(id)).length;
        }
        assert.ok(quiverHits >= fileHits, `${metric}: Quiver ${quiverHits} < Annoy file ${fileHits} hits`);
        const allow = new Bitset(N);
        for (let r = 0; r < N; r += 3) allow.set(r);
        const filtered = index.search(data.subarray(N * DIM, (N + 1) * DIM), 10, allow, { searchK: 400 });
        assert.equal(filtered.offsets.length, 10);
        assert.ok(Array.from(filtered.offsets).every((r) => r % 3 === 0));
      } finally {
        converted.dispose();
      }
    });
  }

  test("Annoy's test.tree converts: item 0 finds itself first and its pinned neighbours", async () => {
    const t = await readAnnoy(FIXTURE, { dim: 10, metric: 'angular' });
    const converted = annoyToVectorIndex(t);
    try {
      converted.index.checkIntegrity();
      assert.deepEqual([converted.index.size, converted.index.trees], [100, 10]);
      const found = converted.index.search(t.getItemVector(0), 10, undefined, { searchK: 100 });
      const ids = Array.from(found.offsets, (r) => converted.ids[r]);
      assert.equal(ids[0], 0);
      // Quiver gathers 100 distinct rows where Annoy gathers 100 with repeats: Annoy's list is a subset of what it ranks.
      const pinned = [0, 85, 42, 11, 54, 38, 53, 66, 19, 31];
      const exact = t.getNnsByItem(0, 10, 100_000).items;
      const truth = new Set(exact);
      assert.ok(ids.filter((id) => truth.has(id)).length >= pinned.filter((id) => truth.has(id)).length);
    } finally {
      converted.dispose();
    }
  });

  test('manhattan and hamming have no Quiver Annoy family', () => {
    for (const metric of ['manhattan', 'hamming'] as AnnoyMetric[]) {
      const t = new AnnoyIndex(8, metric);
      t.addItem(0, [1, 0, 1, 0, 1, 0, 1, 0]);
      t.build(1);
      assert.throws(() => annoyToVectorIndex(t), InvalidArgumentError);
    }
  });
});
