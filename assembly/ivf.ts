/**
 * IVF search (FAISS's IndexIVF): pick the `nprobe` inverted lists whose centroids are
 * nearest the query, scan their entries into one bounded heap, optionally re-rank the
 * best candidates on full-precision rows. One call answers one query; the JS side is
 * `src/index/ivf-index.ts`.
 *
 * The index describes itself in a header of u32 fields (`H_*` byte offsets below), kept
 * up to date by JS; every layout is in linear memory:
 * - centroids: `nlist` rows of `dim` f32;
 * - starts: `nlist + 1` u32, list l holds positions [starts[l], starts[l+1]);
 * - ids: u32 per position, the row (index offset) stored there;
 * - data: per position, `dim` f32 (Flat: the row itself), `dim` bytes (SQ8 code of the
 *   residual x − centroid) or `m` bytes (PQ code of the residual);
 * - codec: SQ8 params (`sq8.ts`) or PQ transposed codebooks (`pq.ts`);
 * - precomp (PQ, L2, may be 0): per list, m·256 f32 `||r||² + 2·c·r` for every codebook
 *   centroid r, FAISS's precomputed table: then the LUT of list l for query q is
 *   `precomp[l] − 2·q·r` and its bias `||q − c||²`, since
 *   `||q − c − r||² = ||q − c||² + ||r||² + 2·c·r − 2·q·r`;
 * - store: full-precision rows by offset, for re-ranking.
 *
 * Invariants:
 * - Nothing here allocates; per-query scratch is one block of `ivfScratchBytes` bytes.
 * - Heaps follow `topk.ts` (max-heap by (distance, row)), so results do not depend on the
 *   order lists or entries are visited; probes are visited nearest first, which tightens
 *   the heap bound early for the early-abandoning L2 of Flat lists.
 * - Distances are the kernels' (lower is better). Flat lists and re-ranked results carry
 *   exactly the distance `FlatIndex` reports; SQ8 and PQ without re-ranking report the
 *   distance to the decoded vector x̂ = centroid + decoded residual (for COSINE
 *   ||q − x̂||² / 2, which is 1 − cos when x̂ is unit length).
 * - Probes are the lists whose centroids are nearest the query by squared L2, for every
 *   kind, as rows are assigned to lists by L2 (measured for IP on a Gaussian mixture,
 *   IVF64 over 10k x 32, nprobe 1: recall@10 0.99 probing by L2, 0.88 by largest q·c).
 */
import { cosineImpl, dotImpl, l1Impl, l2Impl, normSqImpl } from './distance';
import { kmeansAssign } from './kmeans';
import { pqAdcScan, pqComputeLut, pqEncode } from './pq';
import { sq8DistanceBounded, sq8Encode, sq8Prepare, sq8PreparedFloats, sq8RerankTopK } from './sq8';
import { isAllowed, offer, sortHeap } from './topk';

const L2: i32 = 0;
const IP: i32 = 1;
const COSINE: i32 = 2;
const L1: i32 = 5;

const FLAT: u32 = 0;
const SQ8: u32 = 1;
const PQ: u32 = 2;

/** Bytes of one PQ LUT table (256 f32). */
const TABLE_BYTES: usize = 1024;
const F32_INFINITY: f32 = Infinity;

// Header fields (byte offsets of u32 values).
const H_CODING: usize = 0;
const H_KIND: usize = 4;
const H_DIM: usize = 8;
const H_NLIST: usize = 12;
const H_CENTROIDS: usize = 16;
const H_STARTS: usize = 20;
const H_IDS: usize = 24;
const H_DATA: usize = 28;
const H_CODEC: usize = 32;
const H_M: usize = 36;
const H_PRECOMP: usize = 40;
const H_STORE: usize = 44;

/** Bytes of the header JS writes (`IvfIndex.syncHeader` writes the same fields). */
export function ivfHeaderBytes(): i32 {
  return 64;
}

@inline
function field(header: usize, at: usize): u32 {
  return load<u32>(header + at);
}

@inline
function align16(bytes: usize): usize {
  return (bytes + 15) & ~15;
}

/** Bytes of the coding's per-query work area (residual, prepared query, LUTs). */
@inline
function workBytes(header: usize): usize {
  const dim = <usize>field(header, H_DIM);
  const coding = field(header, H_CODING);
  if (coding == SQ8) return align16(dim << 2) + align16((<usize>sq8PreparedFloats(<i32>dim)) << 2);
  if (coding == PQ) return align16(dim << 2) + 2 * (<usize>field(header, H_M)) * TABLE_BYTES;
  return 0;
}

/**
 * Bytes of scratch `ivfSearch` needs for `nprobe` probes and a re-ranking depth of
 * `depth` candidates (0 without re-ranking).
 */
export function ivfScratchBytes(header: usize, nprobe: i32, depth: i32): i32 {
  const probes = align16((<usize>nprobe) << 2);
  const candidates = align16((<usize>max(depth, 0)) << 2);
  return <i32>((<usize>2) * (probes + candidates) + workBytes(header));
}

/**
 * The `k` nearest rows to `query` (unit length for COSINE) over `nprobe` ≤ nlist probed
 * lists, among the rows the bitset at `allow` lets through (all when 0). With SQ8 or PQ
 * codes and `rerank` > 0, the best max(rerank, k) by code distance are re-ranked by exact
 * distance to the store's rows. Writes ascending (distance, row) pairs to outRows/outDist
 * and returns how many (fewer than k when the probed lists hold fewer allowed rows).
 */
export function ivfSearch(
  header: usize,
  query: usize,
  k: i32,
  nprobe: i32,
  rerank: i32,
  allow: usize,
  scratch: usize,
  outRows: usize,
  outDist: usize,
): i32 {
  if (k <= 0) return 0;
  const coding = field(header, H_CODING);
  const depth = coding != FLAT && rerank > 0 ? max(rerank, k) : 0;
  const probeLists = scratch;
  const probeDists = probeLists + align16((<usize>nprobe) << 2);
  const candRows = probeDists + align16((<usize>nprobe) << 2);
  const candDists = candRows + align16((<usize>depth) << 2);
  const work = candDists + align16((<usize>depth) << 2);
  const probes = selectProbes(header, query, nprobe, probeLists, probeDists);
  const heapRows = depth > 0 ? candRows : outRows;
  const heapDists = depth > 0 ? candDists : outDist;
  const heapK = depth > 0 ? depth : k;
  let size = 0;
  if (coding == FLAT) {
    size = scanFlat(header, query, probeLists, probes, allow, heapRows, heapDists, heapK);
  } else if (coding == SQ8) {
    size = scanSq8(header, query, probeLists, probes, allow, work, heapRows, heapDists, heapK);
  } else {
    size = scanPq(header, query, probeLists, probeDists, probes, allow, work, heapRows, heapDists, heapK);
  }
  const kind = <i32>field(header, H_KIND);
  if (depth == 0) {
    sortHeap(outRows, outDist, size);
    if (kind == COSINE && coding != FLAT) halve(outDist, size);
    return size;
  }
  const dim = <i32>field(header, H_DIM);
  return sq8RerankTopK(kind, query, field(header, H_STORE), dim, candRows, size, k, outRows, outDist);
}

/**
 * The `nprobe` lists nearest the query, written ascending (distance, list) to
 * probeLists/probeDists; returns how many (min(nprobe, nlist)). Kept distances are exact.
 */
@inline
function selectProbes(header: usize, query: usize, nprobe: i32, probeLists: usize, probeDists: usize): i32 {
  const dim = <i32>field(header, H_DIM);
  const nlist = <i32>field(header, H_NLIST);
  const stride = (<usize>dim) << 2;
  let c = <usize>field(header, H_CENTROIDS);
  let size = 0;
  for (let l = 0; l < nlist; l++) {
    const d = l2Impl(query, c, dim, size < nprobe ? F32_INFINITY : load<f32>(probeDists), true);
    size = offer(probeLists, probeDists, size, nprobe, <u32>l, d);
    c += stride;
  }
  sortHeap(probeLists, probeDists, size);
  return size;
}

/** List `l`'s first position and its end, as [start, end) in the low and high halves. */
@inline
function listRange(header: usize, l: u32): u64 {
  const starts = <usize>field(header, H_STARTS) + ((<usize>l) << 2);
  return (<u64>load<u32>(starts)) | ((<u64>load<u32>(starts, 4)) << 32);
}

/**
 * The kind SQ8 and PQ codes are compared by: COSINE runs as L2 on unit vectors (half the
 * squared L2 is 1 − cos there). L2 penalizes the norm error of a decoded vector, which
 * −q·x̂ would reward, so it ranks codes better (measured on IVF64,PQ8 over a Gaussian
 * mixture, 10k x 32, nprobe 16: recall@10 0.30 by −q·x̂).
 */
@inline
function codeKind(kind: i32): i32 {
  return kind == COSINE ? L2 : kind;
}

/** Halves the `n` distances at `dists`: code L2 distances of unit vectors become 1 − cos. */
@inline
function halve(dists: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const at = dists + ((<usize>i) << 2);
    store<f32>(at, load<f32>(at) * 0.5);
  }
}

/** Flat lists: exact distances (early-abandoning L2 and L1), as `FlatIndex` computes them. */
@inline
function scanFlat(
  header: usize,
  query: usize,
  probeLists: usize,
  probes: i32,
  allow: usize,
  heapRows: usize,
  heapDists: usize,
  k: i32,
): i32 {
  const kind = <i32>field(header, H_KIND);
  const dim = <i32>field(header, H_DIM);
  const ids = <usize>field(header, H_IDS);
  const data = <usize>field(header, H_DATA);
  const stride = (<usize>dim) << 2;
  const qq = kind == COSINE ? normSqImpl(query, dim) : 0;
  let size = 0;
  for (let p = 0; p < probes; p++) {
    const range = listRange(header, load<u32>(probeLists + ((<usize>p) << 2)));
    const end = <u32>(range >>> 32);
    for (let pos = <u32>range; pos < end; pos++) {
      const row = load<u32>(ids + ((<usize>pos) << 2));
      if (allow != 0 && !isAllowed(allow, <i32>row)) continue;
      const vec = data + (<usize>pos) * stride;
      let d: f32;
      if (kind == L2) d = l2Impl(query, vec, dim, size < k ? F32_INFINITY : load<f32>(heapDists), true);
      else if (kind == L1) d = l1Impl(query, vec, dim, size < k ? F32_INFINITY : load<f32>(heapDists), true);
      else if (kind == IP) d = -dotImpl(query, vec, dim);
      else d = 1 - cosineImpl(query, vec, dim, qq);
      size = offer(heapRows, heapDists, size, k, row, d);
    }
  }
  return size;
}

/** Writes `q − c` (dim floats) to `out`. */
@inline
function residual(query: usize, centroid: usize, dim: i32, out: usize): void {
  const bytes = (<usize>dim) << 2;
  for (let j: usize = 0; j < bytes; j += 4) store<f32>(out + j, load<f32>(query + j) - load<f32>(centroid + j));
}

/**
 * SQ8 lists of residual codes. L2 (and COSINE, see `codeKind`): the query's residual to
 * each probed centroid is prepared once per list. IP: the query is prepared once and each
 * list adds −q·c.
 */
@inline
function scanSq8(
  header: usize,
  query: usize,
  probeLists: usize,
  probes: i32,
  allow: usize,
  work: usize,
  heapRows: usize,
  heapDists: usize,
  k: i32,
): i32 {
  const kind = codeKind(<i32>field(header, H_KIND));
  const dim = <i32>field(header, H_DIM);
  const ids = <usize>field(header, H_IDS);
  const data = <usize>field(header, H_DATA);
  const params = <usize>field(header, H_CODEC);
  const centroids = <usize>field(header, H_CENTROIDS);
  const stride = <usize>dim;
  const res = work;
  const prep = work + align16((<usize>dim) << 2);
  if (kind != L2) sq8Prepare(kind, params, query, dim, prep);
  let size = 0;
  for (let p = 0; p < probes; p++) {
    const l = load<u32>(probeLists + ((<usize>p) << 2));
    const centroid = centroids + (<usize>l) * ((<usize>dim) << 2);
    let bias: f32 = 0;
    if (kind == L2) {
      residual(query, centroid, dim, res);
      sq8Prepare(L2, params, res, dim, prep);
    } else bias = -dotImpl(query, centroid, dim);
    const range = listRange(header, l);
    const end = <u32>(range >>> 32);
    for (let pos = <u32>range; pos < end; pos++) {
      const row = load<u32>(ids + ((<usize>pos) << 2));
      if (allow != 0 && !isAllowed(allow, <i32>row)) continue;
      // Only L2 stops early, and its bias is 0, so the heap's worst bounds the code distance.
      const bound = size < k ? F32_INFINITY : load<f32>(heapDists);
      const d = bias + sq8DistanceBounded(kind, prep, data + (<usize>pos) * stride, dim, bound);
      size = offer(heapRows, heapDists, size, k, row, d);
    }
  }
  return size;
}

/**
 * PQ lists of residual codes, ADC-scanned. L2 (and COSINE, see `codeKind`) with a
 * precomputed table: the query's `−q·r` table is computed once, and each list's LUT is
 * `precomp[l] + 2·(−q·r)` with bias `||q − c||²` (the probe distance). L2 without one:
 * each list's LUT is computed from the query's residual. IP: one LUT of −q·r for every
 * list, bias −q·c.
 */
@inline
function scanPq(
  header: usize,
  query: usize,
  probeLists: usize,
  probeDists: usize,
  probes: i32,
  allow: usize,
  work: usize,
  heapRows: usize,
  heapDists: usize,
  k: i32,
): i32 {
  const kind = codeKind(<i32>field(header, H_KIND));
  const dim = <i32>field(header, H_DIM);
  const m = <i32>field(header, H_M);
  const ids = <usize>field(header, H_IDS);
  const data = <usize>field(header, H_DATA);
  const tables = <usize>field(header, H_CODEC);
  const precomp = <usize>field(header, H_PRECOMP);
  const centroids = <usize>field(header, H_CENTROIDS);
  const lutBytes = (<usize>m) * TABLE_BYTES;
  const res = work;
  const qTable = work + align16((<usize>dim) << 2);
  const lut = qTable + lutBytes;
  if (kind != L2 || precomp != 0) pqComputeLut(IP, tables, dim, m, query, qTable);
  let size = 0;
  for (let p = 0; p < probes; p++) {
    const l = load<u32>(probeLists + ((<usize>p) << 2));
    const centroid = centroids + (<usize>l) * ((<usize>dim) << 2);
    const range = listRange(header, l);
    const start = <u32>range;
    const n = <i32>(<u32>(range >>> 32) - start);
    if (n == 0) continue;
    const codes = data + (<usize>start) * (<usize>m);
    const listIds = ids + ((<usize>start) << 2);
    if (kind != L2) {
      const bias = -dotImpl(query, centroid, dim);
      size = pqAdcScan(qTable, codes, n, m, bias, listIds, 0, allow, heapRows, heapDists, size, k, false);
      continue;
    }
    if (precomp != 0) {
      // The probe distance is the exact ||q − c||².
      addTwice(precomp + (<usize>l) * lutBytes, qTable, lutBytes, lut);
      const bias = load<f32>(probeDists + ((<usize>p) << 2));
      size = pqAdcScan(lut, codes, n, m, bias, listIds, 0, allow, heapRows, heapDists, size, k, false);
    } else {
      residual(query, centroid, dim, res);
      pqComputeLut(L2, tables, dim, m, res, lut);
      size = pqAdcScan(lut, codes, n, m, 0, listIds, 0, allow, heapRows, heapDists, size, k, true);
    }
  }
  return size;
}

/** out = a + 2·b over `bytes` bytes of f32 (a multiple of 16). */
@inline
function addTwice(a: usize, b: usize, bytes: usize, out: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) {
    const v = v128.load(b + i);
    v128.store(out + i, f32x4.add(v128.load(a + i), f32x4.add(v, v)));
  }
}

// ---------------------------------------------------------------------------------------
// Adding rows

/**
 * Assigns the `n` rows at `rows` to their nearest centroid (u32 list numbers written to
 * `assignOut`, `kmeansAssign` with the centroid norms at `norms`) and, for SQ8 and PQ,
 * encodes their residuals `x − c` into `codesOut` (`dim` or `m` bytes per row), using
 * `tmp` (`ivfEncodeScratchBytes(header, n)` bytes) for the residuals and the encoder.
 * Flat lists copy the rows themselves (`ivfPlace`).
 * A row's result does not depend on the batch it is in, so batches may run on workers.
 */
export function ivfEncode(
  header: usize,
  norms: usize,
  rows: usize,
  n: i32,
  tmp: usize,
  assignOut: usize,
  codesOut: usize,
): void {
  const dim = <i32>field(header, H_DIM);
  const centroids = <usize>field(header, H_CENTROIDS);
  kmeansAssign(rows, n, dim, centroids, <i32>field(header, H_NLIST), norms, assignOut, 0);
  const coding = field(header, H_CODING);
  if (coding == FLAT) return;
  const stride = (<usize>dim) << 2;
  for (let i = 0; i < n; i++) {
    const l = <usize>load<u32>(assignOut + ((<usize>i) << 2));
    residual(rows + (<usize>i) * stride, centroids + l * stride, dim, tmp + (<usize>i) * stride);
  }
  const codec = <usize>field(header, H_CODEC);
  if (coding == SQ8) sq8Encode(codec, tmp, n, dim, codesOut);
  else pqEncode(codec, dim, <i32>field(header, H_M), tmp, n, codesOut, tmp + (<usize>n) * stride);
}

/** Scratch bytes `ivfEncode` needs for `n` rows: their residuals, then one PQ table. */
export function ivfEncodeScratchBytes(header: usize, n: i32): i32 {
  return <i32>((<usize>n) * ((<usize>field(header, H_DIM)) << 2) + TABLE_BYTES);
}

/**
 * Places `n` encoded rows into relaid lists: row i (offset `firstRow + i`, code of
 * `codeBytes` bytes at `codes + i·codeBytes`) goes to position `cursor[assign[i]]` of
 * list `assign[i]`, which is then incremented. Rows keep their order within a list.
 */
export function ivfPlace(
  codes: usize,
  n: i32,
  codeBytes: i32,
  assign: usize,
  cursor: usize,
  ids: usize,
  data: usize,
  firstRow: u32,
): void {
  const bytes = <usize>codeBytes;
  for (let i = 0; i < n; i++) {
    const at = cursor + ((<usize>load<u32>(assign + ((<usize>i) << 2))) << 2);
    const pos = load<u32>(at);
    store<u32>(at, pos + 1);
    store<u32>(ids + ((<usize>pos) << 2), firstRow + <u32>i);
    memory.copy(data + (<usize>pos) * bytes, codes + (<usize>i) * bytes, bytes);
  }
}
