/**
 * Reader for HDF5 files in ann-benchmarks' layout: datasets `train` (n × d, the points),
 * `test` (q × d, the queries), `neighbors` (q × k, int, row numbers of `train` in order of
 * distance) and `distances` (q × k), and a file attribute `distance` (`euclidean`, `angular`,
 * `jaccard`, `hamming`, `dot`). Import reads `train` (ids are row numbers); the bench reads
 * the rest.
 *
 * HDF5 is read with h5wasm (libhdf5 compiled to WebAssembly, loaded only when an HDF5 file is
 * opened). Its Node build reads the file from disk through Emscripten's raw file system, and
 * rows are read as hyperslabs of one batch, so the file streams through in constant memory.
 * libhdf5 checks the superblock on open (a truncated file is refused there, before any row is
 * read); every error it reports becomes a `CorruptDataError` naming the file.
 */
import { open, stat } from 'node:fs/promises';
import type { Metric } from '../../db/types.js';
import { CorruptDataError } from '../../errors.js';
import {
  checkBatchArguments,
  FileFormatError,
  readExactly,
  type VectorBatch,
  type VectorFile,
} from './vector-file.js';

type H5 = typeof import('h5wasm/node');
type H5File = InstanceType<H5['File']>;

/** The 8-byte signature of an HDF5 superblock (at offset 0 for files written by h5py). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** ann-benchmarks' `distance` attribute values and the Quiver metric of each. */
export const ANN_METRICS: Record<string, Metric> = { euclidean: 'l2', angular: 'cosine', dot: 'ip' };

let loaded: Promise<H5> | undefined;

/** h5wasm, loaded once, with libhdf5's errors turned into exceptions (instead of stderr noise). */
function h5wasm(): Promise<H5> {
  loaded ??= (async () => {
    const h5 = await import('h5wasm/node');
    const module = await h5.ready;
    module.activate_throwing_error_handler();
    return h5;
  })();
  return loaded;
}

/** A 2-D numeric dataset of an opened HDF5 file. */
export interface Hdf5Matrix {
  readonly rows: number;
  readonly columns: number;
  /** Rows `[from, to)` as row-major float32 (integers are converted exactly up to 2^24). */
  read(from: number, to: number): Float32Array;
  /** Rows `[from, to)` as row-major int32 (for `neighbors`). */
  readInts(from: number, to: number): Int32Array;
}

/** An HDF5 file open for reading; `close()` releases libhdf5's handle. */
export interface Hdf5Dataset {
  readonly path: string;
  /** The file's `distance` attribute, when present. */
  readonly distance: string | undefined;
  /** The names of the file's top-level datasets and groups. */
  readonly names: string[];
  /**
   * The 2-D numeric dataset `name`.
   * @throws FileFormatError when it is missing or not a 2-D numeric dataset.
   */
  matrix(name: string): Hdf5Matrix;
  close(): void;
}

/**
 * Opens an HDF5 file.
 * @throws CorruptDataError when the file is not HDF5, or truncated, or libhdf5 refuses it.
 */
export async function openHdf5(path: string): Promise<Hdf5Dataset> {
  await checkSignature(path);
  const h5 = await h5wasm();
  const file = libhdf5(path, () => new h5.File(path, 'r'));
  return {
    path,
    distance: libhdf5(path, () => {
      const value = file.attrs.distance?.value;
      return typeof value === 'string' ? value : undefined;
    }),
    names: libhdf5(path, () => file.keys()),
    matrix: (name) => matrixOf(h5, file, path, name),
    close: () => file.close(),
  };
}

/**
 * Opens the `train` dataset of an ann-benchmarks HDF5 file as a vector file (ids: row numbers).
 * The file stays open until a `batches()` iteration ends or the process exits; opening reads
 * only metadata.
 */
export async function openHdf5Vectors(path: string, dataset = 'train'): Promise<VectorFile> {
  const { size } = await stat(path);
  const file = await openHdf5(path);
  let matrix: Hdf5Matrix;
  try {
    matrix = file.matrix(dataset);
  } finally {
    file.close();
  }
  const metric = file.distance === undefined ? undefined : ANN_METRICS[file.distance];
  const { rows, columns } = matrix;
  return {
    path,
    format: 'hdf5',
    bytes: size,
    rows,
    dimension: columns,
    metric,
    batches: (batchSize, fromRow = 0) => readBatches(path, dataset, batchSize, fromRow),
  };
}

async function* readBatches(
  path: string,
  dataset: string,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const file = await openHdf5(path);
  try {
    const matrix = file.matrix(dataset);
    const bytesPerRow = matrix.columns * 4;
    for (let start = fromRow; start < matrix.rows; start += batchSize) {
      const end = Math.min(matrix.rows, start + batchSize);
      yield {
        start,
        rows: end - start,
        dimension: matrix.columns,
        vectors: matrix.read(start, end),
        bytesRead: end * bytesPerRow,
      };
    }
  } finally {
    file.close();
  }
}

async function checkSignature(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < SIGNATURE.length) throw new CorruptDataError(path, `not an HDF5 file (${size} bytes)`);
    const head = new Uint8Array(SIGNATURE.length);
    await readExactly(handle, path, head, 0);
    if (!SIGNATURE.every((b, i) => head[i] === b)) {
      throw new CorruptDataError(path, 'not an HDF5 file (no HDF5 signature at byte 0)');
    }
  } finally {
    await handle.close();
  }
}

function matrixOf(h5: H5, file: H5File, path: string, name: string): Hdf5Matrix {
  const node = libhdf5(path, () => (file.keys().includes(name) ? file.get(name) : null));
  if (!(node instanceof h5.Dataset)) {
    throw new FileFormatError(
      path,
      `no dataset '${name}' (ann-benchmarks files have train, test, neighbors)`,
    );
  }
  const shape = node.shape;
  const type = node.metadata.type;
  // libhdf5's type classes: 0 integer, 1 float.
  if (shape === null || shape.length !== 2 || (type !== 0 && type !== 1)) {
    throw new FileFormatError(
      path,
      `dataset '${name}' must be a 2-D numeric array, found shape ${JSON.stringify(shape)} of ${node.dtype}`,
    );
  }
  const [rows, columns] = shape;
  const slice = (from: number, to: number) =>
    libhdf5(path, () => node.slice([[from, to], []])) as ArrayLike<number | bigint>;
  return {
    rows,
    columns,
    read: (from, to) => {
      const values = slice(from, to);
      return values instanceof Float32Array ? values : Float32Array.from(values, Number);
    },
    readInts: (from, to) => Int32Array.from(slice(from, to), Number),
  };
}

/** Runs a libhdf5 call, turning the exception its error handler throws into `CorruptDataError`. */
function libhdf5<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    throw new CorruptDataError(path, `HDF5: ${lastReason(String(error))}`);
  }
}

/** The innermost reason of an HDF5 error stack (`… in H5F__super_read(): truncated file: …`). */
function lastReason(stack: string): string {
  const reasons = [...stack.matchAll(/ in [\w.]+\(\): (.+)/g)].map((m) => m[1].trim());
  return reasons.at(-1) ?? stack.split('\n')[0];
}
