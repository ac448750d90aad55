/**
 * A resumable on-disk cache of extracted feature vectors, so that a rerun of a benchmark
 * whose extraction takes tens of minutes (MobileNetV2 over 70,000 images) skips it.
 *
 * Features of one split are stored in chunks of {@link CHUNK_ROWS} consecutive rows, one file
 * per chunk, each written atomically (temporary file, then rename) once the chunk is done.
 * Hence an interrupted run loses at most one chunk, and any prefix of a split (the first
 * 10,000 training images) reuses the chunks of a longer run. The folder name is the feature
 * set's key, which names its parameters. Before cached rows of a split are used, the first
 * {@link PROBE_ROWS} are extracted again and compared with the cached ones: when they differ
 * by more than {@link PROBE_TOLERANCE} (the extracting code changed), the split's chunks are
 * deleted and extracted anew, so changed code never reuses stale vectors. (The tolerance
 * allows for float rounding that depends on how rows were batched.)
 *
 * Chunk file: "QFC1", u32 rows, u32 dimension (little-endian), f64 seconds the chunk took
 * to extract, then rows × dimension f32.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Rows per chunk file. */
export const CHUNK_ROWS = 1000;
/** Rows extracted again to check that a split's cache is still what the code computes. */
export const PROBE_ROWS = 8;
/** Largest absolute difference, per component, between a probe row and its cached copy. */
export const PROBE_TOLERANCE = 1e-4;

const MAGIC = 'QFC1';
const HEAD = 20;

/** Rows of one split, and how long extracting them took (summed over the chunks, whenever they ran). */
export interface CachedFeatures {
  /** `count × dimension` floats, row-major. */
  vectors: Float32Array;
  dimension: number;
  count: number;
  /** Seconds of extraction, as measured when each chunk was computed. */
  seconds: number;
}

/** How to compute features that are not cached. */
export interface Extractor {
  dimension: number;
  /** Loads models etc.; called once per split, before anything is extracted, outside any timing. */
  prepare(): Promise<void>;
  /** The features of rows `[start, end)`: `(end − start) × dimension` floats. */
  extract(start: number, end: number): Promise<Float32Array>;
}

/** Which rows to read: the first `count` of split `name`, which has `size` rows in all. */
export interface SplitRows {
  name: string;
  size: number;
  count: number;
}

/**
 * The first `rows.count` rows of split `rows.name` of the feature set `key`, read from
 * `dir/key/` where present and extracted (and written there) where not. Chunks are always
 * extracted whole (up to the split's end), so that a longer prefix later reuses them.
 * @throws Error when `extract` returns the wrong number of floats or a cached chunk is corrupt
 */
export async function cachedFeatures(
  dir: string,
  key: string,
  rows: SplitRows,
  extractor: Extractor,
  log: (message: string) => void,
): Promise<CachedFeatures> {
  const { name: split, size, count } = rows;
  if (count > size) throw new RangeError(`${key} ${split}: ${count} rows asked of ${size}`);
  const { dimension } = extractor;
  const folder = join(dir, key);
  mkdirSync(folder, { recursive: true });
  await extractor.prepare();
  const first = join(folder, `${split}-0.bin`);
  if (existsSync(first)) {
    const probe = Math.min(PROBE_ROWS, size);
    const cached = readChunk(first, dimension, Math.min(CHUNK_ROWS, size)).vectors;
    const fresh = await extractor.extract(0, probe);
    if (fresh.some((x, i) => !(Math.abs(x - cached[i]) <= PROBE_TOLERANCE))) {
      log(`${key} ${split}: cached rows differ from what the code computes now; extracting again`);
      for (const name of readdirSync(folder)) if (name.startsWith(`${split}-`)) rmSync(join(folder, name));
    }
  }
  const vectors = new Float32Array(count * dimension);
  let seconds = 0;
  for (let start = 0; start < count; start += CHUNK_ROWS) {
    const chunk = Math.floor(start / CHUNK_ROWS);
    const file = join(folder, `${split}-${chunk}.bin`);
    const end = Math.min(start + CHUNK_ROWS, count);
    const chunkEnd = Math.min(start + CHUNK_ROWS, size);
    let stored = existsSync(file) ? readChunk(file, dimension, chunkEnd - start) : undefined;
    if (stored === undefined) {
      const t0 = performance.now();
      const fresh = await extractor.extract(start, chunkEnd);
      const took = (performance.now() - t0) / 1000;
      if (fresh.length !== (chunkEnd - start) * dimension) {
        throw new Error(
          `${key}: extraction gave ${fresh.length} floats for ${chunkEnd - start} rows of ${dimension}`,
        );
      }
      writeChunk(file, fresh, dimension, took);
      stored = { vectors: fresh, seconds: took };
      log(`${key} ${split}: rows ${start}–${chunkEnd - 1} in ${took.toFixed(1)} s`);
    }
    vectors.set(stored.vectors.subarray(0, (end - start) * dimension), start * dimension);
    seconds += (stored.seconds * (end - start)) / (chunkEnd - start);
  }
  return { vectors, dimension, count, seconds };
}

function readChunk(
  file: string,
  dimension: number,
  rows: number,
): { vectors: Float32Array; seconds: number } {
  const bytes = readFileSync(file);
  if (
    bytes.byteLength !== HEAD + rows * dimension * 4 ||
    bytes.toString('latin1', 0, 4) !== MAGIC ||
    bytes.readUInt32LE(4) !== rows ||
    bytes.readUInt32LE(8) !== dimension
  ) {
    throw new Error(`${file}: not a feature chunk of ${rows} × ${dimension}; delete it to re-extract`);
  }
  const vectors = new Float32Array(rows * dimension);
  new Uint8Array(vectors.buffer).set(bytes.subarray(HEAD));
  return { vectors, seconds: bytes.readDoubleLE(12) };
}

function writeChunk(file: string, vectors: Float32Array, dimension: number, seconds: number): void {
  const head = Buffer.alloc(HEAD);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(vectors.length / dimension, 4);
  head.writeUInt32LE(dimension, 8);
  head.writeDoubleLE(seconds, 12);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    Buffer.concat([head, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength)]),
  );
  renameSync(tmp, file);
}
