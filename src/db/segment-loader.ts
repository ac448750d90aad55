/**
 * Loading a collection's sealed segments in the background, so that opening a database
 * does not wait for its data (`Quiver.open`, `listCollections` and `info()` answer at once).
 *
 * Protocol. `SegmentLoader.open` (awaited at open, reads no segment file): the head manifest
 * and the WAL rows after its checkpoint from the catalog, the sizes of the files the manifest
 * names (for progress and disk usage), and the tombstone files (a bit per row) to count the
 * live points. `start()` then runs in the background: each segment in manifest order
 * (`CollectionStorage.loadEntry`: one sequential read of the segment file, then its tombstone
 * and index files, then its value partitions' file), then the WAL replay and the removal of
 * orphan files (`finishLoad`), then state `'ready'`. This is exactly what the eager load did,
 * in the same order: the WAL is replayed after every segment because an upsert over an
 * existing id must find and tombstone the sealed row, which needs every segment's ids.
 *
 * Why it is safe. While loading, nothing else changes the collection: every write, seal,
 * compaction, index build, payload index change and snapshot of it waits for `ready` first
 * (`EmbeddedCollection.loaded`), so no write can interleave with the replay and none is
 * acknowledged before the rows logged before it are applied. Loading itself writes nothing
 * but the deletion of orphan files, last, as before; so a crash (kill -9) during loading
 * loses nothing: the next open starts again from the same manifest and WAL.
 *
 * Read-ahead. Read into place (segment-read.ts), a segment's own reads keep the disk busy
 * while they run, but not while the segment's CPU work runs (building its id table, checking
 * its graph) or between files. So while segment i loads, the store reads segment i+1's
 * files through (`ObjectStore.readAhead`: into the page cache, one read in flight), and
 * loading i+1 then reads them from memory. It is aborted when i+1 starts loading (its own
 * reads take over), when loading stops, and when loading ends. A store whose readers read
 * direct (past the page cache) reads ahead only the files not read into place
 * (`CollectionStorage.readAheadFilesOf`).
 *
 * Reads while loading (the rule, documented on `ReadOptions`): by default a read waits until
 * every segment is loaded, because each of them needs every segment (a search or count over
 * all points; a get or scroll by id, whose id may be in any segment or in the WAL) and then
 * answers exactly as after an eager load. A read given `{ wait: false }` fails at once with
 * `NotReadyError` instead. `info()` never waits. `count()` without a filter answers at once
 * when the count is already exact (see `countExact`).
 *
 * Counts at open: the manifest's rows minus the tombstoned ones is the exact count at the
 * manifest's WAL checkpoint; when no WAL row follows it (the state after a flush, or a seal
 * that caught up) that is the count. When rows follow it, the count hint the database wrote
 * at close (storage/count-hint-file.ts) gives it if it matches the last row; otherwise (after
 * a crash) it is exact once loaded (`countExact` false until then: the WAL's upserts may
 * replace sealed points, which only their ids tell).
 *
 * A failure (a file that fails verification, memory exhausted) puts the loader in state
 * `'failed'`: every waiting and later read rejects with that error, and the database lists
 * the collection as unavailable (as an eager load did); `stop` ends loading early (close,
 * drop), `restart` resumes it (a drop that failed).
 */
import { NotReadyError } from '../errors.js';
import type { WalRow } from '../storage/catalog.js';
import { type CountHint, decodeCountHint } from '../storage/count-hint-file.js';
import type { SegmentEntry } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeTombstones } from '../storage/tombstone-file.js';
import type { CollectionStorage } from './collection-storage.js';
import { loadPartitions } from './partition-files.js';
import type { LoadingInfo } from './types.js';

/**
 * Test hooks: `beforeSegment` runs before each segment is loaded (and may delay it), so that
 * tests observe a collection in the middle of loading without depending on timing.
 */
export const loaderHooks: {
  beforeSegment?: (collectionId: number, index: number) => Promise<void> | void;
} = {};

/** What a loader reports to its collection's owner. */
export interface LoaderEvents {
  /**
   * Loading failed (not stopped) with `error`: returns the error that reads report from now
   * on (the database names the collection in it and lists the collection as unavailable).
   */
  failed(error: Error): Error;
}

/** Bytes of an entry's files that exist (as far as the store reports sizes), of its segment file, and its index files. */
interface EntrySizes {
  files: number;
  segment: number | undefined;
  indexes: string[];
}

/** Segment files up to this size are read ahead while the previous one is decoded. */
const PREFETCH_BYTES = 2 ** 30;

export class SegmentLoader {
  private state: LoadingInfo['state'] = 'loading';
  private failure: Error | undefined;
  private next = 0;
  private segmentsLoaded = 0;
  private bytesLoaded = 0;
  private readonly bytesTotal: number;
  private readonly started = performance.now();
  private finished: number | undefined;
  private stopping: Error | undefined;
  private running: Promise<void> | undefined;
  /** The read-ahead of the next segment's files, while one runs. */
  private ahead: { abort: AbortController; done: Promise<void> } | undefined;
  private done!: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Called once ready (`onReady`). */
  private readonly readyCallbacks: (() => void)[] = [];
  /** Value partition files read, and value partitions rebuilt for want of a valid file. */
  partitionsLoaded = 0;
  partitionsRebuilt = 0;

  private constructor(
    private readonly storage: CollectionStorage,
    private readonly store: ObjectStore | undefined,
    private readonly label: string,
    private readonly segments: readonly SegmentEntry[],
    private readonly wal: readonly WalRow[],
    /** Bytes of each entry's files in all, and of its segment file. */
    private readonly sizes: ReadonlyMap<SegmentEntry, EntrySizes>,
    /** Live points at the manifest's checkpoint. */
    private readonly sealedLive: number,
    /** Live points now, when known before loading (no WAL row after the checkpoint, or a valid count hint). */
    private readonly exactCount: number | undefined,
    private readonly events: LoaderEvents,
  ) {
    this.bytesTotal = [...sizes.values()].reduce((a, b) => a + b.files, 0);
    this.arm();
  }

  /**
   * Reads what loading needs to know before it starts (no segment file; see the protocol
   * above). Throws `CorruptDataError` when the manifest or a tombstone file fails verification.
   */
  static async open(
    storage: CollectionStorage,
    store: ObjectStore,
    label: string,
    events: LoaderEvents,
  ): Promise<SegmentLoader> {
    const head = storage.openHead();
    const sizes = new Map<SegmentEntry, EntrySizes>();
    let live = 0;
    for (const entry of head.segments) {
      const sized: EntrySizes = { files: 0, segment: undefined, indexes: [] };
      for (const key of storage.filesOfEntry(entry)) {
        const size = await sizeOf(store, key);
        if (size === undefined) continue;
        storage.noteFileBytes(key, size);
        if (key === entry.file) sized.segment = size;
        if (key.endsWith('.qidx')) sized.indexes.push(key);
        sized.files += size;
      }
      sizes.set(entry, sized);
      const deleted = entry.tombstones
        ? decodeTombstones(await storage.readFile(entry.tombstones), entry.tombstones, entry.id, entry.rows)
        : undefined;
      live += entry.rows - (deleted?.count() ?? 0);
    }
    let exact: number | undefined = live;
    if (head.wal.length > 0) {
      const hint = await readCountHint(store, storage.countHintKey);
      exact = hint?.walSeq === head.wal[head.wal.length - 1].seq ? hint.count : undefined;
    }
    return new SegmentLoader(storage, store, label, head.segments, head.wal, sizes, live, exact, events);
  }

  /** A loader for storage that is loaded already (a new or restored collection). */
  static loaded(storage: CollectionStorage, label: string): SegmentLoader {
    const loader = new SegmentLoader(storage, undefined, label, [], [], new Map(), 0, 0, {
      failed: (error) => error,
    });
    loader.state = 'ready';
    loader.finished = loader.started;
    loader.settle.resolve();
    return loader;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Whether `count` is the collection's exact number of live points. */
  get countExact(): boolean {
    return this.state === 'ready' || this.exactCount !== undefined;
  }

  /** Live points: exact when `countExact`, else the count at the last seal. */
  get count(): number {
    if (this.state === 'ready') return this.storage.set.count;
    return this.exactCount ?? this.sealedLive;
  }

  get progress(): LoadingInfo {
    const info: LoadingInfo = {
      state: this.state,
      segmentsLoaded: this.segmentsLoaded,
      segmentsTotal: this.segments.length,
      bytesLoaded: this.bytesLoaded,
      bytesTotal: this.bytesTotal,
      countExact: this.countExact,
      seconds: ((this.finished ?? performance.now()) - this.started) / 1000,
      partitionsLoaded: this.partitionsLoaded,
      partitionsRebuilt: this.partitionsRebuilt,
    };
    if (this.failure) info.error = this.failure.message;
    return info;
  }

  /** Calls `then` once loading is ready (never, if it fails or is stopped); does not start it. */
  onReady(then: () => void): void {
    if (this.state === 'ready') then();
    else this.readyCallbacks.push(then);
  }

  /** Starts (or resumes) loading in the background. */
  start(): void {
    if (this.state !== 'loading' || this.running) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * Resolves once every segment is loaded, starting the load if it has not started. With
   * `wait` false, throws `NotReadyError` at once while loading; after a failure, throws its
   * error.
   */
  async whenReady(wait = true): Promise<void> {
    if (this.state === 'ready') return;
    if (this.state === 'failed') throw this.failure;
    // Opened with `load: 'on-demand'`: the first read or write starts loading.
    if (this.stopping === undefined) this.start();
    if (!wait) throw new NotReadyError(this.label, this.segmentsLoaded, this.segments.length);
    await this.done;
  }

  /**
   * Ends loading after the segment in progress; waiters reject with `reason` (the collection
   * is closed or dropped). Resolves when nothing of the loader runs any more.
   */
  async stop(reason: Error): Promise<void> {
    if (this.state !== 'loading') return;
    this.stopping = reason;
    if (this.running) await this.running;
    // Never started (on-demand): nothing runs, so the waiters, if any, are rejected here.
    else this.stopped();
  }

  /** Resumes loading after `stop` (a drop that failed); waiters of before were rejected. */
  restart(): void {
    if (this.state !== 'loading' || this.stopping === undefined) return;
    this.stopping = undefined;
    this.arm();
    this.start();
  }

  private arm(): void {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Nobody may be waiting: a rejection is observed by the waiters that exist.
    this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    try {
      // The id tracker sized once for every sealed id (not regrown segment by segment).
      if (this.next === 0) this.storage.set.reserveIds(this.sealedLive);
      while (this.next < this.segments.length) {
        await loaderHooks.beforeSegment?.(this.storage.collectionId, this.next);
        if (this.stopped()) return;
        const entry = this.segments[this.next];
        const following = this.segments[this.next + 1];
        // Read whole (`get`), this segment's index files and the next segment file are read
        // while this segment is decoded (one segment ahead, of at most PREFETCH_BYTES). Read
        // into place (segment-read.ts, index-read.ts), a file is read as it is placed, the
        // CPU work overlapping its own reads instead.
        if (!this.storage.readsInPlace) {
          for (const key of this.sizes.get(entry)?.indexes ?? []) this.storage.prefetch(key);
          if (following && (this.sizes.get(following)?.segment ?? Infinity) <= PREFETCH_BYTES) {
            this.storage.prefetch(following.file);
          }
        } else {
          await this.readAhead(following);
        }
        const part = await this.storage.loadEntry(entry);
        const partitions = await loadPartitions(this.storage, part);
        this.partitionsLoaded += partitions.loaded;
        this.partitionsRebuilt += partitions.rebuilt;
        this.next++;
        this.segmentsLoaded++;
        this.bytesLoaded += this.sizes.get(entry)?.files ?? 0;
        if (this.stopped()) return;
      }
      await this.storage.finishLoad(this.wal);
      this.state = 'ready';
      this.finished = performance.now();
      this.settle.resolve();
      for (const then of this.readyCallbacks.splice(0)) then();
    } catch (err) {
      this.state = 'failed';
      this.failure = this.events.failed(err as Error);
      this.finished = performance.now();
      this.settle.reject(this.failure);
    } finally {
      // Stopped, failed or done: nothing reads ahead once `run` settles (`stop` awaits it).
      await this.readAhead(undefined);
    }
  }

  /**
   * Ends the read-ahead in progress (its file is being loaded now, or loading ends), then
   * starts reading `entry`'s files ahead, if given and the store can.
   */
  private async readAhead(entry: SegmentEntry | undefined): Promise<void> {
    if (this.ahead) {
      this.ahead.abort.abort();
      await this.ahead.done;
      this.ahead = undefined;
    }
    if (!entry || !this.store?.readAhead) return;
    const abort = new AbortController();
    const keys = this.storage.readAheadFilesOf(entry);
    this.ahead = { abort, done: this.store.readAhead(keys, abort.signal).catch(() => undefined) };
  }

  /** Whether `stop` was called; then waiters are rejected with its reason. */
  private stopped(): boolean {
    if (this.stopping === undefined) return false;
    this.settle.reject(this.stopping);
    return true;
  }
}

/** The count hint at `key`, or undefined when there is none or it does not verify. */
async function readCountHint(store: ObjectStore, key: string): Promise<CountHint | undefined> {
  try {
    return decodeCountHint(await store.get(key));
  } catch {
    return undefined;
  }
}

/** The size of `key`, or undefined when the store does not say. */
async function sizeOf(store: ObjectStore, key: string): Promise<number | undefined> {
  if (!store.size) return undefined;
  try {
    return await store.size(key);
  } catch {
    // A missing file is reported when loading reads it.
    return undefined;
  }
}
