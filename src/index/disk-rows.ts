/**
 * Full-precision rows kept outside linear memory (in a segment file), read by offset: what
 * the on-disk indexes (`ondisk-flat-index.ts`, `ondisk-hnsw-index.ts`) re-rank and scan.
 * Indexes know nothing of files: the segment layer implements this over a file descriptor
 * (segment/ondisk-vectors.ts), or over a heap copy when the object store has no local files.
 *
 * Invariants: rows 0..count-1 never change (sealed segments are immutable); every read
 * fills `out` completely or throws; reads may run from any thread that holds the reader,
 * and asynchronous reads never block the event loop.
 */

export interface DiskRows {
  readonly dimension: number;
  readonly count: number;
  /** Reads rows `offsets` (ascending, each < count) into `out`, one after the other. */
  read(offsets: ArrayLike<number>, out: Float32Array): void;
  /** `read` without blocking the event loop. */
  readAsync(offsets: ArrayLike<number>, out: Float32Array): Promise<void>;
  /** Reads the `n` contiguous rows from `first` into `out`. */
  readRange(first: number, n: number, out: Float32Array): void;
  /** `readRange` without blocking the event loop. */
  readRangeAsync(first: number, n: number, out: Float32Array): Promise<void>;
  /** Bytes of memory the reader holds (0 for a file; the rows for a heap copy). */
  readonly memoryBytes: number;
  /** Releases the file (or the copy); no read may follow. */
  close(): void;
  /**
   * The open file and the byte position of row 0, when rows are read from a file (rows of
   * `4 · dimension` bytes follow each other): other threads of the process may read them
   * through the same descriptor while the reader is open.
   */
  readonly file?: { fd: number; position: number };
}

/**
 * `DiskRows.read` of a reader of ranges: one `readRange` per run of consecutive offsets, so
 * neighbouring rows are read together.
 */
export function readByRuns(
  rows: Pick<DiskRows, 'dimension' | 'readRange'>,
  offsets: ArrayLike<number>,
  out: Float32Array,
): void {
  for (const run of runs(offsets)) rows.readRange(run.first, run.n, out.subarray(run.at * rows.dimension));
}

/** `DiskRows.readAsync` of a reader of ranges: the runs' `readRangeAsync` calls, all in flight. */
export async function readByRunsAsync(
  rows: Pick<DiskRows, 'dimension' | 'readRangeAsync'>,
  offsets: ArrayLike<number>,
  out: Float32Array,
): Promise<void> {
  await Promise.all(
    runs(offsets).map((run) => rows.readRangeAsync(run.first, run.n, out.subarray(run.at * rows.dimension))),
  );
}

/** Runs of consecutive offsets: `n` rows from `first`, landing at position `at` of the output. */
function runs(offsets: ArrayLike<number>): { first: number; n: number; at: number }[] {
  const out: { first: number; n: number; at: number }[] = [];
  for (let i = 0; i < offsets.length; i++) {
    const last = out[out.length - 1];
    if (last && offsets[i] === last.first + last.n) last.n++;
    else out.push({ first: offsets[i], n: 1, at: i });
  }
  return out;
}

/** Rows held in the JS heap: for object stores without local files, and for tests. */
export class HeapRows implements DiskRows {
  constructor(
    private readonly rows: Float32Array,
    readonly dimension: number,
  ) {}

  get count(): number {
    return this.rows.length / this.dimension;
  }

  get memoryBytes(): number {
    return this.rows.byteLength;
  }

  read(offsets: ArrayLike<number>, out: Float32Array): void {
    const d = this.dimension;
    for (let i = 0; i < offsets.length; i++) {
      const r = offsets[i];
      out.set(this.rows.subarray(r * d, (r + 1) * d), i * d);
    }
  }

  async readAsync(offsets: ArrayLike<number>, out: Float32Array): Promise<void> {
    this.read(offsets, out);
  }

  readRange(first: number, n: number, out: Float32Array): void {
    out.set(this.rows.subarray(first * this.dimension, (first + n) * this.dimension));
  }

  async readRangeAsync(first: number, n: number, out: Float32Array): Promise<void> {
    this.readRange(first, n, out);
  }

  close(): void {}
}
