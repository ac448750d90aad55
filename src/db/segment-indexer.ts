/**
 * Builds the approximate index of sealed segments in the background: the collection's
 * factory index (HNSW by default) over the segment's vectors (which never change), trained
 * on a sample of them where the family needs training, on worker threads; then an index
 * file, then a manifest that names it, committed through the commit queue. Until then the
 * segment is searched exactly, so results never depend on whether a build has finished.
 * A segment with fewer rows than its index needs to train stays exact for good.
 *
 * Once a field of a segment has its approximate index, the value partitions of its
 * partitioned keyword keys are built the same way (and written to the segment's partition
 * file, db/partition-files.ts, which the next open reads instead), in the background
 * (segment/value-partitions.ts): after an index build, for segments loaded with their index,
 * and when a key becomes partitioned (`scheduleMissing` after `createPayloadIndex`). Until
 * they are attached, searches take the segment's own index; partitions of keys no longer
 * partitioned are freed by `scheduleMissing`.
 *
 * Memory: an index is built in its segment's arena (`SealedSegment.kernels`; the segment
 * was placed with room for it); value partitions are copies, placed in any arena with room
 * for their estimate and released with them.
 *
 * Invariants:
 * - At most one index build and one partition build per segment and field are in flight;
 *   `scheduleMissing` ignores what is built or building.
 * - A build retains the segment's memory while workers read it; when the segment was
 *   compacted away or the collection dropped meanwhile, the new index and its file are
 *   discarded.
 * - `idle()` resolves when no build is in flight (and rejects with the first failure
 *   since the last `idle()`), which is what `flush()` waits for.
 */
import { buildIndex } from '../index/factory.js';
import type { HnswOptions } from '../index/hnsw-index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { KeywordPostings } from '../payload/keyword-index.js';
import type { TombstonedSegment } from '../segment/tombstones.js';
import { buildKeyPartitions, KeyPartitions } from '../segment/value-partitions.js';
import { encodeIndexFile } from '../storage/index-file.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import { type IndexSpec, recipeOf } from './index-spec.js';
import { onDiskRecipe } from './ondisk-config.js';
import { buildOnDiskIndex } from './ondisk-index.js';
import { savePartitions } from './partition-files.js';
import { partitionRowBytes, SEGMENT_OVERHEAD_BYTES } from './segment-bytes.js';

/** A build in flight: the index, or the value partitions, of one vector field of one segment. */
type Job = `${number}:${number}` | `${number}:${number}:partitions`;

export class SegmentIndexer {
  private readonly running = new Map<Job, Promise<void>>();
  private failure: Error | undefined;
  private stopped = false;
  /** Fields of segments too small to train their index on: searched exactly, never rebuilt. */
  private readonly untrainable = new WeakMap<TombstonedSegment, Set<number>>();
  /** The kernels' implementation: approximate indexes need the wasm kernels. */
  private readonly kind: Kernels['kind'];
  /** Durations of finished builds in seconds, for metrics (oldest first, last 100). */
  readonly buildSeconds: number[] = [];
  /** Durations of finished partition builds (all partitioned keys of a segment's field) in seconds, last 100. */
  readonly partitionSeconds: number[] = [];

  constructor(
    /** The collection's kernels, for their kind only (not kept: it may be a growing segment's arena). */
    kernels: Kernels,
    private readonly storage: CollectionStorage,
    private readonly queue: CommitQueue,
    /** The index of each vector field, in field order. */
    private readonly specs: readonly IndexSpec[],
    private readonly label: string,
  ) {
    this.kind = kernels.kind;
  }

  /** Whether sealed segments get an approximate index at all. */
  get enabled(): boolean {
    return this.specs.some((s) => s.type !== 'flat') && this.kind === 'wasm-simd';
  }

  /** Index builds in flight (partition builds are not counted). */
  get pending(): number {
    let builds = 0;
    for (const key of this.running.keys()) if (!key.endsWith(':partitions')) builds++;
    return builds;
  }

  /**
   * Starts builds for the sealed segments that lack an index or value partitions, and frees
   * partitions of keys no longer partitioned (no builds once stopped).
   */
  scheduleMissing(): void {
    for (const part of this.storage.set.sealed) part.segment.prunePartitions();
    if (!this.enabled || this.stopped) return;
    for (const part of this.storage.set.sealed) {
      this.specs.forEach((spec, field) => {
        if (spec.type === 'flat') return;
        if (part.segment.isIndexed(field)) {
          this.schedulePartitions(part, field);
          return;
        }
        if (this.untrainable.get(part)?.has(field)) return;
        this.start(`${part.segment.id}:${field}`, 'the index', () => this.build(part, field));
      });
    }
  }

  /**
   * Starts no more builds and waits for those in flight to end (their failures are
   * dropped): before the collection is dropped or the database closed, so that no build
   * writes into a folder being deleted or races a later instance on the same files.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle().catch(() => undefined);
  }

  /** Undoes `stop` (a drop that failed) and schedules what is missing. */
  restart(): void {
    this.stopped = false;
    this.scheduleMissing();
  }

  /** Resolves when every build in flight (including ones started meanwhile) has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  /** Runs `work` as job `key` unless that job is in flight; a failure is kept for `idle()`. */
  private start(key: Job, what: string, work: () => Promise<void>): void {
    if (this.running.has(key)) return;
    const job = work().finally(() => this.running.delete(key));
    job.catch((err: Error) => {
      this.failure ??= err;
      process.emitWarning(`quiver: building ${what} of '${this.label}' failed: ${err.message}`);
    });
    this.running.set(key, job);
  }

  private schedulePartitions(part: TombstonedSegment, field: number): void {
    if (this.stopped || part.segment.unpartitionedKeys(field).length === 0) return;
    const key: Job = `${part.segment.id}:${field}:partitions`;
    this.start(key, 'value partitions', () => this.partition(part, field));
  }

  /**
   * Builds the partitions of every partitioned key of `field` of `part` that lacks current
   * ones, one key at a time, until none is missing (a key re-indexed meanwhile is built
   * again from its new index, each index at most once per job).
   */
  private async partition(part: TombstonedSegment, field: number): Promise<void> {
    const segment = part.segment;
    const hnsw = partitionGraph(this.specs[field]);
    const store = segment.store(field);
    const distance = segment.layout(field).distance;
    const rowBytes = partitionRowBytes(store.dimension, hnsw.M);
    const tried = new Set<KeywordPostings>();
    const release = segment.retain();
    try {
      const started = performance.now();
      for (;;) {
        const next = segment.unpartitionedKeys(field).find((k) => !tried.has(k.postings));
        if (next === undefined || this.stopped) break;
        tried.add(next.postings);
        const current = () => segment.payloadIndex.keywordPostings(next.key) === next.postings;
        const bytes =
          SEGMENT_OVERHEAD_BYTES + rowBytes * KeyPartitions.plannedRows(next.postings, segment.rows);
        const placement = this.storage.arenas.place(bytes);
        let parts: KeyPartitions | undefined;
        try {
          const source = { kernels: placement.kernels, store, distance, hnsw };
          parts = await buildKeyPartitions(
            source,
            next.postings,
            () => !this.stopped && !segment.isDisposed && current(),
          );
        } finally {
          if (parts) parts.onDispose(placement.release);
          else placement.release();
        }
        if (parts) segment.attachPartitions(field, next.key, parts);
      }
      if (tried.size > 0) {
        this.partitionSeconds.push((performance.now() - started) / 1000);
        if (this.partitionSeconds.length > 100) this.partitionSeconds.shift();
        // Kept for the next open (db/partition-files.ts); without the file they are rebuilt then.
        if (!segment.isDisposed) {
          await savePartitions(this.storage, part, field).catch((err: Error) =>
            process.emitWarning(`quiver: writing the value partitions of '${this.label}': ${err.message}`),
          );
        }
      }
    } finally {
      release();
    }
  }

  private async build(part: TombstonedSegment, field: number): Promise<void> {
    const spec = this.specs[field];
    const segment = part.segment;
    const onDisk = segment.diskRows(field) !== undefined;
    const recipe = onDisk ? onDiskRecipe(spec) : recipeOf(spec);
    if (recipe === undefined || spec.type === 'flat') return;
    const release = segment.retain();
    try {
      const started = performance.now();
      // Seals lay rows out in locality order (segment/locality-order.ts): graphs link them shuffled.
      const options = { efConstruction: spec.efConstruction, ef: spec.ef, shuffle: true };
      const index = onDisk
        ? await buildOnDiskIndex(this.storage.arenas, segment, field, recipe, options)
        : await buildIndex(
            segment.kernels,
            recipe,
            segment.store(field),
            segment.layout(field).distance,
            options,
          );
      if (index === undefined) {
        const fields = this.untrainable.get(part) ?? new Set<number>();
        fields.add(field);
        this.untrainable.set(part, fields);
        return;
      }
      if (segment.isDisposed) {
        index.dispose();
        return;
      }
      const key = this.storage.indexKey(part, field);
      let attached = false;
      try {
        const bytes = encodeIndexFile({
          segmentId: segment.id,
          rows: segment.rows,
          indexType: index.type,
          body: index.serialize(),
        });
        await this.storage.putFile(key, bytes);
        attached = await this.queue.exclusive(async () => this.storage.attachIndex(part, field, index, key));
      } finally {
        if (!attached) {
          index.dispose();
          await this.storage.deleteFile(key).catch(() => undefined);
        }
      }
      this.buildSeconds.push((performance.now() - started) / 1000);
      if (this.buildSeconds.length > 100) this.buildSeconds.shift();
    } finally {
      release();
    }
    this.schedulePartitions(part, field);
  }
}

/**
 * The graph options of the value partitions of a field indexed by `spec`: the M,
 * efConstruction and ef of its HNSW index, HNSW's defaults for what it lacks (other families).
 */
function partitionGraph(spec: IndexSpec): HnswOptions {
  if (spec.type === 'flat') return {};
  const recipe = recipeOf(spec);
  return {
    M: recipe?.family === 'hnsw' ? recipe.M : undefined,
    efConstruction: spec.efConstruction,
    ef: spec.ef,
  };
}
