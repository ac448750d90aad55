/**
 * One IVF query: its parameters checked and planned (probe lists or scan the allowed rows
 * exactly), and the single scratch block of an `ivfSearch` wasm call (`assembly/ivf.ts`).
 *
 * Invariant: a call allocates exactly one block (query, outputs, allow words, probe heap,
 * re-ranking heap and the coding's work area), freed by `release` once the call settles.
 */
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import type { Bitset } from './bitset.js';
import { type KernelCall, resultReader } from './index-vectors.js';
import type { IndexSearchParams } from './vector-index.js';

interface SearchExports {
  ivfScratchBytes(header: number, nprobe: number, depth: number): number;
}

export interface IvfPlan {
  /** Results wanted: min(k, allowed rows). */
  limit: number;
  /** Lists probed: min(nprobe, nlist). */
  nprobe: number;
  /** Candidates re-ranked on full vectors (0: none). */
  rerank: number;
  /** Scan the allowed rows exactly instead of probing. */
  scan: boolean;
}

/** What planning needs of the index. */
export interface IvfShape {
  size: number;
  nlist: number;
  defaultNprobe: number;
  /** Candidates re-ranked when the query gives no `rerank` (0 for Flat lists). */
  defaultRerank(k: number): number;
  /** Whether the lists hold full vectors (then `rerank` is ignored). */
  exactLists: boolean;
}

/**
 * The plan of a top-`k` query, or undefined when it has no results (k ≤ 0, empty index,
 * nothing allowed). Few allowed rows — no more than the probed lists hold on average,
 * size·nprobe/nlist — are scanned exactly: cheaper than probing, and exact.
 * @throws RangeError for an nprobe that is not a positive integer or a rerank that is not
 *   a non-negative integer.
 */
export function planIvfSearch(
  shape: IvfShape,
  k: number,
  allow?: Bitset,
  params?: IndexSearchParams,
): IvfPlan | undefined {
  const nprobe = params?.nprobe ?? shape.defaultNprobe;
  if (!Number.isInteger(nprobe) || nprobe < 1)
    throw new RangeError(`nprobe must be a positive integer, got ${nprobe}`);
  const rerank = params?.rerank;
  if (rerank !== undefined && (!Number.isInteger(rerank) || rerank < 0)) {
    throw new RangeError(`rerank must be a non-negative integer, got ${rerank}`);
  }
  const n = shape.size;
  if (k <= 0 || n === 0) return undefined;
  const allowed = allow ? allow.count() : n;
  const limit = Math.min(k, allowed);
  if (limit === 0) return undefined;
  const probes = Math.min(nprobe, shape.nlist);
  const strategy = params?.strategy ?? 'auto';
  const fewAllowed = allow !== undefined && allowed * shape.nlist <= n * probes;
  return {
    limit,
    nprobe: probes,
    rerank: shape.exactLists ? 0 : (rerank ?? shape.defaultRerank(limit)),
    scan: strategy === 'scan' || (strategy === 'auto' && fewAllowed),
  };
}

/**
 * The `ivfSearch(header, query, k, nprobe, rerank, allow, scratch, outRows, outDist)` call
 * for `query` (already normalized for COSINE), to run with `runCall` / `runCallAsync`.
 */
export function ivfSearchCall(
  kern: WasmKernels,
  header: number,
  query: Float32Array,
  plan: IvfPlan,
  allow?: Bitset,
): KernelCall {
  const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
  const k = plan.limit;
  const depth = plan.rerank > 0 ? Math.max(plan.rerank, k) : 0;
  const queryBytes = align16(query.length * 4);
  const outBytes = align16(k * 4);
  const allowBytes = allow ? align16(allow.words.length * 4) : 0;
  const scratchBytes = (kern.exports as unknown as SearchExports).ivfScratchBytes(header, plan.nprobe, depth);
  const block = kern.alloc(queryBytes + 2 * outBytes + allowBytes + scratchBytes);
  const outRows = block + queryBytes;
  const outDist = outRows + outBytes;
  const allowPtr = allow ? outDist + outBytes : 0;
  const scratch = outDist + outBytes + allowBytes;
  kern.f32(block, query.length).set(query);
  if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
  return {
    fn: 'ivfSearch',
    args: [header, block, k, plan.nprobe, plan.rerank, allowPtr, scratch, outRows, outDist],
    collect: resultReader(kern, outRows, outDist),
    release: () => kern.free(block),
  };
}
