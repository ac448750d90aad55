/**
 * The walk of a batch of HNSW queries laid out in linear memory, shared by search-worker
 * calls and, when asked, the calling thread (`hnswSearchShared` in assembly/hnsw.ts: every
 * call claims queries one at a time from one counter, so all finish together whatever their
 * speeds).
 *
 * On a machine with as many search workers as cores, the calling thread that formats the
 * answers (scores, ids, hits) competes with the workers for the cores, and a worker woken by
 * a message starts 0.1–1 ms late. Taking part instead — this thread claims one query at a
 * time and, every `DELIVER_EVERY` of its own, hands out the queries answered so far (by it or
 * a worker) — puts that formatting between its own searches, on a core of its own, and keeps
 * both cores busy while the worker wakes. It gives the event loop a turn every `YIELD_MS`.
 *
 * Invariants:
 * - `each` is called once per query that has an answer, in query order, with views of the
 *   batch's result block, read during the call only (the block is freed after the batch).
 * - The block is not freed, and `walkShared` does not settle, before every worker call has
 *   returned, even when `each` throws or a worker fails (then the batch rejects with the
 *   first error and the unclaimed queries are given up).
 */
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { BatchAnswer } from './vector-index.js';

/** Longest stretch (ms) this thread searches and formats before it lets the event loop run. */
export const YIELD_MS = 2;

/**
 * Own searches of this thread between two hand-outs of answers: formatting answers in runs
 * keeps its code and data in cache (measured on the word vectors at ef 16: about 1.6 µs per
 * query against 2.5–3 µs when each answer was handed out after the next search).
 */
const DELIVER_EVERY = 16;

/** A query's count in the result block while it has no answer yet. */
const PENDING = 0xffffffff;

/** A batch laid out in linear memory, as `HnswIndex.searchBatchEach` prepares it. */
export interface SharedBatch {
  kern: WasmKernels;
  /** The graph header (`HnswGraph.header`, synced). */
  header: number;
  /** Scratches of the worker calls, one each. */
  workerScratches: readonly number[];
  /**
   * The scratch this thread walks with when it takes part, else undefined; asked again after
   * every turn of the event loop (a search meanwhile may have replaced it by a larger one).
   */
  hereScratch: (() => number) | undefined;
  /** `hnswSearchShared`'s arguments from `queries` to `counter`. */
  args: readonly [number, number, number, number, number, number, number, number, number];
  /** Queries, results per query (room), and where the results and counts start. */
  nq: number;
  limit: number;
  outNodes: number;
  outDist: number;
  outFound: number;
  counter: number;
  /** Told the length (ms) of each stretch this thread searched and formatted without a break. */
  busy?: (ms: number) => void;
  /** Query q's count when its walk found `got` < limit (the exact fallback). */
  complete(q: number, got: number): number;
}

/** Walks every query of `batch` (see the module comment), calling `each` with its answer. */
export async function walkShared(batch: SharedBatch, each: BatchAnswer): Promise<void> {
  const { kern, nq, limit } = batch;
  kern.u32(batch.outFound, nq).fill(PENDING);
  kern.u32(batch.counter, 1)[0] = 0;
  const pool = KernelWorkerPool.of('search');
  // Settles once every worker call has returned (not at the first failure: the others still
  // read the block), rejecting with the first failure.
  const helpers = Promise.allSettled(
    batch.workerScratches.map((s) => pool.run(kern, 'hnswSearchShared', [batch.header, s, ...batch.args, 0])),
  ).then((calls) => {
    for (const call of calls) if (call.status === 'rejected') throw call.reason;
  });
  // Sent now rather than at the end of this turn: this thread is about to search.
  if (batch.hereScratch !== undefined) pool.sendNow();
  // Handled now (it is awaited below, after this thread's share): no unhandled rejection meanwhile.
  helpers.catch(() => undefined);
  let next = 0;
  const deliver = () => {
    const found = kern.u32(batch.outFound, nq);
    const nodes = kern.u32(batch.outNodes, nq * limit);
    const distances = kern.f32(batch.outDist, nq * limit);
    for (; next < nq; next++) {
      let got = Atomics.load(found, next);
      if (got === PENDING) return;
      if (got < limit) got = batch.complete(next, got);
      each(next, nodes, distances, next * limit, got);
    }
  };
  try {
    const scratch = batch.hereScratch;
    if (scratch !== undefined) {
      const [queries, n, k, ef, allow, nodes, dists, found, counter] = batch.args;
      const search = kern.exports.hnswSearchShared;
      let s = scratch();
      let since = performance.now();
      for (let mine = 1; ; mine++) {
        const more = search(batch.header, s, queries, n, k, ef, allow, nodes, dists, found, counter, 1) > 0;
        if (mine % DELIVER_EVERY === 0) deliver();
        const stretch = performance.now() - since;
        if (!more || stretch >= YIELD_MS) batch.busy?.(stretch);
        if (!more) break;
        if (stretch >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          s = scratch();
          since = performance.now();
        }
      }
    }
  } catch (err) {
    Atomics.store(kern.u32(batch.counter, 1), 0, nq); // the workers claim nothing more
    await helpers.catch(() => undefined);
    throw err;
  }
  await helpers;
  deliver();
}
