/**
 * Distances of one hit recomputed for its explanation: the exact distance on the stored
 * full-precision vector (the kernels' own scan, as a Flat index computes it), and for
 * quantized indexes the distance their codes give. The latter asks the index itself, for the
 * one row, with re-ranking off (`rerank: 0`, the codes' distance, every IVF list probed), so
 * it is the number the index ranked candidates by; HNSW over SQ8 (in memory or with its rows
 * on disk) walks a graph that may not reach a single allowed row, so there the row's SQ8 code
 * is rebuilt and decoded instead.
 */
import { Bitset } from '../index/bitset.js';
import { HnswSq8Index } from '../index/hnsw-sq8-index.js';
import { IvfIndex } from '../index/ivf-index.js';
import { LshIndex } from '../index/lsh-index.js';
import { OnDiskHnswSq8Index } from '../index/ondisk-hnsw-index.js';
import { PqIndex } from '../index/pq-index.js';
import { Sq8Index } from '../index/sq8-index.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';

/** The kernels' distance of `kind` between `query` and `row` (same length, in f32 slots). */
export function kernelDistance(
  kernels: Kernels,
  kind: DistanceKind,
  query: Float32Array,
  row: Float32Array,
): number {
  const dim = query.length;
  const ptr = kernels.alloc(dim * 8 + 16);
  try {
    kernels.f32(ptr, dim).set(query);
    kernels.f32(ptr + dim * 4, dim).set(row);
    kernels.scan(kind, ptr, ptr + dim * 4, 1, dim, ptr + dim * 8);
    return kernels.f32(ptr + dim * 8, 1)[0];
  } finally {
    kernels.free(ptr);
  }
}

/** Whether `index` ranks by distances of codes (so an approximate distance exists). */
export function isQuantized(index: VectorIndexRead): boolean {
  return (
    index instanceof Sq8Index ||
    index instanceof HnswSq8Index ||
    index instanceof OnDiskHnswSq8Index ||
    index instanceof PqIndex ||
    index instanceof LshIndex ||
    (index instanceof IvfIndex && !index.type.endsWith(',Flat'))
  );
}

/**
 * The distance `index`'s codes give between `query` and its row `offset` (whose stored
 * vector is `row`), or undefined for indexes that keep full vectors.
 */
export function approximateDistance(
  index: VectorIndexRead,
  kernels: Kernels,
  query: Float32Array,
  offset: number,
  row: Float32Array,
): number | undefined {
  if (!isQuantized(index)) return undefined;
  if (index instanceof HnswSq8Index || index instanceof OnDiskHnswSq8Index) {
    const decoded = index.codec.decode(index.codec.encodeRows(row));
    return kernelDistance(kernels, index.distance, query, decoded);
  }
  const one = new Bitset(index.size);
  one.set(offset);
  const nprobe = index instanceof IvfIndex ? index.nlist : undefined;
  const found = index.search(query, 1, one, { strategy: 'walk', rerank: 0, nprobe });
  return found.offsets.length === 1 && found.offsets[0] === offset ? found.distances[0] : undefined;
}
