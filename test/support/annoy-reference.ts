/**
 * A second, deliberately plain reading of Annoy 1.17's `load` and `_get_all_nns`
 * (annoylib.h), written from the source apart from src/faiss/annoy-*.ts: fields are read
 * with a DataView at the offsets of each metric's `Node` struct, the priority queue is a list
 * scanned for its largest (priority, node) pair at every pop, Hamming words are BigInts. Tests
 * compare `AnnoyIndex`'s answers with it on the same bytes.
 */
const f32 = Math.fround;

type Metric = 'angular' | 'euclidean' | 'manhattan' | 'dot' | 'hamming';

interface Shape {
  s: number;
  K: number;
  children: number;
  v: number;
}

function shape(dim: number, metric: Metric): Shape {
  // offsetof(Node, v) and offsetof(Node, children) of each struct, int32 S, float T (uint64 for Hamming).
  if (metric === 'hamming') {
    const s = 16 + 8 * Math.ceil(dim / 64);
    return { s, K: (s - 4) / 4, children: 4, v: 16 };
  }
  if (metric === 'angular') return { s: 12 + 4 * dim, K: (8 + 4 * dim) / 4, children: 4, v: 12 };
  if (metric === 'dot') return { s: 16 + 4 * dim, K: (12 + 4 * dim) / 4, children: 4, v: 16 };
  return { s: 16 + 4 * dim, K: (8 + 4 * dim) / 4, children: 8, v: 16 };
}

export interface ReferenceResult {
  items: number[];
  distances: number[];
  trees: number;
  nItems: number;
}

/** Annoy's answer for `query` (floats; 0/1 for Hamming) over the file `bytes`. */
export function referenceSearch(
  bytes: Uint8Array,
  dim: number,
  metric: Metric,
  query: ArrayLike<number>,
  n: number,
  searchK = -1,
): ReferenceResult {
  const { s, K, children, v } = shape(dim, metric);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nNodes = bytes.byteLength / s;
  const nd = (i: number) => view.getInt32(i * s, true);
  const child = (i: number, j: number) => view.getInt32(i * s + children + 4 * j, true);
  const fl = (i: number, z: number) => view.getFloat32(i * s + v + 4 * z, true);
  const word = (i: number, w: number) => view.getBigUint64(i * s + v + 8 * w, true);

  // load()
  const roots: number[] = [];
  let m = -1;
  for (let x = nNodes; x > 0; x--) {
    const k = nd(x - 1);
    if (m === -1 || k === m) {
      roots.push(x - 1);
      m = k;
    } else break;
  }
  if (roots.length > 1 && child(roots[0], 0) === child(roots[roots.length - 1], 0)) roots.pop();
  const nItems = m;

  const words = Math.ceil(dim / 64);
  const qWords: bigint[] = [];
  for (let w = 0; w < words; w++) {
    let x = 0n;
    for (let j = 0; j < 64 && w * 64 + j < dim; j++) if (query[w * 64 + j] > 0.5) x |= 1n << BigInt(j);
    qWords.push(x);
  }
  const q = Array.from({ length: dim }, (_, z) => f32(query[z]));
  const dotWith = (i: number) => {
    let acc = 0;
    for (let z = 0; z < dim; z++) acc = f32(acc + f32(q[z] * fl(i, z)));
    return acc;
  };

  // _get_all_nns()
  const k = searchK === -1 ? n * roots.length : searchK;
  const queue: [number, number][] = roots.map((r) => [metric === 'hamming' ? 0 : Infinity, r]);
  const nns: number[] = [];
  while (nns.length < k && queue.length > 0) {
    let top = 0;
    for (let e = 1; e < queue.length; e++) {
      const [a, b] = [queue[e], queue[top]];
      if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) top = e;
    }
    const [d, i] = queue.splice(top, 1)[0];
    if (nd(i) === 1 && i < nItems) nns.push(i);
    else if (nd(i) <= K) for (let j = 0; j < nd(i); j++) nns.push(child(i, j));
    else if (metric === 'hamming') {
      const bit = Number(word(i, 0));
      const set = ((qWords[Math.floor(bit / 64)] >> BigInt(63 - (bit % 64))) & 1n) === 1n;
      queue.push([d - (set ? 0 : 1), child(i, 1)], [d - (set ? 1 : 0), child(i, 0)]);
    } else {
      let margin = dotWith(i);
      const scalar = view.getFloat32(i * s + (metric === 'dot' ? 12 : 4), true);
      if (metric === 'euclidean' || metric === 'manhattan') margin = f32(scalar + margin);
      if (metric === 'dot') margin = f32(margin + f32(scalar * scalar));
      queue.push([Math.min(d, margin), child(i, 1)], [Math.min(d, -margin), child(i, 0)]);
    }
  }

  const distance = (j: number): number => {
    if (metric === 'hamming') {
      let bits = 0;
      for (let w = 0; w < words; w++)
        for (let x = qWords[w] ^ word(j, w); x; x >>= 1n) bits += Number(x & 1n);
      return bits;
    }
    if (metric === 'euclidean' || metric === 'manhattan') {
      let acc = 0;
      for (let z = 0; z < dim; z++) {
        const t = f32(q[z] - fl(j, z));
        acc = f32(acc + (metric === 'euclidean' ? f32(t * t) : Math.abs(t)));
      }
      return acc;
    }
    if (metric === 'dot') return -dotWith(j);
    let pp = 0;
    for (let z = 0; z < dim; z++) pp = f32(pp + f32(q[z] * q[z]));
    let qq = view.getFloat32(j * s + 4, true);
    if (qq === 0) for (let z = 0; z < dim; z++) qq = f32(qq + f32(fl(j, z) * fl(j, z)));
    const ppqq = f32(pp * qq);
    return ppqq > 0 ? f32(2 - (2 * dotWith(j)) / f32(Math.sqrt(ppqq))) : 2;
  };
  const unique = [...new Set(nns)].filter((j) => nd(j) === 1).sort((a, b) => a - b);
  const ranked = unique.map((j) => [distance(j), j]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const top = ranked.slice(0, n);
  const normalized = (d: number) =>
    metric === 'angular' || metric === 'euclidean'
      ? f32(Math.sqrt(Math.max(d, 0)))
      : metric === 'dot'
        ? -d
        : Math.max(d, 0);
  return {
    items: top.map((e) => e[1]),
    distances: top.map((e) => normalized(e[0])),
    trees: roots.length,
    nItems,
  };
}
