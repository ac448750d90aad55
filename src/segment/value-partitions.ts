/**
 * Value partitions of a sealed segment, the opt-in of `{ type: 'keyword', partitioned: true }`
 * payload indexes (Qdrant's tenant-aware `is_tenant` indexes, Milvus's partition keys): for
 * each value of a partitioned key that holds between {@link MIN_PARTITION_ROWS} rows and
 * {@link MAX_PARTITION_FRACTION} of the segment, a packed copy of those rows' vectors with a
 * small HNSW graph over it. A search whose filter requires that value searches the copy
 * instead of the whole segment.
 *
 * Why: a filter allowing 1% of a large segment is slow both ways without them. An exact scan
 * of the allowed rows reads rows scattered across the whole store (a cache and TLB miss per
 * row), and a graph walk with the filter inside passes about a hundred disallowed nodes for
 * each allowed one. Over the packed copy a scan reads contiguous memory and a walk meets only
 * rows holding the value. Below the minimum the scattered scan is already fast; above the
 * maximum fraction the filtered walk of the whole graph is.
 *
 * Invariants:
 * - `rows` maps local offsets to segment offsets and is ascending, so local row order is
 *   segment row order: results in (distance, local offset) order map to results in
 *   (distance, segment offset) order, as the contract of `VectorIndexRead.search` requires.
 * - Local row i of the copy is segment row `rows[i]` of the field's store, bit for bit
 *   (COSINE rows are unit length there already), so a scan of the copy gives the distances a
 *   scan of the segment gives.
 * - Partitions are derived data: built after their field's approximate index is attached
 *   (at seal, load, or when the key becomes partitioned), freed with the segment or when
 *   their key's payload index is replaced or dropped. Their rows and graphs are also kept
 *   in a partition file beside the segment (db/partition-files.ts), read at open instead of
 *   rebuilt when the rows still match the keyword index. `KeyPartitions.source` is the
 *   keyword index they were built from; they are current only while the segment's payload
 *   index still has that very index for the key.
 *
 * Memory: each partitioned row costs 4 · dimension bytes for its vector copy plus its HNSW
 * links (about (2·M + 1) · 4 bytes on level 0), once per partitioned value it holds.
 */
import { setImmediate } from 'node:timers/promises';
import { Bitset } from '../index/bitset.js';
import { buildHnsw } from '../index/hnsw-build.js';
import { HnswIndex, type HnswOptions } from '../index/hnsw-index.js';
import { VectorStore } from '../index/vector-store.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { KeywordPostings } from '../payload/keyword-index.js';

/** Values holding fewer rows get no partition: a scan of their scattered rows is already fast. */
export const MIN_PARTITION_ROWS = 1024;

/** Values holding more than this fraction of a segment get no partition: a filtered walk is fast there. */
export const MAX_PARTITION_FRACTION = 1 / 8;

/** Rows copied per step when packing (bounds the temporary JS buffer to 512 KiB at 128-d). */
const GATHER_ROWS = 1024;

/**
 * Partitions of at least this many rows get their graph from `buildHnsw`, on worker threads
 * (it uses them from 2,000 rows); smaller ones are linked on this thread, {@link LINK_BATCH}
 * nodes per turn of the event loop, so that searches never wait long behind a build.
 */
const PARALLEL_ROWS = 2048;

/** Nodes linked per turn of the event loop (a few tens of milliseconds at 128-d, efConstruction 200). */
const LINK_BATCH = 64;

/** Whether a value holding `count` of a segment's `rows` rows gets a partition. */
export function deservesPartition(count: number, rows: number): boolean {
  return count >= MIN_PARTITION_ROWS && count <= rows * MAX_PARTITION_FRACTION;
}

/** The rows of one value: their vectors packed in segment order, and an HNSW graph over them. */
export class ValuePartition {
  constructor(
    /** Local offset → segment offset, ascending. */
    readonly rows: Uint32Array,
    /** The graph over the packed copy; its store is the copy (borrowed, freed by `dispose`). */
    readonly index: HnswIndex,
  ) {}

  /** Rows in the partition. */
  get size(): number {
    return this.rows.length;
  }

  /** Bytes of linear memory held (copy and graph) plus the offset map. */
  get memoryBytes(): number {
    return this.index.memoryBytes + this.rows.byteLength;
  }

  /**
   * The allowed rows of the partition in local offsets, given the segment's allowed rows
   * (undefined: every row): `allow` is undefined when every partition row is allowed.
   */
  restrict(allowed: Bitset | undefined): { allow: Bitset | undefined; count: number } {
    const rows = this.rows;
    if (allowed === undefined) return { allow: undefined, count: rows.length };
    const local = new Bitset(rows.length);
    let count = 0;
    for (let i = 0; i < rows.length; i++) {
      if (allowed.has(rows[i])) {
        local.set(i);
        count++;
      }
    }
    return { allow: count === rows.length ? undefined : local, count };
  }

  dispose(): void {
    const store = this.index.store;
    this.index.dispose();
    store.dispose();
  }
}

/** The partitions of one keyword key in one vector field of a segment, by value. */
export class KeyPartitions {
  private releases: (() => void)[] = [];

  constructor(
    /** The keyword index they were built from (current while the segment's index of the key is this one). */
    readonly source: KeywordPostings,
    private readonly byValue: ReadonlyMap<string, ValuePartition>,
  ) {}

  get(value: string): ValuePartition | undefined {
    return this.byValue.get(value);
  }

  /** Every value's partition. */
  entries(): IterableIterator<[string, ValuePartition]> {
    return this.byValue.entries();
  }

  /** Number of partitions (values that deserved one). */
  get count(): number {
    return this.byValue.size;
  }

  /** Rows over all partitions (a row holding several partitioned values counts once per value). */
  get rows(): number {
    let rows = 0;
    for (const p of this.byValue.values()) rows += p.size;
    return rows;
  }

  get memoryBytes(): number {
    let bytes = 0;
    for (const p of this.byValue.values()) bytes += p.memoryBytes;
    return bytes;
  }

  /** Rows of each value that gets a partition, the sizes `buildKeyPartitions` would build. */
  static plannedRows(postings: KeywordPostings, segmentRows: number): number {
    let rows = 0;
    for (const [, count] of postings.valueCounts()) if (deservesPartition(count, segmentRows)) rows += count;
    return rows;
  }

  /** Calls `release` once the partitions are disposed (their arena's placement). */
  onDispose(release: () => void): void {
    this.releases.push(release);
  }

  dispose(): void {
    for (const p of this.byValue.values()) p.dispose();
    for (const release of this.releases.splice(0)) release();
  }
}

/** What a partition build needs besides the rows: the segment's vectors and the graph's shape. */
export interface PartitionSource {
  /** Where the partitions are built (any arena: they are copies, not views of the segment's memory). */
  kernels: Kernels;
  /** The field's vectors (rows of the segment). */
  store: VectorStore;
  distance: DistanceKind;
  /** The graph options (the field index's M and efConstruction). */
  hnsw: HnswOptions;
}

/**
 * The partitions of every value of `postings` that deserves one, built one value at a time
 * (each graph on worker threads when it has enough rows), yielding to the event loop between
 * values. `wanted()` is asked before each value: when it turns false the build stops,
 * frees what it made and returns undefined. On failure everything made is freed.
 */
export async function buildKeyPartitions(
  source: PartitionSource,
  postings: KeywordPostings,
  wanted: () => boolean,
): Promise<KeyPartitions | undefined> {
  const segmentRows = source.store.count;
  const values = [...postings.valueCounts()]
    .filter(([, count]) => deservesPartition(count, segmentRows))
    .map(([value]) => value);
  const built = new Map<string, ValuePartition>();
  try {
    for (const value of values) {
      await setImmediate();
      if (!wanted()) {
        for (const p of built.values()) p.dispose();
        return undefined;
      }
      built.set(value, await buildPartition(source, postings.rowsOf(value)));
    }
    return new KeyPartitions(postings, built);
  } catch (error) {
    for (const p of built.values()) p.dispose();
    throw error;
  }
}

async function buildPartition(source: PartitionSource, rows: Uint32Array): Promise<ValuePartition> {
  const copy = packedCopy(source, rows);
  try {
    return new ValuePartition(rows, await graphOver(source, copy));
  } catch (error) {
    copy.dispose();
    throw error;
  }
}

/** An HNSW graph over every row of `copy` (borrowed); disposed if the build fails. */
async function graphOver(source: PartitionSource, copy: VectorStore): Promise<HnswIndex> {
  if (copy.count >= PARALLEL_ROWS) {
    // The rows are in the segment's locality order: linked shuffled (HnswBuildOptions.shuffle).
    return buildHnsw(source.kernels, copy, copy.dimension, source.distance, {
      ...source.hnsw,
      shuffle: true,
    });
  }
  const index = new HnswIndex(source.kernels, copy.dimension, source.distance, source.hnsw, copy);
  try {
    for (let first = 0; first < copy.count; first += LINK_BATCH) {
      index.insertStored(first, Math.min(copy.count, first + LINK_BATCH));
      await setImmediate();
    }
    return index;
  } catch (error) {
    index.dispose();
    throw error;
  }
}

/** A new store holding `rows` of `source.store`, in order (also how a stored partition's copy is rebuilt). */
export function packedCopy(source: PartitionSource, rows: Uint32Array): VectorStore {
  const d = source.store.dimension;
  const copy = new VectorStore(source.kernels, d, rows.length);
  const chunk = new Float32Array(Math.min(rows.length, GATHER_ROWS) * d);
  for (let first = 0; first < rows.length; first += GATHER_ROWS) {
    const end = Math.min(rows.length, first + GATHER_ROWS);
    // A view per step: a view is valid only until the next allocation in the kernels' memory.
    const all = source.store.view();
    for (let i = first; i < end; i++) {
      chunk.set(all.subarray(rows[i] * d, (rows[i] + 1) * d), (i - first) * d);
    }
    copy.append(chunk.subarray(0, (end - first) * d));
  }
  return copy;
}
