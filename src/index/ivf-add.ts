/**
 * Indexing rows of an IVF index: each batch of store rows is assigned to its nearest
 * centroid and, for SQ8/PQ, its residuals are encoded, by `ivfEncode` in wasm, chunk by
 * chunk; then the rows are appended to the lists (`IvfLists.append`).
 *
 * Invariants: a chunk's result does not depend on the thread or chunk it runs in, so
 * `encodeStored` (build workers) and `encodeStoredSync` (this thread) give identical
 * lists; every block allocated here is freed before the call returns or settles.
 */
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { IvfCodes } from './ivf-coding.js';
import type { IvfLists } from './ivf-lists.js';
import type { VectorStore } from './vector-store.js';

/** Rows encoded per wasm call (bounds the residual scratch of each worker). */
const ENCODE_CHUNK = 16_384;

interface EncodeExports {
  ivfEncodeScratchBytes(header: number, n: number): number;
  ivfEncode(
    header: number,
    norms: number,
    rows: number,
    n: number,
    tmp: number,
    assign: number,
    codes: number,
  ): void;
}

/** What encoding needs of an IVF index: its wasm header (synced), centroid norms, codes, lists and store. */
export interface EncodeTarget {
  kern: WasmKernels;
  header: number;
  norms: number;
  codes: IvfCodes;
  lists: IvfLists;
  store: VectorStore;
}

type EncodeArgs = [number, number, number, number, number, number, number];

/**
 * Scratch for encoding store rows first..end-1 with `slots` chunks in flight: list
 * numbers, codes (SQ8/PQ; Flat lists copy the store rows) and one residual block per
 * slot. `finish` appends the encoded rows to the lists; `release` frees the scratch.
 */
function beginBatch(t: EncodeTarget, first: number, end: number, threads: number) {
  const { kern, codes, lists, store } = t;
  const exports = kern.exports as unknown as EncodeExports;
  const n = end - first;
  const d = store.dimension;
  const flat = codes.type === 'flat';
  const chunks = Math.ceil(n / ENCODE_CHUNK);
  const slots = Math.max(1, Math.min(threads, chunks));
  const scratchBytes = flat ? 0 : Math.ceil(exports.ivfEncodeScratchBytes(t.header, ENCODE_CHUNK) / 16) * 16;
  const assign = kern.alloc(n * 4);
  const out = flat ? 0 : kern.alloc(n * codes.codeBytes);
  const tmp = flat ? 0 : kern.alloc(slots * scratchBytes);
  const rows = () => store.ptr + first * d * 4;
  return {
    chunks,
    slots,
    args: (chunk: number, slot: number): EncodeArgs => {
      const at = chunk * ENCODE_CHUNK;
      const count = Math.min(ENCODE_CHUNK, n - at);
      const codesAt = flat ? 0 : out + at * codes.codeBytes;
      return [
        t.header,
        t.norms,
        rows() + at * d * 4,
        count,
        tmp + slot * scratchBytes,
        assign + at * 4,
        codesAt,
      ];
    },
    finish: () => lists.append(assign, flat ? rows() : out, n),
    release: () => {
      kern.free(tmp);
      kern.free(out);
      kern.free(assign);
    },
  };
}

/** Indexes store rows first..end-1 with up to `threads` build workers encoding chunks. */
export async function encodeStored(
  t: EncodeTarget,
  first: number,
  end: number,
  threads: number,
): Promise<void> {
  if (end <= first) return;
  const batch = beginBatch(t, first, end, threads);
  try {
    const pool = KernelWorkerPool.for(t.kern, 'build');
    let next = 0;
    const lane = async (slot: number) => {
      for (let c = next++; c < batch.chunks; c = next++) await pool.run('ivfEncode', batch.args(c, slot));
    };
    await Promise.all(Array.from({ length: batch.slots }, (_, slot) => lane(slot)));
    batch.finish();
  } finally {
    batch.release();
  }
}

/** `encodeStored` on this thread. */
export function encodeStoredSync(t: EncodeTarget, first: number, end: number): void {
  if (end <= first) return;
  const batch = beginBatch(t, first, end, 1);
  const exports = t.kern.exports as unknown as EncodeExports;
  try {
    for (let c = 0; c < batch.chunks; c++) exports.ivfEncode(...batch.args(c, 0));
    batch.finish();
  } finally {
    batch.release();
  }
}
