/**
 * Annoy's node layouts pinned byte for byte: files laid out by hand from the node structs of
 * annoylib.h (Annoy 1.17) — angular, euclidean (with splits), dot and Hamming — equal what the
 * writer makes from the same items and trees, and read back with Annoy's answers (for the
 * angular file, those of Annoy's own Python test `test_get_nns_by_vector`). Derived from the
 * source, not from the writer, so a mistake in the writer cannot hide in a round trip.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnnoyIndex, type AnnoyTree } from '../src/faiss/index.js';

/** Little-endian bytes of int32 words; `fl(x)` gives a float32's bits as such a word. */
function words(list: number[]): Uint8Array {
  const out = new Uint8Array(4 * list.length);
  const view = new DataView(out.buffer);
  list.forEach((w, i) => {
    view.setUint32(4 * i, w >>> 0, true);
  });
  return out;
}
function fl(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0];
}

describe('Annoy files laid out by hand from annoylib.h', () => {
  // Angular, f = 3: a node is n_descendants, union { children[2]; norm }, v[3] — 6 words; K = 5.
  // Three items ≤ K, so each tree's root is a leaf listing them with n_descendants = n_items,
  // and the two roots are copied at the end. Items and queries are Annoy's test_get_nns_by_vector.
  const ONE = fl(1);
  const angular = words([
    ...[1, ONE, 0, 0, 0, ONE], // item 0 = (0, 0, 1), norm |v|² = 1
    ...[1, ONE, 0, 0, ONE, 0], // item 1 = (0, 1, 0)
    ...[1, ONE, 0, ONE, 0, 0], // item 2 = (1, 0, 0)
    ...[3, 0, 1, 2, 0, 0], // tree 0's root: leaf of items 0, 1, 2
    ...[3, 0, 1, 2, 0, 0], // tree 1's root
    ...[3, 0, 1, 2, 0, 0], // copy of root 0
    ...[3, 0, 1, 2, 0, 0], // copy of root 1
  ]);

  test('a 3-item, 2-tree angular index: the writer makes these bytes, and they answer as Annoy', () => {
    const built = new AnnoyIndex(3, 'angular');
    [
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
    ].forEach((v, i) => {
      built.addItem(i, v);
    });
    built.adopt([{ items: [0, 1, 2] }, { items: [2, 0, 1] }]);
    assert.deepEqual(built.serialize(), angular);
    const again = new AnnoyIndex(3, 'angular');
    [
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
    ].forEach((v, i) => {
      again.addItem(i, v);
    });
    again.build(2);
    assert.deepEqual(again.serialize(), angular, 'build(2) lays out the same index');

    const t = new AnnoyIndex(3, 'angular');
    t.loadBytes(angular);
    // load() takes every trailing node with n_items descendants as a root and drops one: 3, as Annoy.
    assert.deepEqual([t.getNItems(), t.getNTrees()], [3, 3]);
    assert.deepEqual(t.getNnsByVector([3, 2, 1], 3).items, [2, 1, 0]);
    assert.deepEqual(t.getNnsByVector([1, 2, 3], 3).items, [0, 1, 2]);
    assert.deepEqual(t.getNnsByVector([2, 0, 1], 3).items, [2, 0, 1]);
    assert.deepEqual(Array.from(t.getItemVector(1)), [0, 1, 0]);
    // √(2 − 2cos): cos((3,2,1), (1,0,0)) = 3/√14.
    assert.ok(
      Math.abs(t.getNnsByVector([3, 2, 1], 1).distances[0] - Math.sqrt(2 - 6 / Math.sqrt(14))) < 1e-6,
    );
  });

  test("a euclidean split: smaller child first, a lone item is its parent's child, a = offset", () => {
    // Euclidean, f = 1: n_descendants, a, children[2], v[1] — 5 words; K = 3. Items x = 0..4.
    // Root: x − 3.5 > 0 sends item 4 right (a lone item: no node); the left four (> K) split at
    // x − 1.5 into leaves {0, 1} and {2, 3}. The smaller side (item 4) is made first, then the
    // left subtree (equal halves: left first), then the root, then its copy.
    const bytes = words([
      ...[1, 0, 0, 0, fl(0)],
      ...[1, 0, 0, 0, fl(1)],
      ...[1, 0, 0, 0, fl(2)],
      ...[1, 0, 0, 0, fl(3)],
      ...[1, 0, 0, 0, fl(4)],
      ...[2, 0, 0, 1, 0], // node 5: leaf {0, 1} (ids from children, at byte 8)
      ...[2, 0, 2, 3, 0], // node 6: leaf {2, 3}
      ...[4, fl(-1.5), 5, 6, fl(1)], // node 7: split of 4 items
      ...[5, fl(-3.5), 7, 4, fl(1)], // node 8: the root, n_items descendants
      ...[5, fl(-3.5), 7, 4, fl(1)], // node 9: its copy
    ]);
    const split = (offset: number, left: AnnoyTree, right: AnnoyTree): AnnoyTree => ({
      normal: new Float32Array([1]),
      offset,
      left,
      right,
    });
    const built = new AnnoyIndex(1, 'euclidean');
    for (let x = 0; x < 5; x++) built.addItem(x, [x]);
    built.adopt([split(-3.5, split(-1.5, { items: [1, 0] }, { items: [2, 3] }), { items: [4] })]);
    assert.deepEqual(built.serialize(), bytes);

    const t = new AnnoyIndex(1, 'euclidean');
    t.loadBytes(bytes);
    assert.deepEqual([t.getNItems(), t.getNTrees()], [5, 1]);
    // search_k = 1 · 1 tree: the root sends 3.9 right, straight to item 4.
    const near = t.getNnsByVector([3.9], 1);
    assert.deepEqual(near.items, [4]);
    assert.ok(Math.abs(near.distances[0] - 0.1) < 1e-6);
    // search_k 1 stops at the first leaf popped: 1.2 goes left, then left again to {0, 1}.
    assert.deepEqual(t.getNnsByVector([1.2], 2, 1).items, [1, 0]);
    assert.deepEqual(t.getNnsByVector([1.2], 5, 100).items, [1, 2, 0, 3, 4]);
  });
});

describe('dot and Hamming nodes laid out by hand', () => {
  test('dot, f = 2: n_descendants, children[2], dot_factor, v; items carry √(max‖x‖² − ‖x‖²)', () => {
    // Node = 6 words; K = f + 3 = 5, so the root of 2 items is a leaf (ids from byte 4).
    const bytes = words([
      ...[1, 0, 0, fl(0), fl(3), fl(4)], // item 0 = (3, 4): the largest norm, dot_factor 0
      ...[1, 0, 0, fl(Math.sqrt(24)), fl(0), fl(1)], // item 1 = (0, 1): dot_factor √(25 − 1)
      ...[2, 0, 1, 0, 0, 0], // the root: a leaf of items 0, 1
      ...[2, 0, 1, 0, 0, 0], // its copy
    ]);
    const built = new AnnoyIndex(2, 'dot');
    built.addItem(0, [3, 4]);
    built.addItem(1, [0, 1]);
    built.build(1);
    assert.deepEqual(built.serialize(), bytes);
    const t = new AnnoyIndex(2, 'dot');
    t.loadBytes(bytes);
    assert.deepEqual([t.getNItems(), t.getNTrees()], [2, 1]);
    assert.deepEqual(t.getNnsByVector([1, 1], 2), { items: [0, 1], distances: [7, 1] });
  });

  test('Hamming, f = 3 bits: n_descendants, children[2], 4 bytes of padding, uint64 words', () => {
    // Node = 16 + 8 bytes; K = 2·1 + 3 = 5. Component j is bit j of the word (least significant first).
    const bytes = words([
      ...[1, 0, 0, 0, 0b101, 0], // item 0 = (1, 0, 1)
      ...[1, 0, 0, 0, 0b010, 0], // item 1 = (0, 1, 0)
      ...[2, 0, 1, 0, 0, 0],
      ...[2, 0, 1, 0, 0, 0],
    ]);
    const built = new AnnoyIndex(3, 'hamming');
    built.addItem(0, [1, 0, 1]);
    built.addItem(1, [0, 1, 0]);
    built.build(1);
    assert.deepEqual(built.serialize(), bytes);
    const t = new AnnoyIndex(3, 'hamming');
    t.loadBytes(bytes);
    assert.deepEqual(t.getNnsByVector([1, 1, 1], 2), { items: [0, 1], distances: [1, 2] });
    assert.deepEqual(Array.from(t.getItemVector(1)), [0, 1, 0]);
  });
});
