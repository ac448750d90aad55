/**
 * What the harness (`run.ts`) and a measuring child process (`worker.ts` for the Node
 * libraries, `faiss_runner.py` for FAISS) exchange. The task travels as one JSON argument;
 * the child writes a JSON result file and, when it ran a sweep, the ids it returned as a
 * raw little-endian i32 file of `efs.length × queryCount × k` entries (−1 where a search
 * returned fewer than k), ef-major then query-major. The Python runner mirrors these names.
 *
 * The index-families benchmark (`families.ts`) exchanges `FamilyTask` / `FamilyResult` the
 * same way (children `families/worker.ts` and `faiss_factory_runner.py`); its ids file is
 * `points.length × queryCount × k` entries, point-major.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface WorkerTask {
  /** Library name as the harness knows it, e.g. `hnswlib`. */
  lib: string;
  dataset: string;
  dimension: number;
  /** Raw little-endian f32 files, row-major. */
  baseFile: string;
  queriesFile: string;
  M: number;
  efConstruction: number;
  /** Threads for the build. Search is always one query at a time on one thread. */
  threads: number;
  k: number;
  /** The ef values of the sweep; empty for a build-only run. */
  efs: number[];
  /** Each ef's timed passes over the whole query set repeat until both minimums are met. */
  minSeconds: number;
  minRepeats: number;
  /** Scratch folder the library may save its index into (deleted by the harness). */
  scratchDir: string;
  resultFile: string;
  idsFile: string;
}

export interface SweepPoint {
  ef: number;
  /** Queries per second of each timed pass over the whole query set. */
  qps: number[];
}

export interface WorkerResult {
  lib: string;
  /** Library and version, e.g. `hnswlib-node 3.0.0`. */
  label: string;
  threads: number;
  buildSeconds: number;
  /** Resident set size after loading the data (the baseline) and after the build, bytes. */
  rssBaselineBytes: number;
  rssAfterBuildBytes: number;
  /** The library's own account of its index size, when it has one. */
  libraryBytes: number | null;
  /** Where `libraryBytes` comes from, e.g. `index.memoryBytes` or `serialized size`. */
  libraryBytesSource: string | null;
  sweep: SweepPoint[];
}

/**
 * One point of an index-family sweep (`families.ts`): the search parameters in the form the
 * measuring library takes them — Quiver: `IndexSearchParams` fields (`nprobe`, `ef`,
 * `rerank`, `searchK`); FAISS: `nprobe`, `efSearch`, `k_factor` (the latter searches the
 * `IndexRefineFlat` wrapper, its absence the base index) — and the curve and label the
 * tables show. A (curve, label) pair names the same effort on both sides.
 */
export interface EffortPoint {
  curve: string;
  label: string;
  params: Record<string, number>;
}

/** Measure one index family with one library (Node: `families/worker.ts`; FAISS: `faiss_factory_runner.py`). */
export interface FamilyTask {
  /** `quiver` or `faiss`. */
  lib: string;
  dataset: string;
  dimension: number;
  baseFile: string;
  queriesFile: string;
  /**
   * The index to build: a Quiver factory string (`IVF1024,PQ16`); the FAISS runner gives it
   * to `faiss.index_factory`, except `LSH<bits>`, which it builds as `IndexLSH`.
   */
  factory: string;
  /** FAISS only: wrap the trained index in `IndexRefineFlat` before adding (some point has `k_factor`). */
  refine: boolean;
  /** HNSW only: candidates kept while linking (both libraries are given the same value). */
  efConstruction: number;
  /** Threads for training and adding. Search is always one query per call on one thread. */
  threads: number;
  seed: number;
  k: number;
  points: EffortPoint[];
  minSeconds: number;
  minRepeats: number;
  /** Timed passes of a point also stop once this many seconds have passed and one pass was made. */
  maxSeconds: number;
  scratchDir: string;
  resultFile: string;
  idsFile: string;
}

export interface FamilySweepPoint {
  curve: string;
  label: string;
  /** QPS of each timed pass; empty when the point failed. */
  qps: number[];
  /** Why the point could not be measured (e.g. a parameter the index rejects). */
  error?: string;
}

export interface FamilyResult {
  lib: string;
  /** Library and version, e.g. `FAISS 1.7.3`. */
  label: string;
  factory: string;
  /** The class that answered, e.g. `IvfIndex` or `IndexIVFPQ` (+ `IndexRefineFlat`). */
  indexClass: string;
  threads: number;
  /** Rows given to `train` (0 when the index needs no training). */
  trainingRows: number;
  trainSeconds: number;
  addSeconds: number;
  rssBaselineBytes: number;
  rssAfterBuildBytes: number;
  /**
   * Bytes per vector of the index's encoding — Quiver: `bytesPerVector`; FAISS: length of
   * `serialize_index` of the base index (without a refine wrapper) / rows.
   */
  bytesPerVector: number;
  /**
   * The whole index — Quiver: `memoryBytes` (it excludes the borrowed float32 store);
   * FAISS: length of `serialize_index` of the index searched (with the refine copy, if any).
   */
  indexBytes: number;
  /** Quiver: bytes of the borrowed float32 store the index re-ranks on; FAISS: 0. */
  storeBytes: number;
  /** Anything about the library's set-up a reader needs (FAISS: its factory string and BLAS). */
  environment?: string;
  sweep: FamilySweepPoint[];
}

/** Reads a raw f32 file into a `Float32Array` that owns its whole buffer (usearch needs that). */
export function readF32(file: string): Float32Array {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size % 4 !== 0) throw new Error(`${file}: ${size} bytes is not a whole number of f32`);
    const out = new Float32Array(size / 4);
    const bytes = new Uint8Array(out.buffer);
    for (let at = 0; at < size; ) {
      const read = readSync(fd, bytes, at, Math.min(size - at, 1 << 30), at);
      if (read === 0) throw new Error(`${file}: ended after ${at} of ${size} bytes`);
      at += read;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
