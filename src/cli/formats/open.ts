/**
 * Opens a vector file by format, inferring the format from the extension when not given:
 * `.npy`, `.npz`, `.fvecs`, `.bvecs`, `.ivecs`, `.jsonl` / `.ndjson`, `.hdf5` / `.h5` (the
 * `train` dataset of an ann-benchmarks file), `.arrow` / `.feather` / `.arrows` (Arrow IPC),
 * `.parquet`, `.faiss` / `.index` (a FAISS index file), `.hnsw` / `.hnswlib` (an hnswlib index
 * file; other names need `--format hnswlib`), `.ann` / `.annoy` (an Annoy index file, with `--dim`)
 * (case-insensitive).
 */
import { extname } from 'node:path';
import type { Metric } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { openAnnoyFile } from './annoy-file.js';
import { openArrow } from './arrow.js';
import type { ColumnOptions } from './arrow-columns.js';
import { openFaissFile } from './faiss-file.js';
import { openFvecs } from './fvecs.js';
import { openHdf5Vectors } from './hdf5.js';
import { openHnswlibFile } from './hnswlib-file.js';
import { openJsonl } from './jsonl.js';
import { openNpy } from './npy.js';
import { openNpz } from './npz.js';
import { openParquet } from './parquet.js';
import type { VectorFile, VectorFormat } from './vector-file.js';
import { openXvecs } from './xvecs.js';

export const VECTOR_FORMATS: readonly VectorFormat[] = [
  'npy',
  'npz',
  'fvecs',
  'bvecs',
  'ivecs',
  'jsonl',
  'hdf5',
  'arrow',
  'parquet',
  'faiss',
  'hnswlib',
  'annoy',
];

/** Formats whose vector and id columns can be chosen (`--vector-column` / `--id-column`). */
export const COLUMN_FORMATS: readonly VectorFormat[] = ['npz', 'arrow', 'parquet'];

const BY_EXTENSION: Record<string, VectorFormat> = {
  '.npy': 'npy',
  '.npz': 'npz',
  '.fvecs': 'fvecs',
  '.bvecs': 'bvecs',
  '.ivecs': 'ivecs',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.hdf5': 'hdf5',
  '.h5': 'hdf5',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.feather': 'arrow',
  '.parquet': 'parquet',
  '.faiss': 'faiss',
  '.index': 'faiss',
  '.hnsw': 'hnswlib',
  '.hnswlib': 'hnswlib',
  '.ann': 'annoy',
  '.annoy': 'annoy',
};

/**
 * The format of `path` from its extension.
 * @throws InvalidArgumentError when the extension is not one of the known ones.
 */
export function formatFromPath(path: string): VectorFormat {
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new InvalidArgumentError(
      `cannot tell the format of '${path}' from its extension; use ${Object.keys(BY_EXTENSION).join(', ')}, or pass --format`,
    );
  }
  return format;
}

/** Reader options: columns (npz: `vectorColumn` is the member; Arrow / Parquet), hnswlib's space, Annoy's dimension and metric. */
export interface OpenOptions extends ColumnOptions {
  /** The space of an hnswlib file (which does not record it); default l2. */
  metric?: Metric;
  /** The dimension of an Annoy file (which does not record it). */
  dim?: number;
  /** The metric of an Annoy file (angular, euclidean, manhattan, dot, hamming; default angular). */
  annoyMetric?: string;
}

/** Opens `path` as `format` (default: from the extension). See each reader for what it checks on open. */
export async function openVectorFile(
  path: string,
  format: VectorFormat = formatFromPath(path),
  options: OpenOptions = {},
): Promise<VectorFile> {
  const columns: ColumnOptions = { vectorColumn: options.vectorColumn, idColumn: options.idColumn };
  switch (format) {
    case 'npy':
      return openNpy(path);
    case 'npz':
      return openNpz(path, columns.vectorColumn);
    case 'fvecs':
      return openFvecs(path);
    case 'bvecs':
    case 'ivecs':
      return openXvecs(path, format);
    case 'jsonl':
      return openJsonl(path);
    case 'hdf5':
      return openHdf5Vectors(path);
    case 'arrow':
      return openArrow(path, columns);
    case 'parquet':
      return openParquet(path, columns);
    case 'faiss':
      return openFaissFile(path);
    case 'hnswlib':
      return openHnswlibFile(path, options.metric);
    case 'annoy':
      return openAnnoyFile(path, options.dim, options.annoyMetric);
  }
}
