/**
 * Annoy 1.17's query (`_get_all_nns` in annoylib.h) over checked nodes, step for step:
 *
 * 1. A max-priority queue of (priority, node) pairs, ordered as `std::priority_queue<pair>`
 *    orders them (priority first, then the larger node number), starts with every root at
 *    the metric's initial priority (+∞; Hamming: the largest uint64).
 * 2. Until `searchK` candidates are gathered (default −1: n · trees) or the queue is empty, the
 *    top is popped: an item (1 descendant and a number below the item count) is a candidate;
 *    a node of at most K descendants adds its `n_descendants` listed ids; a split pushes
 *    `children[1]` at min(priority, margin) and `children[0]` at min(priority, −margin)
 *    (Hamming: the child on the query's side keeps the priority, the other gets it minus 1).
 *    Margins: angular v·q; euclidean, manhattan a + v·q; dot v·q + dot_factor² (as 1.17 has
 *    it); Hamming whether the split's bit is set in q. Candidates repeat across trees and
 *    count each time.
 * 3. Candidates are deduplicated, holes (0 descendants) dropped, ranked by (distance, id)
 *    ascending, and the first n returned with the normalised distance: angular
 *    √max(0, 2 − 2·cos) (cos from the stored |v|², or from v when a file predating stored
 *    norms has 0), euclidean √max(0, ‖q − v‖²), manhattan max(0, ‖q − v‖₁), dot q·v (ranked by
 *    −q·v), Hamming the number of differing bits.
 *
 * Arithmetic is float32 in Annoy's scalar order (sums accumulated one product at a time), so
 * priorities and distances equal those of an Annoy built without AVX; an AVX build sums in
 * another order and may differ in the last bit, which can only reorder exact ties.
 */
import { type AnnoyLayout, hammingSide, popcount32 } from './annoy-layout.js';
import type { AnnoyNodes } from './annoy-nodes.js';

const f32 = Math.fround;

/** Ids and normalised distances, nearest first. */
export interface AnnoyNeighbors {
  items: number[];
  distances: number[];
}

/**
 * A query in the index's own representation: float32 components, or the packed bit words of
 * Hamming (`packBits`).
 */
export type AnnoyQuery = Float32Array | Uint32Array;

/** Float32 dot product of `n` components accumulated in order, as Annoy's scalar `dot`. */
export function dotF32(a: Float32Array, aAt: number, b: Float32Array, bAt: number, n: number): number {
  let s = 0;
  for (let z = 0; z < n; z++) s = f32(s + f32(a[aAt + z] * b[bAt + z]));
  return s;
}

/** A binary max-heap of (priority, node) pairs in `std::priority_queue<pair<T, S>>` order. */
class PairHeap {
  private keys: number[] = [];
  private nodes: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  private above(a: number, b: number): boolean {
    const ka = this.keys[a];
    const kb = this.keys[b];
    return ka > kb || (ka === kb && this.nodes[a] > this.nodes[b]);
  }

  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
    [this.nodes[a], this.nodes[b]] = [this.nodes[b], this.nodes[a]];
  }

  push(key: number, node: number): void {
    this.keys.push(key);
    this.nodes.push(node);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the top pair; returns [priority, node]. */
  pop(): [number, number] {
    const top: [number, number] = [this.keys[0], this.nodes[0]];
    const lastKey = this.keys.pop()!;
    const lastNode = this.nodes.pop()!;
    if (this.keys.length > 0) {
      this.keys[0] = lastKey;
      this.nodes[0] = lastNode;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.keys.length && this.above(l, best)) best = l;
        if (r < this.keys.length && this.above(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

/** Annoy's `D::distance` between the query and item `item` (before normalisation). */
export function rawDistance(nodes: AnnoyNodes, query: AnnoyQuery, queryNorm: number, item: number): number {
  const { layout } = nodes;
  const at = nodes.vectorWord(item);
  if (layout.metric === 'hamming') {
    let bits = 0;
    for (let w = 0; w < query.length; w++) bits += popcount32((query[w] ^ nodes.u32[at + w]) >>> 0);
    return bits;
  }
  const q = query as Float32Array;
  const v = nodes.f32;
  const f = layout.words;
  if (layout.metric === 'euclidean' || layout.metric === 'manhattan') {
    let d = 0;
    for (let z = 0; z < f; z++) {
      const t = f32(q[z] - v[at + z]);
      d = f32(d + (layout.metric === 'euclidean' ? f32(t * t) : Math.abs(t)));
    }
    return d;
  }
  const pq = dotF32(q, 0, v, at, f);
  if (layout.metric === 'dot') return -pq;
  const stored = nodes.scalar(item);
  const qq = stored !== 0 ? stored : dotF32(v, at, v, at, f);
  const ppqq = f32(queryNorm * qq);
  return ppqq > 0 ? f32(2 - (2 * pq) / f32(Math.sqrt(ppqq))) : 2;
}

/** Annoy's `normalized_distance`: what `get_nns_*` and `get_distance` report. */
export function normalizedDistance(layout: AnnoyLayout, d: number): number {
  switch (layout.metric) {
    case 'angular':
    case 'euclidean':
      return f32(Math.sqrt(Math.max(d, 0)));
    case 'manhattan':
      return Math.max(d, 0);
    case 'dot':
      return -d;
    case 'hamming':
      return d;
  }
}

/** The query's own |q|² (angular's `init_node`), 0 for other metrics. */
export function queryNorm(layout: AnnoyLayout, query: AnnoyQuery): number {
  return layout.metric === 'angular'
    ? dotF32(query as Float32Array, 0, query as Float32Array, 0, layout.words)
    : 0;
}

/** The candidates Annoy's traversal gathers for `query` (step 2 of the module comment), repeats included. */
export function gatherCandidates(nodes: AnnoyNodes, query: AnnoyQuery, searchK: number): number[] {
  const { layout } = nodes;
  const hamming = layout.metric === 'hamming';
  const heap = new PairHeap();
  // Hamming priorities are uint64 counting down from the largest; kept here as −(steps down).
  for (const root of nodes.roots) heap.push(hamming ? 0 : Number.POSITIVE_INFINITY, root);
  const found: number[] = [];
  const f = layout.words;
  while (found.length < searchK && heap.size > 0) {
    const [d, i] = heap.pop();
    const n = nodes.descendants(i);
    if (n === 1 && i < nodes.items) {
      found.push(i);
    } else if (n <= layout.maxLeaf) {
      for (let j = 0; j < n; j++) found.push(nodes.child(i, j));
    } else if (hamming) {
      const right = hammingSide(query as Uint32Array, nodes.splitBit(i));
      heap.push(d - (right ? 0 : 1), nodes.child(i, 1));
      heap.push(d - (right ? 1 : 0), nodes.child(i, 0));
    } else {
      let margin = dotF32(query as Float32Array, 0, nodes.f32, nodes.vectorWord(i), f);
      if (layout.metric === 'euclidean' || layout.metric === 'manhattan')
        margin = f32(nodes.scalar(i) + margin);
      else if (layout.metric === 'dot') {
        const factor = nodes.scalar(i);
        margin = f32(margin + f32(factor * factor));
      }
      heap.push(Math.min(d, margin), nodes.child(i, 1));
      heap.push(Math.min(d, -margin), nodes.child(i, 0));
    }
  }
  return found;
}

/**
 * Annoy's `get_nns_by_vector(query, n, search_k)` with distances (the module comment).
 * `searchK` −1 means n · trees.
 */
export function annoyNeighbors(
  nodes: AnnoyNodes,
  query: AnnoyQuery,
  n: number,
  searchK: number,
): AnnoyNeighbors {
  const limit = searchK === -1 ? n * nodes.roots.length : searchK;
  const found = gatherCandidates(nodes, query, limit).sort((a, b) => a - b);
  const norm = queryNorm(nodes.layout, query);
  const ranked: { d: number; id: number }[] = [];
  let last = -1;
  for (const id of found) {
    if (id === last) continue;
    last = id;
    if (nodes.descendants(id) === 1) ranked.push({ d: rawDistance(nodes, query, norm, id), id });
  }
  ranked.sort((a, b) => a.d - b.d || a.id - b.id);
  const p = Math.min(n, ranked.length);
  const items: number[] = new Array(p);
  const distances: number[] = new Array(p);
  for (let r = 0; r < p; r++) {
    items[r] = ranked[r].id;
    distances[r] = normalizedDistance(nodes.layout, ranked[r].d);
  }
  return { items, distances };
}
