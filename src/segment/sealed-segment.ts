/**
 * A sealed segment: an immutable set of rows (ids, payloads, one vector per field) with an
 * index per vector field, loaded from or written to one segment file. The rows never change
 * after construction; deletions are kept beside it in `Tombstones`, and `TombstonedSegment`
 * joins the two for searching.
 *
 * Invariants:
 * - Each field starts with an exact flat index over its vectors and may later get one
 *   approximate index (built after sealing, stored in its own index file): `attachIndex`
 *   swaps it in, and searches of that field use it from then on. The segment file itself
 *   always holds the flat index type, so it never changes when an index is attached.
 * - The payload index covers every row; only whole payload fields are added or dropped
 *   later (`createPayloadIndex`), never rows.
 * - A field with an approximate index may also hold value partitions of partitioned keyword
 *   keys (value-partitions.ts), attached when built; `partition` returns only partitions
 *   built from the key's current keyword index. Partitions replaced or pruned while the
 *   segment is retained are freed when the last hold is released (a search on a worker may
 *   be reading them).
 * - Memory is freed when the segment is disposed and nothing retains it: an index build
 *   reading the vectors on worker threads holds a `retain()` until it finishes.
 * - A field kept on disk (`onDisk`, given a `DiskRows` reader at build time) has no vectors in
 *   linear memory: its store is empty, its exact index scans the file (`OnDiskFlatIndex`),
 *   `vector` reads the row from the file, and it gets no value partitions (they copy vectors).
 *   The segment owns the reader and closes it when its memory is freed.
 * - Everything of the segment that lives in linear memory (vectors, indexes, search
 *   scratch) lives in one kernels instance, `kernels` (one arena of the database); the
 *   `release` given at build time is called once that memory is freed, so the arena can be
 *   reclaimed when nothing else is placed in it.
 */
import type { Bitset } from '../index/bitset.js';
import type { DiskRows } from '../index/disk-rows.js';
import { FlatIndex } from '../index/flat-index.js';
import { OnDiskFlatIndex } from '../index/ondisk-flat-index.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import { VectorStore } from '../index/vector-store.js';
import type { Kernels } from '../kernels/kernels.js';
import type { KeywordPostings } from '../payload/keyword-index.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import {
  decodeSegment,
  encodeSegment,
  type SegmentData,
  type SegmentField,
} from '../storage/segment-file.js';
import type { FieldLayout, PointId, StoredPayload } from './segment-view.js';
import type { KeyPartitions, ValuePartition } from './value-partitions.js';

/** One vector field of a sealed segment. */
interface SealedField {
  layout: FieldLayout;
  store: VectorStore;
  /** The exact index: over `store`, or over `rows` for a field kept on disk. */
  flat: VectorIndexRead;
  current: VectorIndexRead;
  /** The field's rows in the segment file, when it is kept on disk. */
  rows: DiskRows | undefined;
  present: Bitset | undefined;
  /** Value partitions by payload key. */
  partitions: Map<string, KeyPartitions>;
}

/** How many value partitions a segment holds, their rows and their bytes of memory. */
export interface PartitionStats {
  partitions: number;
  rows: number;
  bytes: number;
}

export class SealedSegment {
  readonly rows: number;
  private readonly fields: SealedField[];
  private holds = 0;
  private disposed = false;
  /** Partitions replaced or pruned while the segment was retained: freed at the last release. */
  private retired: KeyPartitions[] = [];

  private constructor(
    readonly kernels: Kernels,
    readonly id: number,
    readonly ids: readonly PointId[],
    readonly payloads: readonly StoredPayload[],
    fields: SealedField[],
    readonly payloadIndex: SegmentPayloadIndex,
    private readonly release: (() => void) | undefined,
  ) {
    this.rows = ids.length;
    this.fields = fields;
  }

  /**
   * Builds a segment from rows held in memory (at seal or compaction time, or decoded) in
   * `kernels`; `payloadIndexOf` indexes the payloads; `release` is called when the segment's
   * memory is freed (not when this throws: then nothing stays allocated). `disk[i]`, when
   * given, is the reader of field i's rows in the segment file: that field is kept on disk
   * (its vectors in `data` are not copied), and the segment owns the reader (closing it when
   * this throws, too). `filled[i]`, when given, is a store in `kernels` that holds field i's
   * rows already (read from the file into place): the segment takes it over (and frees it when
   * this throws) and ignores `data`'s vectors of that field.
   * @throws RangeError when `kernels`' memory cannot hold the rows (wasm32 exhausted).
   */
  static build(
    kernels: Kernels,
    id: number,
    data: Omit<SegmentData, 'indexType' | 'index'>,
    payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
    release?: () => void,
    disk: readonly (DiskRows | undefined)[] = [],
    filled: readonly (VectorStore | undefined)[] = [],
  ): SealedSegment {
    const stores: VectorStore[] = filled.filter((s) => s !== undefined);
    try {
      const fields = data.fields.map((f, i): SealedField => {
        const rows = disk[i];
        const given = filled[i];
        if (given && given.count !== data.ids.length)
          throw new RangeError(
            `field '${f.name}' has ${given.count} rows placed, the segment ${data.ids.length}`,
          );
        const store = given ?? new VectorStore(kernels, f.dimension, rows ? 0 : data.ids.length);
        if (!given) stores.push(store);
        if (rows && rows.count !== data.ids.length)
          throw new RangeError(
            `field '${f.name}' has ${rows.count} rows on disk, the segment ${data.ids.length}`,
          );
        if (!rows && !given) store.append(f.vectors);
        const flat = rows
          ? new OnDiskFlatIndex(kernels, f.distance, rows)
          : new FlatIndex(kernels, f.dimension, f.distance, store);
        const layout = { name: f.name, dimension: f.dimension, distance: f.distance };
        return { layout, store, flat, current: flat, rows, present: f.present, partitions: new Map() };
      });
      const payloadIndex = payloadIndexOf(data.payloads);
      return new SealedSegment(kernels, id, data.ids, data.payloads, fields, payloadIndex, release);
    } catch (err) {
      for (const store of stores) store.dispose();
      for (const rows of disk) rows?.close();
      throw err;
    }
  }

  /**
   * Parses and verifies a segment file (throws `CorruptDataError` naming `file`); `disk`
   * makes the readers of the fields kept on disk once the file is verified (see `build`).
   */
  static decode(
    kernels: Kernels,
    id: number,
    bytes: Uint8Array,
    file: string,
    payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
    release?: () => void,
    disk?: (data: SegmentData) => (DiskRows | undefined)[],
  ): SealedSegment {
    const data = decodeSegment(bytes, file);
    return SealedSegment.build(kernels, id, data, payloadIndexOf, release, disk?.(data));
  }

  get fieldCount(): number {
    return this.fields.length;
  }

  layout(field: number): FieldLayout {
    return this.fields[field].layout;
  }

  /** The reader of `field`'s rows in the segment file when the field is kept on disk. */
  diskRows(field: number): DiskRows | undefined {
    return this.fields[field].rows;
  }

  /** The rows' vectors of `field` (the store its indexes read; empty for a field kept on disk). */
  store(field: number): VectorStore {
    return this.fields[field].store;
  }

  /** The index searches of `field` use: the attached approximate index, else the exact one. */
  index(field: number): VectorIndexRead {
    return this.fields[field].current;
  }

  present(field: number): Bitset | undefined {
    return this.fields[field].present;
  }

  /** Whether `field` has an approximate index attached. */
  isIndexed(field: number): boolean {
    const f = this.fields[field];
    return f.current !== f.flat;
  }

  /** Whether every field has an approximate index attached. */
  get indexed(): boolean {
    return this.fields.every((_, f) => this.isIndexed(f));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Makes `index` (over `store(field)`) the one searches of `field` use; it is disposed with the segment. */
  attachIndex(field: number, index: VectorIndexRead): void {
    if (this.disposed) throw new Error(`segment ${this.id} is disposed`);
    if (index.size !== this.rows)
      throw new RangeError(`index has ${index.size} rows, segment has ${this.rows}`);
    const f = this.fields[field];
    if (f.current !== f.flat) f.current.dispose();
    f.current = index;
  }

  /**
   * The partition of `value` of the partitioned keyword key `key` in `field`, when it is
   * built and current (made from the segment's current keyword index of `key`).
   */
  partition(field: number, key: string, value: string): ValuePartition | undefined {
    const parts = this.fields[field].partitions.get(key);
    if (parts === undefined || parts.source !== this.payloadIndex.keywordPostings(key)) return undefined;
    return parts.get(value);
  }

  /**
   * The keys declared as partitioned keyword indexes whose partitions in `field` are not
   * built or no longer current, each with the keyword index to build them from; none
   * while `field` has no approximate index.
   */
  unpartitionedKeys(field: number): { key: string; postings: KeywordPostings }[] {
    if (this.disposed || !this.isIndexed(field) || this.fields[field].rows) return [];
    const out: { key: string; postings: KeywordPostings }[] = [];
    for (const [key, info] of this.payloadIndex.declarations) {
      if (info.type !== 'keyword' || info.partitioned !== true) continue;
      const postings = this.payloadIndex.keywordPostings(key);
      if (postings && this.fields[field].partitions.get(key)?.source !== postings)
        out.push({ key, postings });
    }
    return out;
  }

  /**
   * Makes `parts` the partitions of `key` in `field`, replacing older ones. Returns false,
   * disposing `parts`, when the segment is disposed or `parts` was not built from the
   * segment's current keyword index of `key`.
   */
  attachPartitions(field: number, key: string, parts: KeyPartitions): boolean {
    if (this.disposed || parts.source !== this.payloadIndex.keywordPostings(key)) {
      parts.dispose();
      return false;
    }
    const old = this.fields[field].partitions.get(key);
    this.fields[field].partitions.set(key, parts);
    if (old) this.retire(old);
    return true;
  }

  /** Frees the partitions of keys that are no longer partitioned keyword keys (or were re-indexed). */
  prunePartitions(): void {
    for (const f of this.fields) {
      for (const [key, parts] of f.partitions) {
        const info = this.payloadIndex.declarations.get(key);
        const current =
          info?.type === 'keyword' &&
          info.partitioned === true &&
          parts.source === this.payloadIndex.keywordPostings(key);
        if (current) continue;
        f.partitions.delete(key);
        this.retire(parts);
      }
    }
  }

  /** The value partitions of `field` by key (current or not: see `partition`). */
  partitionsOf(field: number): ReadonlyMap<string, KeyPartitions> {
    return this.fields[field].partitions;
  }

  /** The value partitions held over every field. */
  get partitionStats(): PartitionStats {
    const stats: PartitionStats = { partitions: 0, rows: 0, bytes: 0 };
    for (const f of this.fields) {
      for (const parts of f.partitions.values()) {
        stats.partitions += parts.count;
        stats.rows += parts.rows;
        stats.bytes += parts.memoryBytes;
      }
    }
    return stats;
  }

  /** Bytes of the value partitions of each field, in field order. */
  partitionBytesByField(): number[] {
    return this.fields.map((f) => {
      let bytes = 0;
      for (const parts of f.partitions.values()) bytes += parts.memoryBytes;
      return bytes;
    });
  }

  /** Keeps the segment's memory alive until the returned function is called. */
  retain(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds > 0) return;
      this.freeRetired();
      if (this.disposed) this.free();
    };
  }

  encode(): Uint8Array {
    const fields = this.fields.map((f): SegmentField => {
      const field: SegmentField = { ...f.layout, vectors: f.rows ? readAll(f.rows) : f.store.view() };
      if (f.present) field.present = f.present;
      return field;
    });
    const flat = this.fields[0].flat;
    return encodeSegment({
      ids: this.ids as PointId[],
      payloads: this.payloads as StoredPayload[],
      fields,
      indexType: flat.type,
      index: flat.serialize(),
    });
  }

  vector(offset: number, field = 0): Float32Array {
    const f = this.fields[field];
    if (!f.rows) return f.store.row(offset);
    const out = new Float32Array(f.layout.dimension);
    f.rows.read([offset], out);
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.holds === 0) this.free();
  }

  private retire(parts: KeyPartitions): void {
    this.retired.push(parts);
    if (this.holds === 0) this.freeRetired();
  }

  private freeRetired(): void {
    for (const parts of this.retired) parts.dispose();
    this.retired = [];
  }

  private free(): void {
    this.freeRetired();
    for (const f of this.fields) {
      for (const parts of f.partitions.values()) parts.dispose();
      f.partitions.clear();
      if (f.current !== f.flat) f.current.dispose();
      f.current = f.flat;
      f.flat.dispose();
      f.store.dispose();
      f.rows?.close();
    }
    this.release?.();
  }
}

/** Every row of `rows`, read from the file. */
function readAll(rows: DiskRows): Float32Array {
  const out = new Float32Array(rows.count * rows.dimension);
  rows.readRange(0, rows.count, out);
  return out;
}
