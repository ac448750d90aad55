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
 *
 * Memory: each sealed segment is placed in one arena of the database (`MemoryArenas`) by an
 * estimate of its bytes, and seal and compaction cut their output into segments of at most
 * `segmentRows` rows, so that each fits in one arena (segment-placement.ts). A seal or
 * compaction that fails for want of memory (`CapacityError`) changes nothing: the staged
 * segments are freed and their files deleted; the WAL and the growing segment keep the rows.
 */
import { CorruptDataError } from '../errors.js';
import { Bitset } from '../index/bitset.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import type { MemoryArenas } from '../kernels/arenas.js';
import type { Kernels } from '../kernels/kernels.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import { copyField, type FieldRows } from '../segment/growing-segment.js';
import { openFieldRows, rowsOpenerOf } from '../segment/ondisk-vectors.js';
import { SealedSegment } from '../segment/sealed-segment.js';
import type { FieldLayout, PointId, StoredPayload } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import type { SqliteCatalog, WalRow } from '../storage/catalog.js';
import { encodeCountHint } from '../storage/count-hint-file.js';
import {
  MANIFEST_FORMAT_VERSION,
  type Manifest,
  parseManifest,
  type SegmentEntry,
} from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { partitionKey } from '../storage/partition-file.js';
import { decodePayloadRecord, type PayloadRecord } from '../storage/payload-record.js';
import { encodeSegment, type SegmentField } from '../storage/segment-file.js';
import { encodeTombstones } from '../storage/tombstone-file.js';
import { decodeDelete, decodeUpsert, decodeUpsertFields, WalKind } from '../storage/wal-record.js';
import { CollectionFiles } from './collection-files.js';
import { applyPayloadRecord } from './payload-apply.js';
import { overlaysToFold, writeOverlays } from './payload-overlay-storage.js';
import { fileRowBytes } from './segment-bytes.js';
import { SegmentLoad } from './segment-load.js';
import { SegmentPlacement } from './segment-placement.js';
import { SegmentSet } from './segment-set.js';

export class CollectionStorage {
  readonly set: SegmentSet;
  private manifest!: Manifest;
  private manifestVersion = 0;
  /**
   * The highest version carried by a versioned file name (`seg-N.vV.qtmb`, `.qpay`) of the
   * current manifest. Invariant: files written by a seal are named with a version above it, so
   * a new name never equals one the manifest still names (which the seal would then delete as
   * superseded). Names usually carry the version of the manifest that first named them, but a
   * restored snapshot keeps its source's names while its head restarts at version 2.
   */
  private namedVersion = 0;
  /** Sequence number of the last WAL row applied to memory. */
  lastSeq = 0;
  /** Where sealed segments are placed in memory. */
  private readonly placement: SegmentPlacement;
  /** The collection's files, and the bytes of each (its disk usage). */
  private readonly files: CollectionFiles;
  /** Loading a sealed segment from its files. */
  private readonly segmentLoad: SegmentLoad;

  /** `rowBytes`: the estimated linear memory of one sealed row (segment-bytes.ts). */
  constructor(
    readonly catalog: SqliteCatalog,
    private readonly store: ObjectStore,
    readonly arenas: MemoryArenas,
    readonly collectionId: number,
    layout: readonly FieldLayout[],
    payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
    rowBytes: number,
  ) {
    this.set = new SegmentSet(arenas, layout, payloadIndexOf);
    this.placement = new SegmentPlacement(arenas, rowBytes, fileRowBytes(layout));
    this.files = new CollectionFiles(store);
    this.segmentLoad = new SegmentLoad(this.files, this.placement, this.set);
  }

  /**
   * Kernels for short-lived work that belongs to no segment (recommendation examples):
   * the growing segment's arena.
   */
  get kernels(): Kernels {
    return this.set.growing.kernels;
  }

  /** Bytes of the collection's files (segments, tombstones, indexes) on disk. */
  get diskBytes(): number {
    return this.files.diskBytes;
  }

  /** Bytes on disk of the file `key` (0 when unknown or undefined). */
  fileBytesOf(key: string | undefined): number {
    return this.files.bytesOf(key);
  }

  /** The object key of the segment file of segment `segmentId`. */
  segmentFile(segmentId: number): string {
    return this.segmentKey(segmentId);
  }

  /**
   * Rows at which the growing segment is sealed: `segmentSize`, or fewer when a sealed segment
   * of that many would not fit in one arena (`SegmentPlacement.segmentRows`). Sealing there
   * also keeps the growing segment, which holds its rows in one arena of its own, within one
   * wasm32 memory (1M × 1536-d would not fit).
   */
  sealRows(segmentSize: number): number {
    return this.placement.segmentRows(segmentSize);
  }

  /** Throws `CapacityError` unless `count` more rows fit the growing segment (see `SegmentPlacement.checkRoom`). */
  checkRoom(count: number): void {
    this.placement.checkRoom(this.set.growing, count);
  }

  get prefix(): string {
    return `collections/${this.collectionId}/`;
  }

  get sealedCount(): number {
    return this.set.sealed.length;
  }

  /** Loads the head manifest's segments, replays the WAL after it, and removes orphan files. */
  async load(): Promise<void> {
    const head = this.openHead();
    for (const entry of head.segments) await this.loadEntry(entry);
    await this.finishLoad(head.wal);
  }

  /**
   * The first step of loading (segment-loader.ts): reads the head manifest and the WAL rows
   * after its checkpoint, and no segment file. Then `loadEntry` for each segment in manifest
   * order, then `finishLoad` with these rows; nothing else may change the collection meanwhile.
   */
  openHead(): { segments: readonly SegmentEntry[]; wal: WalRow[] } {
    const head = this.catalog.headManifest(this.collectionId);
    const where = `${this.catalog.file} (manifest of collection ${this.collectionId})`;
    if (!head) throw new CorruptDataError(where, 'no manifest');
    this.manifest = parseManifest(head.body, where);
    this.manifestVersion = head.version;
    this.namedVersion = highestNamedVersion(head.body);
    this.lastSeq = this.manifest.walCheckpoint;
    return { segments: this.manifest.segments, wal: this.catalog.walAfter(this.collectionId, this.lastSeq) };
  }

  /** Loads the sealed segment of the head manifest's `entry` (vectors, payloads, tombstones, indexes) into the set; its ids enter the id tracker after (`SegmentSet.addLoaded`). */
  async loadEntry(entry: SegmentEntry): Promise<TombstonedSegment> {
    const part = await this.segmentLoad.load(entry);
    this.set.addLoaded(part);
    return part;
  }

  /** The last step of loading: replays `wal` (from `openHead`) and removes orphan files. */
  async finishLoad(wal: readonly WalRow[]): Promise<void> {
    for (const row of wal) {
      this.replay(
        row.kind,
        new Uint8Array(row.body.buffer, row.body.byteOffset, row.body.byteLength),
        row.seq,
      );
    }
    await this.removeOrphans();
  }

  /**
   * The files of `entry` worth reading ahead of its load: all of them (`filesOfEntry`), but
   * for a store whose readers read direct (`readsDirect`) not the segment and index files,
   * which loading reads into place past the page cache (a read ahead would read them twice).
   */
  readAheadFilesOf(entry: SegmentEntry): string[] {
    const all = this.filesOfEntry(entry);
    if (!this.store.readsDirect || !this.segmentLoad.readsInPlace) return all;
    const direct = new Set<string | undefined>([entry.file, ...this.segmentLoad.indexFilesOf(entry)]);
    return all.filter((key) => !direct.has(key));
  }

  /** The object keys of a manifest entry (segment, tombstones, overlay, index files) and its partition files, if any. */
  filesOfEntry(entry: SegmentEntry): string[] {
    const files = [entry.file];
    if (entry.tombstones) files.push(entry.tombstones);
    if (entry.payloads) files.push(entry.payloads);
    for (const file of this.segmentLoad.indexFilesOf(entry)) if (file) files.push(file);
    for (const f of this.set.layout) files.push(partitionKey(this.prefix, entry.id, f.name));
    return files;
  }

  /** Reads an object of the collection that may not exist (derived files: partitions). */
  readIfExists(key: string): Promise<Uint8Array | undefined> {
    return this.files.readIfExists(key);
  }

  /** Records the size of a file not read yet (so that disk usage is right before loading ends). */
  noteFileBytes(key: string, bytes: number): void {
    this.files.note(key, bytes);
  }

  /** Object key of the count hint file (storage/count-hint-file.ts). */
  get countHintKey(): string {
    return `${this.prefix}points.qcnt`;
  }

  /**
   * Writes the count hint of the loaded collection, when writes are logged after the last
   * seal (at close, after the commit queue is idle), so that the next open knows the count.
   */
  async writeCountHint(): Promise<void> {
    if (!this.hasUnsealed) return;
    await this.store.put(this.countHintKey, encodeCountHint({ walSeq: this.lastSeq, count: this.set.count }));
  }

  /** Reads an object of the collection (counted in its disk usage); `CorruptDataError` when missing. */
  readFile(key: string): Promise<Uint8Array> {
    return this.files.read(key);
  }

  /** Applies one committed WAL row to memory. */
  replay(kind: number, body: Uint8Array, seq: number): void {
    const where = `${this.catalog.file} (WAL row ${seq})`;
    if (kind === WalKind.UPSERT) {
      const r = decodeUpsert(body, where);
      this.applyUpsert(seq, r.ids, [{ vectors: r.vectors }], r.payloads);
    } else if (kind === WalKind.UPSERT_FIELDS) {
      const r = decodeUpsertFields(body, where);
      const layout = this.set.layout;
      if (r.fields.length !== layout.length || r.fields.some((f, i) => f.name !== layout[i].name)) {
        throw new CorruptDataError(where, 'upsert record names other vector fields than the collection');
      }
      this.applyUpsert(seq, r.ids, r.fields, r.payloads);
    } else if (kind === WalKind.DELETE) {
      this.applyDelete(seq, decodeDelete(body).ids);
    } else if (kind === WalKind.PAYLOAD) {
      this.applyPayload(seq, decodePayloadRecord(body, where));
    } else {
      throw new CorruptDataError(where, `unknown WAL record kind ${kind}`);
    }
  }

  /** Applies a committed upsert (WAL row `seq`) to memory. */
  applyUpsert(
    seq: number,
    ids: readonly PointId[],
    fields: readonly FieldRows[],
    payloads: readonly StoredPayload[],
  ): void {
    this.set.upsert(ids, fields, payloads);
    this.lastSeq = seq;
  }

  /** Applies a committed delete (WAL row `seq`) to memory; returns how many points existed. */
  applyDelete(seq: number, ids: readonly PointId[]): number {
    this.lastSeq = seq;
    return this.set.delete(ids);
  }

  /**
   * Appends one WAL row in a transaction of its own (durable when it returns) and returns its
   * sequence number; for changes that must be resolved and applied in one commit-queue task.
   */
  appendWal(kind: number, body: Uint8Array, alongside?: () => void): number {
    return this.catalog.appendWal([{ collectionId: this.collectionId, kind, body, alongside }])[0];
  }

  /** Applies a committed payload update (WAL row `seq`) to memory; returns how many points it applied to. */
  applyPayload(seq: number, record: PayloadRecord): number {
    this.lastSeq = seq;
    return applyPayloadRecord(this.set, record);
  }

  /** True when memory holds changes that no committed manifest covers. */
  get hasUnsealed(): boolean {
    return this.lastSeq > this.manifest.walCheckpoint;
  }

  /**
   * Drops fully deleted segments (`dropEmptied`), then seals the growing segment's live rows
   * into new segment files, writes tombstone files for sealed segments with new deletions, and commits a
   * manifest whose checkpoint covers every applied WAL row. The growing segment becomes
   * segments of at most `segmentSize` rows.
   */
  async seal(segmentSize: number): Promise<void> {
    if (!this.hasUnsealed) return;
    await this.dropEmptied();
    const set = this.set;
    const next: Manifest = { ...this.manifest, walCheckpoint: this.lastSeq, segments: [] };
    const version = this.manifestVersion + 1;
    // The version in the new files' names (see `namedVersion`).
    const named = Math.max(version, this.namedVersion + 1);
    const newTombstones = new Map<TombstonedSegment, string>();
    let newOverlays = new Map<TombstonedSegment, string>();
    // Made before the commit, so that nothing after it can fail; not needed when no row is growing.
    const nextGrowing = set.growing.rows > 0 ? set.newGrowingSegment() : undefined;
    const sealed = await this.staged(async (staging) => {
      if (nextGrowing) staging.built.push(nextGrowing);
      newOverlays = await writeOverlays(staging, set.sealed, (part) => this.overlayKey(part, named));
      const fromGrowing: TombstonedSegment[] = [];
      for (const chunk of await set.growing.liveChunks(this.placement.segmentRows(segmentSize))) {
        fromGrowing.push(await this.writeSegment(staging, next, chunk));
      }
      for (const part of set.sealed) {
        if (part.dirty) {
          const file = `${this.prefix}seg-${pad(part.segment.id)}.v${named}.qtmb`;
          await staging.put(file, encodeTombstones(part.segment.id, part.deleted));
          newTombstones.set(part, file);
        }
        next.segments.push(this.entryOf(part, newTombstones.get(part) ?? part.file, newOverlays.get(part)));
      }
      for (const part of fromGrowing) next.segments.push(this.entryOf(part, undefined));
      this.commit(next, version);
      return fromGrowing;
    });
    this.namedVersion = named;

    const superseded: string[] = [];
    for (const [part, file] of newTombstones) {
      if (part.file) superseded.push(part.file);
      part.file = file;
      part.dirty = false;
    }
    for (const [part, file] of newOverlays) {
      if (part.overlay.file) superseded.push(part.overlay.file);
      part.overlay.file = file;
      part.overlay.dirty = false;
    }
    set.sealGrowing(sealed, nextGrowing);
    await this.files.deleteAll(superseded);
  }

  /**
   * Drops the sealed segments whose rows are all deleted, and frees their memory, before a
   * seal needs memory for new segments (so that deleting points makes room under a memory
   * budget). The manifest keeps its WAL checkpoint: the WAL rows after it never touch the
   * dropped segments' rows again (a delete replayed finds nothing; every row of a sealed
   * segment was written before the checkpoint).
   */
  private async dropEmptied(): Promise<void> {
    const emptied = this.set.sealed.filter((p) => p.liveCount === 0);
    if (emptied.length === 0) return;
    const ids = new Set(emptied.map((p) => p.segment.id));
    const next: Manifest = {
      ...this.manifest,
      segments: this.manifest.segments.filter((e) => !ids.has(e.id)),
    };
    this.commit(next, this.manifestVersion + 1);
    const superseded = this.filesOf(emptied);
    this.set.replaceSealed(emptied, []);
    await this.files.deleteAll(superseded);
  }

  /**
   * Rewrites sealed segments that have deletions, or that are small, into fresh segments
   * of at most `segmentSize` live rows. Seal first: compaction only moves sealed rows.
   */
  async compact(segmentSize: number): Promise<void> {
    await this.seal(segmentSize);
    const set = this.set;
    const rowsPerSegment = this.placement.segmentRows(segmentSize);
    const small = set.sealed.filter((p) => p.rows < rowsPerSegment / 2);
    const folded = overlaysToFold(set.sealed);
    const victims = set.sealed.filter(
      (p) => p.deletedCount > 0 || (small.length > 1 && small.includes(p)) || folded.has(p),
    );
    if (victims.length === 0) return;
    const next: Manifest = { ...this.manifest, segments: [] };
    const added = await this.staged(async (staging) => {
      const made: TombstonedSegment[] = [];
      for (const chunk of liveChunks(victims, rowsPerSegment, set.layout)) {
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
    await this.files.deleteAll(superseded);
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
    const built: { dispose(): void }[] = [];
    const staging: Staging = {
      put: async (key, data) => {
        written.push(key);
        await this.files.put(key, data);
      },
      built,
    };
    try {
      return await work(staging);
    } catch (err) {
      for (const segment of built) segment.dispose();
      await this.files.deleteAll(written);
      throw err;
    }
  }

  /** Builds a segment from rows with the next segment id of `next`, and writes its file. */
  private async writeSegment(
    staging: Staging,
    next: Manifest,
    rows: { ids: PointId[]; payloads: StoredPayload[]; fields: SegmentField[] },
  ): Promise<TombstonedSegment> {
    const segmentId = next.nextSegmentId++;
    const key = this.segmentKey(segmentId);
    const layout = this.set.layout;
    if (layout.some((f) => f.onDisk)) {
      // Fields kept on disk are read from the file: write it first, then build over it.
      const bytes = encodeSegment({ ...rows, indexType: 'flat', index: new Uint8Array(0) });
      await staging.put(key, bytes);
      const segment = this.placement.build(rows.ids.length, (placement) =>
        SealedSegment.build(
          placement.kernels,
          segmentId,
          rows,
          this.set.payloadIndexOf,
          placement.release,
          openFieldRows(rowsOpenerOf(this.files.store, key), bytes, layout, rows.fields, rows.ids.length),
        ),
      );
      staging.built.push(segment);
      return new TombstonedSegment(segment, undefined);
    }
    const segment = this.placement.build(rows.ids.length, (placement) =>
      SealedSegment.build(placement.kernels, segmentId, rows, this.set.payloadIndexOf, placement.release),
    );
    staging.built.push(segment);
    await staging.put(key, segment.encode());
    return new TombstonedSegment(segment, undefined);
  }

  /** Compare-and-set of the manifest head (throws `ManifestConflictError` if it moved). */
  private commit(next: Manifest, version: number): void {
    next.formatVersion = MANIFEST_FORMAT_VERSION;
    this.catalog.commitManifest(
      this.collectionId,
      this.manifestVersion,
      JSON.stringify(next),
      next.walCheckpoint,
    );
    this.manifest = next;
    this.manifestVersion = version;
  }

  /**
   * Whether segment files are read into place (segment-read.ts): the store opens objects for
   * positioned reads, and no field is kept on disk (those segments read the file whole).
   */
  get readsInPlace(): boolean {
    return this.segmentLoad.readsInPlace;
  }

  /** Object key for the index file of `field` of `part`. */
  indexKey(part: TombstonedSegment, field: number): string {
    const name = this.set.layout[field].name;
    return `${this.prefix}seg-${pad(part.segment.id)}${name === '' ? '' : `.${name}`}.qidx`;
  }

  /** Writes an object durably (outside the commit queue: nothing names it yet). */
  putFile(key: string, data: Uint8Array): Promise<void> {
    return this.files.put(key, data);
  }

  deleteFile(key: string): Promise<void> {
    return this.files.delete(key);
  }

  /**
   * Commits a manifest naming `file` as the index of `part` and makes searches use
   * `index`. Returns false, changing nothing, when `part` is no longer a segment of the
   * collection (compacted or dropped meanwhile). Runs inside the commit queue.
   */
  attachIndex(part: TombstonedSegment, field: number, index: VectorIndexRead, file: string): boolean {
    if (!this.set.sealed.includes(part) || part.segment.isDisposed) return false;
    const files = [...part.indexFiles];
    files[field] = file;
    const next: Manifest = {
      ...this.manifest,
      segments: this.manifest.segments.map((e) =>
        e.id === part.segment.id ? this.withIndexFiles(e, files) : e,
      ),
    };
    this.commit(next, this.manifestVersion + 1);
    part.segment.attachIndex(field, index);
    part.indexFiles = files;
    return true;
  }

  /** `entry` naming `files` as its fields' index files. */
  private withIndexFiles(entry: SegmentEntry, files: readonly (string | undefined)[]): SegmentEntry {
    const { index: _index, indexes: _indexes, ...rest } = entry;
    const out: SegmentEntry = rest;
    this.set.layout.forEach((f, i) => {
      const file = files[i];
      if (file === undefined) return;
      if (f.name === '') out.index = file;
      else out.indexes = { ...out.indexes, [f.name]: file };
    });
    return out;
  }

  /**
   * Starts reading `key` now, so that a later `read` of it (the next segment while loading)
   * finds it read or in flight: the disk reads while the current segment is decoded.
   */
  prefetch(key: string): void {
    this.files.prefetch(key);
  }

  private async removeOrphans(): Promise<void> {
    const live = new Set(this.filesOf(this.set.sealed));
    live.add(this.countHintKey);
    const orphans = (await this.store.list(this.prefix)).filter((key) => !live.has(key));
    await this.files.deleteAll(orphans);
  }

  private entryOf(
    part: TombstonedSegment,
    tombstones: string | undefined,
    payloads = part.overlay.file,
  ): SegmentEntry {
    const entry: SegmentEntry = {
      id: part.segment.id,
      file: this.segmentKey(part.segment.id),
      rows: part.rows,
    };
    if (tombstones) entry.tombstones = tombstones;
    if (payloads) entry.payloads = payloads;
    return this.withIndexFiles(entry, part.indexFiles);
  }

  private filesOf(parts: readonly TombstonedSegment[]): string[] {
    return parts.flatMap((p) => {
      const files = [this.segmentKey(p.segment.id)];
      for (const f of this.set.layout) files.push(partitionKey(this.prefix, p.segment.id, f.name));
      if (p.file) files.push(p.file);
      if (p.overlay.file) files.push(p.overlay.file);
      for (const file of p.indexFiles) if (file) files.push(file);
      return files;
    });
  }

  /** Object key of the payload overlay file of `part` named with `version` (see `namedVersion`). */
  private overlayKey(part: TombstonedSegment, version: number): string {
    return `${this.prefix}seg-${pad(part.segment.id)}.v${version}.qpay`;
  }

  private segmentKey(segmentId: number): string {
    return `${this.prefix}seg-${pad(segmentId)}.qseg`;
  }
}

interface Staging {
  /** Writes an object and remembers it, so a failure before the commit deletes it. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Segments (and the next growing segment) made for the pending manifest, freed if it is not committed. */
  built: { dispose(): void }[];
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

/** The live rows of `parts`, in segment then offset order, cut into chunks of at most `size` rows. */
function* liveChunks(parts: readonly TombstonedSegment[], size: number, layout: readonly FieldLayout[]) {
  let rows: [TombstonedSegment, number][] = [];
  const emit = () => {
    const chunk = {
      ids: rows.map(([part, offset]) => part.id(offset)),
      payloads: rows.map(([part, offset]) => part.payload(offset)),
      fields: layout.map((f, field) => mergeField(f, field, rows)),
    };
    rows = [];
    return chunk;
  };
  for (const part of parts) {
    for (let offset = 0; offset < part.rows; offset++) {
      if (!part.isLive(offset)) continue;
      rows.push([part, offset]);
      if (rows.length === size) yield emit();
    }
  }
  if (rows.length > 0) yield emit();
}

/** One field of rows gathered from several segments. */
function mergeField(layout: FieldLayout, field: number, rows: readonly [TombstonedSegment, number][]) {
  const keep = rows.map((_, i) => i);
  const presence = layout.name === '' ? undefined : new Bitset(rows.length);
  rows.forEach(([part, offset], i) => {
    if (presence && (part.present(field)?.has(offset) ?? true)) presence.set(i);
  });
  return copyField(layout, keep, (i) => rows[i][0].vector(rows[i][1], field), presence);
}

/** The highest `V` of the versioned file names (`.vV.qtmb`, `.vV.qpay`) in a manifest's JSON; 0 if none. */
function highestNamedVersion(manifestJson: string): number {
  let highest = 0;
  for (const m of manifestJson.matchAll(/\.v(\d+)\.q(?:tmb|pay)"/g))
    highest = Math.max(highest, Number(m[1]));
  return highest;
}
