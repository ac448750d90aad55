/**
 * Shapes shared by the import file readers (`.npy`, `.npz`, `.fvecs`, `.bvecs`, `.ivecs`, `.jsonl`,
 * HDF5, Arrow IPC, Parquet).
 *
 * A reader turns a file into a stream of batches. Invariants every reader keeps:
 * - batches come in file order and are contiguous: `batch.start` is the previous batch's
 *   `start + rows`, and the first batch starts at the requested `fromRow`;
 * - every batch owns fresh arrays (nothing is reused between batches), so callers may keep them;
 * - all batches of one file have the same `dimension`; a row of another length is a
 *   `FileFormatError`, never a silently short vector;
 * - the file handle is closed when the iteration ends, whether it completes, throws or is
 *   abandoned with `break`.
 *
 * Readers depend on nothing but Node and `errors.ts`: they are usable without the engine.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Metric } from '../../db/types.js';
import { InvalidArgumentError, QuiverError } from '../../errors.js';

/** The file formats the CLI can import. */
export type VectorFormat =
  | 'npy'
  | 'npz'
  | 'fvecs'
  | 'bvecs'
  | 'ivecs'
  | 'jsonl'
  | 'hdf5'
  | 'arrow'
  | 'parquet'
  | 'faiss'
  | 'hnswlib'
  | 'annoy';

/** A JSON object as found in a JSON Lines record's `payload`. */
export type JsonObject = Record<string, unknown>;

/** A contiguous run of rows from a vector file. */
export interface VectorBatch {
  /** 0-based row number (record number for JSON Lines) of the first row in the file. */
  start: number;
  /** Number of rows in this batch (≥ 1). */
  rows: number;
  dimension: number;
  /** Row-major `rows × dimension` values. */
  vectors: Float32Array;
  /** Ids from the file (JSON Lines, an Arrow/Parquet id column); absent when ids are row numbers. */
  ids?: (string | number)[];
  /**
   * Named vectors of each row (JSON Lines records with `"vectors": { field: […] }`); a file
   * with them has `dimension` 0 and an empty `vectors`, and each field's length is the
   * collection's to check.
   */
  named?: Record<string, number[]>[];
  /** Payloads from the file (JSON Lines, Arrow/Parquet columns), `undefined` for records without one. */
  payloads?: (JsonObject | undefined)[];
  /** Bytes of the file consumed so far, for progress when the row count is not known. */
  bytesRead: number;
}

/** An opened (header-checked) vector file. Opening reads only the header, not the data. */
export interface VectorFile {
  readonly path: string;
  readonly format: VectorFormat;
  /** File size in bytes. */
  readonly bytes: number;
  /** Total rows, when the format states it up front (not JSON Lines or Arrow IPC). */
  readonly rows: number | undefined;
  /** Vector dimension, when known before reading the data (npy, fvecs). */
  readonly dimension: number | undefined;
  /** The metric the file states (a FAISS index's, an HDF5 file's `distance`), for `--create`. */
  readonly metric?: Metric;
  /**
   * Streams the file in batches of at most `batchSize` rows, starting at row `fromRow`
   * (default 0). Fixed-record formats seek straight to `fromRow`; JSON Lines reads and
   * validates the records before it.
   */
  batches(batchSize: number, fromRow?: number): AsyncGenerator<VectorBatch>;
}

/** A file that is not a well-formed vector file of its format. The message names the file. */
export class FileFormatError extends QuiverError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('INVALID_FILE', `${file}: ${reason}`);
  }
}

/** Throws `InvalidArgumentError` unless `batchSize` is a positive integer and `fromRow` a non-negative one. */
export function checkBatchArguments(batchSize: number, fromRow: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`batch size must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(fromRow) || fromRow < 0) {
    throw new InvalidArgumentError(`start row must be a non-negative integer, got ${fromRow}`);
  }
}

/**
 * Fills `target` with the bytes of `file` at `position`. `FileHandle.read` may return fewer
 * bytes than asked; this loops until full and throws `FileFormatError` if the file ends first
 * (it was truncated after its header was checked).
 */
export async function readExactly(
  handle: FileHandle,
  file: string,
  target: Uint8Array,
  position: number,
): Promise<void> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await handle.read(target, filled, target.length - filled, position + filled);
    if (bytesRead === 0) {
      throw new FileFormatError(file, `unexpected end of file at byte ${position + filled}`);
    }
    filled += bytesRead;
  }
}
