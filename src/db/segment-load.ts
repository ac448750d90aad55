/**
 * Loading one sealed segment of a collection from its files: the segment file (read into
 * place in its arena when the store allows, segment-read.ts; else read whole and decoded),
 * its payload overlay, tombstones and index files (HNSW graphs read into place,
 * index-read.ts), each verified; the result is the `TombstonedSegment` the segment set holds.
 * A field kept on disk (`onDisk`) is loaded index first: its `HNSW<M>,SQ8` file gives the
 * codec, and the segment file's rows of that field then stream through scratch memory once,
 * checksummed and encoded into the index's codes as they pass (`OnDiskSq8Codes`), never kept.
 *
 * Invariants: a segment whose files disagree with its manifest entry or with the collection's
 * vector fields is refused with `CorruptDataError` naming the file, and whatever was placed
 * for it is freed; an index is used only after its integrity check passed.
 */
import { CorruptDataError } from '../errors.js';
import { deserializeIndex } from '../index/factory.js';
import { OnDiskSq8Codes } from '../index/ondisk-codes.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import type { Placement } from '../kernels/arenas.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import { openFieldRows, type RowsOpener, rowsOpenerOf } from '../segment/ondisk-vectors.js';
import { SealedSegment } from '../segment/sealed-segment.js';
import type { StoredPayload } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import { decodeIndexFile, type IndexFile } from '../storage/index-file.js';
import type { SegmentEntry } from '../storage/manifest.js';
import { decodeTombstones } from '../storage/tombstone-file.js';
import type { CollectionFiles } from './collection-files.js';
import { loadHnswInPlace } from './index-read.js';
import { checkOnDiskIndexType, loadOnDiskIndex } from './ondisk-index.js';
import { loadOverlay } from './payload-overlay-storage.js';
import type { SegmentPlacement } from './segment-placement.js';
import { type DiskFieldReads, loadSegmentInPlace, type RowsSink } from './segment-read.js';
import type { SegmentSet } from './segment-set.js';

type PayloadIndexOf = (payloads: readonly StoredPayload[]) => SegmentPayloadIndex;

/** An onDisk field's index file, read and verified before its segment file, and its key. */
type DiskIndexFile = IndexFile & { key: string };

export class SegmentLoad {
  constructor(
    private readonly files: CollectionFiles,
    private readonly placement: SegmentPlacement,
    private readonly set: SegmentSet,
  ) {}

  /**
   * Whether segment files are read into place (segment-read.ts): the store opens objects for
   * positioned reads, and, when a field is kept on disk, can read its rows in place (a local
   * file, or the store's own reader): those fields' rows are streamed through, checked and
   * encoded (their index's SQ8 codes) once, not kept; else the segment file is read whole.
   */
  get readsInPlace(): boolean {
    const store = this.files.store;
    return (
      store.openReader !== undefined &&
      (!this.set.layout.some((f) => f.onDisk) ||
        store.localPath !== undefined ||
        store.openRows !== undefined)
    );
  }

  /** The index file of each vector field that a manifest entry names. */
  indexFilesOf(entry: SegmentEntry): (string | undefined)[] {
    return this.set.layout.map((f) => (f.name === '' ? entry.index : entry.indexes?.[f.name]));
  }

  /** The sealed segment of manifest `entry` with its overlay, tombstones and indexes. */
  async load(entry: SegmentEntry): Promise<TombstonedSegment> {
    const overlay = await loadOverlay(entry, (key) => this.files.read(key));
    const payloadIndexOf: PayloadIndexOf = (payloads) =>
      this.set.payloadIndexOf(payloads.map((p, row) => overlay.payload(row, p)));
    const onDisk = this.set.layout.some((f) => f.onDisk);
    const opener = onDisk && this.readsInPlace ? rowsOpenerOf(this.files.store, entry.file) : undefined;
    // The codes of on-disk fields' indexes, encoded as their rows are read (by field).
    const codes = new Map<number, OnDiskSq8Codes>();
    const diskIndexes = opener ? await this.readDiskIndexes(entry) : undefined;
    let segment: SealedSegment;
    try {
      segment =
        this.readsInPlace && (!onDisk || opener)
          ? await this.readSegment(entry, payloadIndexOf, opener && { opener, indexes: diskIndexes!, codes })
          : this.decodeSegment(entry, payloadIndexOf, await this.files.read(entry.file));
    } catch (err) {
      for (const c of codes.values()) c.dispose();
      throw err;
    }
    try {
      if (segment.rows !== entry.rows) {
        throw new CorruptDataError(entry.file, `holds ${segment.rows} rows, the manifest says ${entry.rows}`);
      }
      const layout = this.set.layout;
      if (
        segment.fieldCount !== layout.length ||
        layout.some((f, i) => {
          const g = segment.layout(i);
          return g.name !== f.name || g.dimension !== f.dimension || g.distance !== f.distance;
        })
      ) {
        throw new CorruptDataError(entry.file, 'holds other vector fields than the collection declares');
      }
      const deleted = entry.tombstones
        ? decodeTombstones(await this.files.read(entry.tombstones), entry.tombstones, entry.id, entry.rows)
        : undefined;
      const files = this.indexFilesOf(entry);
      for (let field = 0; field < files.length; field++) {
        const file = files[field];
        const read = diskIndexes?.get(field);
        if (read) {
          const taken = codes.get(field);
          codes.delete(field);
          const { indexType, body, key } = read;
          segment.attachIndex(field, loadOnDiskIndex(segment, field, indexType, body, key, taken));
        } else if (file) segment.attachIndex(field, await this.loadIndex(file, segment, field));
      }
      const part = new TombstonedSegment(segment, entry.tombstones, deleted, overlay);
      part.indexFiles = files;
      return part;
    } catch (err) {
      for (const c of codes.values()) c.dispose();
      segment.dispose();
      throw err;
    }
  }

  /**
   * The index files of the fields of `entry` kept on disk, read whole and verified (by
   * field): read before the segment file, whose rows are encoded into their codes as they
   * pass.
   */
  private async readDiskIndexes(entry: SegmentEntry): Promise<Map<number, DiskIndexFile>> {
    const out = new Map<number, DiskIndexFile>();
    const files = this.indexFilesOf(entry);
    for (const [field, f] of this.set.layout.entries()) {
      const key = files[field];
      if (!f.onDisk || key === undefined) continue;
      const file = decodeIndexFile(await this.files.read(key), key, entry.id, entry.rows);
      checkOnDiskIndexType(file.indexType, key);
      out.set(field, { ...file, key });
    }
    return out;
  }

  /** A segment decoded from its file's bytes (read whole). */
  private decodeSegment(
    entry: SegmentEntry,
    payloadIndexOf: PayloadIndexOf,
    bytes: Uint8Array,
  ): SealedSegment {
    return this.placement.build(entry.rows, (placement) =>
      this.decodeIn(placement, entry, payloadIndexOf, bytes),
    );
  }

  private decodeIn(
    placement: Placement,
    entry: SegmentEntry,
    payloadIndexOf: PayloadIndexOf,
    bytes: Uint8Array,
  ): SealedSegment {
    return SealedSegment.decode(
      placement.kernels,
      entry.id,
      bytes,
      entry.file,
      payloadIndexOf,
      placement.release,
      (data) =>
        openFieldRows(
          rowsOpenerOf(this.files.store, entry.file),
          bytes,
          this.set.layout,
          data.fields,
          data.ids.length,
        ),
    );
  }

  /**
   * A segment read from its file into its arena (segment-read.ts); decoded from the whole
   * file in a memory that is not shared. With `disk`, the rows of fields kept on disk are
   * streamed through `opener`'s file and encoded into the codes of their indexes (`indexes`,
   * by field), which are left in `codes` for the caller to take over.
   */
  private async readSegment(
    entry: SegmentEntry,
    payloadIndexOf: PayloadIndexOf,
    disk?: {
      opener: RowsOpener;
      indexes: ReadonlyMap<number, DiskIndexFile>;
      codes: Map<number, OnDiskSq8Codes>;
    },
  ): Promise<SealedSegment> {
    const layout = this.set.layout;
    const reads: DiskFieldReads | undefined = disk && {
      layout,
      opener: disk.opener,
      start: (kernels) => {
        const sinks = new Map<number, RowsSink>();
        const made = new Map<number, OnDiskSq8Codes>();
        const abort = () => {
          for (const c of made.values()) c.dispose();
          made.clear();
          disk.codes.clear();
        };
        try {
          for (const [field, file] of disk.indexes) {
            const { dimension, distance } = layout[field];
            const codes = onDiskCodes(kernels, file.body, dimension, entry.rows, distance, file.key);
            made.set(field, codes);
            sinks.set(field, (rowsPtr, first, n) => codes.encodeRows(rowsPtr, first, n));
          }
        } catch (err) {
          abort();
          throw err;
        }
        for (const [field, c] of made) disk.codes.set(field, c);
        return { sinks, abort };
      },
    };
    const { segment, bytes } = await loadSegmentInPlace(
      this.files.store,
      entry,
      this.placement,
      payloadIndexOf,
      async (placement) => this.decodeIn(placement, entry, payloadIndexOf, await this.files.read(entry.file)),
      reads,
    );
    this.files.record(entry.file, bytes);
    return segment;
  }

  /** Reads and checks the index file `key` of `field` of `segment`. */
  private async loadIndex(key: string, segment: SealedSegment, field: number): Promise<VectorIndexRead> {
    const placed = this.readsInPlace
      ? await loadHnswInPlace(this.files.store, key, segment, field)
      : undefined;
    if (placed) this.files.record(key, placed.bytes);
    const index = placed?.index ?? (await this.decodeIndex(key, segment, field));
    try {
      if (placed) placed.index.checkIntegrity(placed.level0Checked);
      else index.checkIntegrity();
      return index;
    } catch (err) {
      index.dispose();
      throw new CorruptDataError(key, (err as Error).message);
    }
  }

  /** An index read from its whole file and deserialized. */
  private async decodeIndex(key: string, segment: SealedSegment, field: number): Promise<VectorIndexRead> {
    const file = decodeIndexFile(await this.files.read(key), key, segment.id, segment.rows);
    if (segment.diskRows(field)) return loadOnDiskIndex(segment, field, file.indexType, file.body, key);
    return deserializeIndex(
      segment.kernels,
      file.indexType,
      file.body,
      segment.store(field),
      segment.layout(field).distance,
      key,
    );
  }
}

/**
 * The codes of an on-disk field's index `body` in `kernels` (unfilled), for `rows` rows.
 * @throws CorruptDataError naming `key` when the header does not fit; RangeError when the
 * memory cannot hold them (the segment is then placed in a fresh arena).
 */
function onDiskCodes(
  kernels: Kernels,
  body: Uint8Array,
  dimension: number,
  rows: number,
  distance: DistanceKind,
  key: string,
): OnDiskSq8Codes {
  try {
    return OnDiskSq8Codes.of(kernels, body, dimension, rows, distance).codes;
  } catch (err) {
    if (err instanceof RangeError) throw err;
    throw new CorruptDataError(key, (err as Error).message);
  }
}
