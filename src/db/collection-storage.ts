/**
 * Durable state of one collection: loading it from the catalog and object store,
 * replaying its WAL, sealing the growing segment, and compacting sealed segments.
 *
 * Crash-safety argument (with `storage/catalog.ts`): every method here writes new
 * immutable files first (each `put` is durable when it resolves), then commits a new
 * manifest that names them in one catalog transaction, then swaps memory, and only then
 * deletes files the new manifest no longer names. A crash at any point leaves a manifest
 * whose files all exist; files that no manifest names are removed at the next load.
 * `load` runs once at open, before the collection is shared; every later change (applying
 * WAL rows, sealing, compacting) runs inside the database's commit queue, one at a time.
 */
import { CorruptDataError } from '../errors.js';
import { deserializeIndex } from '../index/factory.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { SealedSegment } from '../segment/sealed-segment.js';
import type { PointId, StoredPayload } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import { decodeIndexFile } from '../storage/index-file.js';
import { type Manifest, parseManifest, type SegmentEntry } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeTombstones, encodeTombstones } from '../storage/tombstone-file.js';
import { decodeDelete, decodeUpsert, WalKind } from '../storage/wal-record.js';
import { SegmentSet } from './segment-set.js';

export class CollectionStorage {
  readonly set: SegmentSet;
  private manifest!: Manifest;
  private manifestVersion = 0;
  /** Sequence number of the last WAL row applied to memory. */
  lastSeq = 0;

  constructor(
    private readonly catalog: SqliteCatalog,
    private readonly store: ObjectStore,
    readonly kernels: Kernels,
    readonly collectionId: number,
    dimension: number,
    distance: DistanceKind,
  ) {
    this.set = new SegmentSet(kernels, dimension, distance);
  }

  get prefix(): string {
    return `collections/${this.collectionId}/`;
  }

  get sealedCount(): number {
    return this.set.sealed.length;
  }

  /** Loads the head manifest's segments, replays the WAL after it, and removes orphan files. */
  async load(): Promise<void> {
    const head = this.catalog.headManifest(this.collectionId);
    const where = `${this.catalog.file} (manifest of collection ${this.collectionId})`;
    if (!head) throw new CorruptDataError(where, 'no manifest');
    this.manifest = parseManifest(head.body, where);
    this.manifestVersion = head.version;
    this.lastSeq = this.manifest.walCheckpoint;
    for (const entry of this.manifest.segments) this.set.addSealed(await this.loadSegment(entry));
    for (const row of this.catalog.walAfter(this.collectionId, this.lastSeq)) {
      this.replay(
        row.kind,
        new Uint8Array(row.body.buffer, row.body.byteOffset, row.body.byteLength),
        row.seq,
      );
    }
    await this.removeOrphans();
  }

  /** Applies one committed WAL row to memory. */
  replay(kind: number, body: Uint8Array, seq: number): void {
    const where = `${this.catalog.file} (WAL row ${seq})`;
    if (kind === WalKind.UPSERT) {
      const r = decodeUpsert(body, where);
      this.applyUpsert(seq, r.ids, r.vectors, r.payloads);
    } else if (kind === WalKind.DELETE) {
      this.applyDelete(seq, decodeDelete(body).ids);
    } else {
      throw new CorruptDataError(where, `unknown WAL record kind ${kind}`);
    }
  }

  /** Applies a committed upsert (WAL row `seq`) to memory. */
  applyUpsert(
    seq: number,
    ids: readonly PointId[],
    vectors: Float32Array,
    payloads: readonly StoredPayload[],
  ): void {
    this.set.upsert(ids, vectors, payloads);
    this.lastSeq = seq;
  }

  /** Applies a committed delete (WAL row `seq`) to memory; returns how many points existed. */
  applyDelete(seq: number, ids: readonly PointId[]): number {
    this.lastSeq = seq;
    return this.set.delete(ids);
  }

  /** True when memory holds changes that no committed manifest covers. */
  get hasUnsealed(): boolean {
    return this.lastSeq > this.manifest.walCheckpoint;
  }

  /**
   * Seals the growing segment's live rows into a new segment file, writes tombstone files
   * for sealed segments with new deletions, drops fully deleted segments, and commits a
   * manifest whose checkpoint covers every applied WAL row.
   */
  async seal(): Promise<void> {
    if (!this.hasUnsealed) return;
    const set = this.set;
    const next: Manifest = { ...this.manifest, walCheckpoint: this.lastSeq, segments: [] };
    const version = this.manifestVersion + 1;
    const emptied = set.sealed.filter((p) => p.liveCount === 0);
    const newTombstones = new Map<TombstonedSegment, string>();
    const sealed = await this.staged(async (staging) => {
      const fromGrowing =
        set.growing.liveCount > 0
          ? await this.writeSegment(staging, next, set.growing.liveData())
          : undefined;
      for (const part of set.sealed) {
        if (part.liveCount === 0) continue;
        if (part.dirty) {
          const file = `${this.prefix}seg-${pad(part.segment.id)}.v${version}.qtmb`;
          await staging.put(file, encodeTombstones(part.segment.id, part.deleted));
          newTombstones.set(part, file);
        }
        next.segments.push(this.entryOf(part, newTombstones.get(part) ?? part.file));
      }
      if (fromGrowing) next.segments.push(this.entryOf(fromGrowing, undefined));
      this.commit(next, version);
      return fromGrowing;
    });

    const superseded = this.filesOf(emptied);
    for (const [part, file] of newTombstones) {
      if (part.file) superseded.push(part.file);
      part.file = file;
      part.dirty = false;
    }
    set.sealGrowing(sealed);
    if (emptied.length > 0) set.replaceSealed(emptied, []);
    await this.deleteFiles(superseded);
  }

  /**
   * Rewrites sealed segments that have deletions, or that are small, into fresh segments
   * of at most `segmentSize` live rows. Seal first: compaction only moves sealed rows.
   */
  async compact(segmentSize: number): Promise<void> {
    await this.seal();
    const set = this.set;
    const small = set.sealed.filter((p) => p.rows < segmentSize / 2);
    const victims = set.sealed.filter((p) => p.deletedCount > 0 || (small.length > 1 && small.includes(p)));
    if (victims.length === 0) return;
    const next: Manifest = { ...this.manifest, segments: [] };
    const added = await this.staged(async (staging) => {
      const made: TombstonedSegment[] = [];
      for (const chunk of liveChunks(victims, segmentSize, set.dimension)) {
        made.push(await this.writeSegment(staging, next, chunk));
      }
      const gone = new Set(victims);
      for (const part of set.sealed) if (!gone.has(part)) next.segments.push(this.entryOf(part, part.file));
      for (const part of made) next.segments.push(this.entryOf(part, undefined));
      this.commit(next, this.manifestVersion + 1);
      return made;
    });
    const superseded = this.filesOf(victims);
    set.replaceSealed(victims, added);
    await this.deleteFiles(superseded);
  }

  dispose(): void {
    this.set.dispose();
  }

  /**
   * Runs `work`, which writes files and builds segments for a manifest it commits last. If
   * anything fails before that commit, the files are deleted and the segments' memory
   * freed, so a failed seal or compaction leaves no trace (the WAL still holds the data).
   */
  private async staged<T>(work: (staging: Staging) => Promise<T>): Promise<T> {
    const written: string[] = [];
    const built: SealedSegment[] = [];
    const staging: Staging = {
      put: async (key, data) => {
        written.push(key);
        await this.store.put(key, data);
      },
      built,
    };
    try {
      return await work(staging);
    } catch (err) {
      for (const segment of built) segment.dispose();
      await this.deleteFiles(written);
      throw err;
    }
  }

  /** Builds a segment from rows with the next segment id of `next`, and writes its file. */
  private async writeSegment(
    staging: Staging,
    next: Manifest,
    rows: { ids: PointId[]; payloads: StoredPayload[]; vectors: Float32Array },
  ): Promise<TombstonedSegment> {
    const segmentId = next.nextSegmentId++;
    const segment = SealedSegment.build(this.kernels, segmentId, {
      dimension: this.set.dimension,
      distance: this.set.distance,
      ...rows,
    });
    staging.built.push(segment);
    await staging.put(this.segmentKey(segmentId), segment.encode());
    return new TombstonedSegment(segment, undefined);
  }

  /** Compare-and-set of the manifest head (throws `ManifestConflictError` if it moved). */
  private commit(next: Manifest, version: number): void {
    this.catalog.commitManifest(
      this.collectionId,
      this.manifestVersion,
      JSON.stringify(next),
      next.walCheckpoint,
    );
    this.manifest = next;
    this.manifestVersion = version;
  }

  private async loadSegment(entry: SegmentEntry): Promise<TombstonedSegment> {
    const segment = SealedSegment.decode(this.kernels, entry.id, await this.read(entry.file), entry.file);
    try {
      if (segment.rows !== entry.rows) {
        throw new CorruptDataError(entry.file, `holds ${segment.rows} rows, the manifest says ${entry.rows}`);
      }
      const deleted = entry.tombstones
        ? decodeTombstones(await this.read(entry.tombstones), entry.tombstones, entry.id, entry.rows)
        : undefined;
      if (entry.index) segment.attachIndex(await this.loadIndex(entry.index, segment));
      const part = new TombstonedSegment(segment, entry.tombstones, deleted);
      part.indexFile = entry.index;
      return part;
    } catch (err) {
      segment.dispose();
      throw err;
    }
  }

  /** Reads and checks the index file `key` of `segment`. */
  private async loadIndex(key: string, segment: SealedSegment): Promise<VectorIndexRead> {
    const file = decodeIndexFile(await this.read(key), key, segment.id, segment.rows);
    const index = deserializeIndex(
      this.kernels,
      file.indexType,
      file.body,
      segment.store,
      segment.index.distance,
      key,
    );
    try {
      index.checkIntegrity();
      return index;
    } catch (err) {
      index.dispose();
      throw new CorruptDataError(key, (err as Error).message);
    }
  }

  /** Object key for the index file of `part`. */
  indexKey(part: TombstonedSegment): string {
    return `${this.prefix}seg-${pad(part.segment.id)}.qidx`;
  }

  /** Writes an object durably (outside the commit queue: nothing names it yet). */
  async putFile(key: string, data: Uint8Array): Promise<void> {
    await this.store.put(key, data);
  }

  async deleteFile(key: string): Promise<void> {
    await this.store.delete(key);
  }

  /**
   * Commits a manifest naming `file` as the index of `part` and makes searches use
   * `index`. Returns false, changing nothing, when `part` is no longer a segment of the
   * collection (compacted or dropped meanwhile). Runs inside the commit queue.
   */
  attachIndex(part: TombstonedSegment, index: VectorIndexRead, file: string): boolean {
    if (!this.set.sealed.includes(part) || part.segment.isDisposed) return false;
    const next: Manifest = {
      ...this.manifest,
      segments: this.manifest.segments.map((e) => (e.id === part.segment.id ? { ...e, index: file } : e)),
    };
    this.commit(next, this.manifestVersion + 1);
    part.segment.attachIndex(index);
    part.indexFile = file;
    return true;
  }

  private async read(key: string): Promise<Uint8Array> {
    try {
      return await this.store.get(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new CorruptDataError(key, 'file is missing');
      throw err;
    }
  }

  private async removeOrphans(): Promise<void> {
    const live = new Set(this.filesOf(this.set.sealed));
    const orphans = (await this.store.list(this.prefix)).filter((key) => !live.has(key));
    await this.deleteFiles(orphans);
  }

  private entryOf(part: TombstonedSegment, tombstones: string | undefined): SegmentEntry {
    const entry: SegmentEntry = {
      id: part.segment.id,
      file: this.segmentKey(part.segment.id),
      rows: part.rows,
    };
    if (tombstones) entry.tombstones = tombstones;
    if (part.indexFile) entry.index = part.indexFile;
    return entry;
  }

  private filesOf(parts: readonly TombstonedSegment[]): string[] {
    return parts.flatMap((p) => {
      const files = [this.segmentKey(p.segment.id)];
      if (p.file) files.push(p.file);
      if (p.indexFile) files.push(p.indexFile);
      return files;
    });
  }

  private async deleteFiles(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.store.delete(key);
  }

  private segmentKey(segmentId: number): string {
    return `${this.prefix}seg-${pad(segmentId)}.qseg`;
  }
}

interface Staging {
  /** Writes an object and remembers it, so a failure before the commit deletes it. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Segments built for the pending manifest, freed if it is not committed. */
  built: SealedSegment[];
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

/** The live rows of `parts`, in segment then offset order, cut into chunks of at most `size` rows. */
function* liveChunks(parts: readonly TombstonedSegment[], size: number, dimension: number) {
  let ids: (string | number)[] = [];
  let payloads: (Record<string, unknown> | null)[] = [];
  let vectors: Float32Array[] = [];
  const emit = () => {
    const flat = new Float32Array(vectors.length * dimension);
    for (let i = 0; i < vectors.length; i++) flat.set(vectors[i], i * dimension);
    const chunk = { ids, payloads, vectors: flat };
    ids = [];
    payloads = [];
    vectors = [];
    return chunk;
  };
  for (const part of parts) {
    for (let offset = 0; offset < part.rows; offset++) {
      if (!part.isLive(offset)) continue;
      ids.push(part.id(offset));
      payloads.push(part.payload(offset));
      vectors.push(part.vector(offset));
      if (ids.length === size) yield emit();
    }
  }
  if (ids.length > 0) yield emit();
}
