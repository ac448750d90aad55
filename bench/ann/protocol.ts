/**
 * What the harness (`run.ts`) and a measuring child process (`worker.ts` for the Node
 * libraries, `faiss_runner.py` for FAISS) exchange. The task travels as one JSON argument;
 * the child writes a JSON result file and, when it ran a sweep, the ids it returned as a
 * raw little-endian i32 file of `efs.length × queryCount × k` entries (−1 where a search
 * returned fewer than k), ef-major then query-major. The Python runner mirrors these names.
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
