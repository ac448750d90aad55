/**
 * The rows of one vector field read in place from its segment file (`DiskRows` over a file
 * descriptor): what a sealed segment keeps of an `onDisk` field instead of its vectors.
 *
 * Invariants:
 * - The file is immutable and was verified (checksums) when the segment was loaded or
 *   written; rows are read at `sectionOffset + 4 · dimension · row` and trusted from then on.
 * - One descriptor per field per segment, opened when the segment is built and closed when
 *   its memory is freed (`close`); a file deleted meanwhile (compaction) stays readable
 *   through it until then, as POSIX keeps unlinked open files.
 * - Synchronous reads (`read`, `readRange`) block the calling thread for page-cache or disk
 *   reads of a few rows; asynchronous ones go through libuv's thread pool. Reads of
 *   neighbouring rows (ascending offsets) are merged into one read.
 */
import { closeSync, openSync, read, readSync } from 'node:fs';
import { type DiskRows, HeapRows, readByRuns, readByRunsAsync } from '../index/disk-rows.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { SegmentField } from '../storage/segment-file.js';
import { vectorSectionOffsets } from '../storage/segment-sections.js';
import type { FieldLayout } from './segment-view.js';

export class FileRows implements DiskRows {
  private fd: number;
  private readonly rowBytes: number;
  readonly memoryBytes = 0;

  constructor(
    readonly path: string,
    /** Byte offset of row 0 in the file. */
    private readonly sectionOffset: number,
    readonly count: number,
    readonly dimension: number,
  ) {
    this.rowBytes = dimension * 4;
    this.fd = openSync(path, 'r');
  }

  read(offsets: ArrayLike<number>, out: Float32Array): void {
    readByRuns(this, offsets, out);
  }

  readAsync(offsets: ArrayLike<number>, out: Float32Array): Promise<void> {
    return readByRunsAsync(this, offsets, out);
  }

  readRange(first: number, n: number, out: Float32Array): void {
    const bytes = this.bytesOf(first, n, out);
    let done = 0;
    while (done < bytes.length) {
      const got = readSync(this.fd, bytes, done, bytes.length - done, this.position(first) + done);
      if (got === 0)
        throw new RangeError(`${this.path}: rows ${first}..${first + n} lie past the end of the file`);
      done += got;
    }
  }

  async readRangeAsync(first: number, n: number, out: Float32Array): Promise<void> {
    const bytes = this.bytesOf(first, n, out);
    let done = 0;
    while (done < bytes.length) {
      const got = await new Promise<number>((resolve, reject) =>
        read(this.fd, bytes, done, bytes.length - done, this.position(first) + done, (err, n) =>
          err ? reject(err) : resolve(n),
        ),
      );
      if (got === 0)
        throw new RangeError(`${this.path}: rows ${first}..${first + n} lie past the end of the file`);
      done += got;
    }
  }

  get file(): { fd: number; position: number } | undefined {
    return this.fd < 0 ? undefined : { fd: this.fd, position: this.sectionOffset };
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private position(first: number): number {
    return this.sectionOffset + first * this.rowBytes;
  }

  /** The bytes of `out` that rows first..first+n-1 fill. @throws RangeError outside the rows. */
  private bytesOf(first: number, n: number, out: Float32Array): Uint8Array {
    if (this.fd < 0) throw new Error(`${this.path}: the segment's rows were released`);
    if (first < 0 || n < 0 || first + n > this.count || out.length < n * this.dimension) {
      throw new RangeError(`rows ${first}..${first + n} of ${this.count} do not fit the read`);
    }
    return new Uint8Array(out.buffer, out.byteOffset, n * this.rowBytes);
  }
}

/** Opens positioned reads of `count` rows of `dimension` f32 at byte `position` of one segment file. */
export type RowsOpener = (position: number, count: number, dimension: number) => DiskRows;

/**
 * How the rows of the object `key` of `store` are read in place: the store's own reader
 * when it offers one for `key` (`openRows`, an encrypted store), else a `FileRows` over its
 * local file (`localPath`), else undefined (the object is not a local file).
 */
export function rowsOpenerOf(store: ObjectStore, key: string): RowsOpener | undefined {
  const openRows = store.openRows?.bind(store);
  const probe = openRows?.(key, 0, 0, 1);
  if (openRows && probe) {
    probe.close();
    return (position, count, dimension) => {
      const rows = openRows(key, position, count, dimension);
      if (rows === undefined) throw new Error(`${key}: no longer a local file`);
      return rows;
    };
  }
  const path = store.localPath?.(key);
  if (path === undefined) return undefined;
  return (position, count, dimension) => new FileRows(path, position, count, dimension);
}

/**
 * The readers of the fields of `layout` kept on disk (undefined for the others), over the
 * segment file whose verified bytes are `bytes`: positioned reads through `opener`
 * (`rowsOpenerOf`), or, when the object store has no local file (`opener` undefined), the
 * decoded rows `fields` kept in the JS heap. If one cannot be opened, those opened are
 * closed and the error thrown.
 */
export function openFieldRows(
  opener: RowsOpener | undefined,
  bytes: Uint8Array,
  layout: readonly FieldLayout[],
  fields: readonly SegmentField[],
  rows: number,
): (DiskRows | undefined)[] {
  if (!layout.some((f) => f.onDisk)) return [];
  if (opener !== undefined)
    return openRowsAt(opener, vectorSectionOffsets(bytes, layout.length), layout, rows);
  return layout.map((f, i) => (f.onDisk ? new HeapRows(fields[i].vectors, f.dimension) : undefined));
}

/**
 * The readers (through `opener`) of the fields of `layout` kept on disk, whose `rows` rows
 * start at `offsets[i]` in the segment file (undefined for the others). If one cannot be
 * opened, those opened are closed and the error thrown.
 */
export function openRowsAt(
  opener: RowsOpener,
  offsets: readonly number[],
  layout: readonly FieldLayout[],
  rows: number,
): (DiskRows | undefined)[] {
  const out: (DiskRows | undefined)[] = [];
  try {
    for (const [i, f] of layout.entries())
      out.push(f.onDisk ? opener(offsets[i], rows, f.dimension) : undefined);
    return out;
  } catch (err) {
    for (const r of out) r?.close();
    throw err;
  }
}
