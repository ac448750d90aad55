/**
 * Builds the approximate index of sealed segments in the background: the collection's
 * factory index (HNSW by default) over the segment's vectors (which never change), trained
 * on a sample of them where the family needs training, on worker threads; then an index
 * file, then a manifest that names it, committed through the commit queue. Until then the
 * segment is searched exactly, so results never depend on whether a build has finished.
 * A segment with fewer rows than its index needs to train stays exact for good.
 *
 * Invariants:
 * - At most one build per segment is in flight; `schedule` ignores segments that are
 *   indexed or already building.
 * - A build retains the segment's memory while workers read it; when the segment was
 *   compacted away or the collection dropped meanwhile, the new index and its file are
 *   discarded.
 * - `idle()` resolves when no build is in flight (and rejects with the first failure
 *   since the last `idle()`), which is what `flush()` waits for.
 */
import { buildIndex } from '../index/factory.js';
import type { Kernels } from '../kernels/kernels.js';
import type { TombstonedSegment } from '../segment/tombstones.js';
import { encodeIndexFile } from '../storage/index-file.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import { type IndexSpec, recipeOf } from './index-spec.js';

/** A build in flight or done: one vector field of one segment. */
type Job = `${number}:${number}`;

export class SegmentIndexer {
  private readonly running = new Map<Job, Promise<void>>();
  private failure: Error | undefined;
  private stopped = false;
  /** Fields of segments too small to train their index on: searched exactly, never rebuilt. */
  private readonly untrainable = new WeakMap<TombstonedSegment, Set<number>>();
  /** Durations of finished builds in seconds, for metrics (oldest first, last 100). */
  readonly buildSeconds: number[] = [];

  constructor(
    private readonly kernels: Kernels,
    private readonly storage: CollectionStorage,
    private readonly queue: CommitQueue,
    /** The index of each vector field, in field order. */
    private readonly specs: readonly IndexSpec[],
    private readonly label: string,
  ) {}

  /** Whether sealed segments get an approximate index at all. */
  get enabled(): boolean {
    return this.specs.some((s) => s.type !== 'flat') && this.kernels.kind === 'wasm-simd';
  }

  get pending(): number {
    return this.running.size;
  }

  /** Starts builds for the sealed segments that lack an index (none once stopped). */
  scheduleMissing(): void {
    if (!this.enabled || this.stopped) return;
    for (const part of this.storage.set.sealed) {
      this.specs.forEach((spec, field) => {
        const key: Job = `${part.segment.id}:${field}`;
        if (spec.type === 'flat' || part.segment.isIndexed(field) || this.running.has(key)) return;
        if (this.untrainable.get(part)?.has(field)) return;
        const job = this.build(part, field).finally(() => this.running.delete(key));
        job.catch((err: Error) => {
          this.failure ??= err;
          process.emitWarning(`quiver: building the index of '${this.label}' failed: ${err.message}`);
        });
        this.running.set(key, job);
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

  /** Resolves when every build in flight (including ones started meanwhile) has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  private async build(part: TombstonedSegment, field: number): Promise<void> {
    const spec = this.specs[field];
    const recipe = recipeOf(spec);
    if (recipe === undefined || spec.type === 'flat') return;
    const segment = part.segment;
    const release = segment.retain();
    try {
      const started = performance.now();
      const { efConstruction, ef } = spec;
      const store = segment.store(field);
      const index = await buildIndex(this.kernels, recipe, store, segment.layout(field).distance, {
        efConstruction,
        ef,
      });
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
  }
}
