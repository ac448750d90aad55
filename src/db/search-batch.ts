/**
 * The batches behind `searchBatch`: many queries of one field, filter and `k`.
 *
 * `topKBatch` plans each segment's search once for the whole batch (the allowed rows are the
 * same for every query) and hands an index that searches batches (`searchBatchAsync`, HNSW)
 * all its queries at once: they are copied into linear memory together, and one call per
 * search worker walks the graph for the queries it claims, one at a time, from a counter
 * the calls share, so that the workers (one per core) finish together whatever their speeds,
 * with one message each. Measured on 100k × 128 at ef 16 (2 cores), that answered more than
 * chunks of about 2 ms (a message each: a worker waited for its next chunk at every round
 * trip). A batch goes in slices of at most `SLICE_BYTES` (index/hnsw-batch.ts) of queries and results and about
 * `SLICE_WORK` of estimated work per worker (about 12 ms, so that a search issued meanwhile
 * waits no longer for a worker), two in flight: the next slice is handed out as soon as one
 * answers, before this thread formats it, so the workers go on while it does. A query's `finish` (scores, hits) runs on this thread as soon
 * as its segments have answered.
 *
 * Placement follows `SearchPlacement`'s rule for a whole call: a batch alone in the process
 * whose estimated work stays within `LONE_CALL_MAX` runs on this thread, and so do searches
 * of the growing segment (pinned) and every search in mode `here`.
 *
 * `runWindowed` serves the rankings that cannot batch (maximal marginal relevance, indexes
 * without `searchBatchAsync`): a bounded number of single searches in flight. A batch of 1,000
 * queries started together keeps 1,000 calls' state alive until the last one settles, and the
 * young-generation collector copies every survivor — measured, that cost more than the
 * searches' own bookkeeping; a window of `BATCH_WINDOW` keeps every worker busy.
 *
 * Invariant: `results[i]` answers `queries[i]`, and equals what a lone `topK` of that query
 * returns (same index calls, same merge); the first failure rejects the batch.
 */
import { sliceRows } from '../index/hnsw-batch.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { SegmentView } from '../segment/segment-view.js';
import { type Candidate, candidates, merged, type RowScope } from './search.js';
import { estimatedWork, LONE_CALL_MAX, SearchPlacement } from './search-placement.js';
import { planSegmentSearch, type SegmentSearch, searchPlanned, searchPlannedAsync } from './search-plan.js';

/** Calls of one windowed batch in flight at most: a message of 32 searches for each of 2 workers (measured: 16 to 256 in flight, 64 spent the least on garbage collection and answered the most). */
export const BATCH_WINDOW = 64;

/**
 * Estimated work of one slice per worker (vector-component operations, about 12 ms; see
 * search-placement.ts): a search issued while a batch runs waits at most about that long
 * for a worker.
 */
export const SLICE_WORK = 100_000_000;

/** `run(input)` for every input, at most `window` in flight, results in input order. */
export async function runWindowed<I, R>(
  inputs: readonly I[],
  run: (input: I) => R | Promise<R>,
  window = BATCH_WINDOW,
): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < inputs.length; i = next++) results[i] = await run(inputs[i]);
  };
  await Promise.all(Array.from({ length: Math.min(window, inputs.length) }, lane));
  return results;
}

/**
 * `finish(the k best allowed rows of field for queries[q], q)` for each query, over `views`
 * (see the module comment); `finish` runs as soon as a query's segments have all answered
 * (while other chunks are still searched), and the results are its values in query order.
 */
export async function topKBatch<R>(
  views: readonly SegmentView[],
  field: number,
  queries: readonly Float32Array[],
  k: number,
  scope: RowScope,
  params: IndexSearchParams,
  finish: (found: Candidate[], q: number) => R,
): Promise<R[]> {
  const alone = SearchPlacement.begin();
  try {
    const plans: SegmentSearch[] = [];
    for (const view of views) {
      const plan = planSegmentSearch(view, field, k, scope, params);
      if (plan) plans.push(plan);
    }
    const results = new Array<R>(queries.length);
    if (plans.length === 0) {
      for (let q = 0; q < queries.length; q++) results[q] = finish([], q);
      return results;
    }
    let total = 0;
    for (const plan of plans) total += estimatedWork(plan) * queries.length;
    const loneHere = SearchPlacement.mode === 'rule' && alone && total <= LONE_CALL_MAX;
    const lists = queries.map(() => new Array<Candidate[]>(plans.length));
    const waiting = new Uint16Array(queries.length).fill(plans.length);
    const answered = (q: number, p: number, found: Candidate[]) => {
      lists[q][p] = found;
      if (--waiting[q] === 0) results[q] = finish(merged(lists[q], k), q);
    };
    await Promise.all(
      plans.map((plan, p) => {
        const here = plan.pinned || loneHere || SearchPlacement.mode === 'here';
        if (here) SearchPlacement.placed.here += queries.length;
        else SearchPlacement.placed.workers += queries.length;
        return here ? searchHere(plan, p, queries, answered) : searchOnWorkers(plan, p, queries, answered);
      }),
    );
    return results;
  } finally {
    SearchPlacement.end();
  }
}

/** Receives query q's candidates from the search of plan p. */
type Answered = (q: number, p: number, found: Candidate[]) => void;

/** Every query's search of `plan` (the call's p-th) on this thread. */
function searchHere(
  plan: SegmentSearch,
  p: number,
  queries: readonly Float32Array[],
  answered: Answered,
): void {
  for (let q = 0; q < queries.length; q++) answered(q, p, candidates(plan, searchPlanned(plan, queries[q])));
}

/** Every query's search of `plan` (the call's p-th) on the search workers, in chunks; its segment retained meanwhile. */
async function searchOnWorkers(
  plan: SegmentSearch,
  p: number,
  queries: readonly Float32Array[],
  answered: Answered,
): Promise<void> {
  const { view, index, k, allow, params } = plan;
  const release = view.retain?.();
  try {
    const searchBatch = plan.listed === undefined ? index.searchBatchAsync?.bind(index) : undefined;
    if (!searchBatch) {
      await runWindowed(
        queries.map((_, q) => q),
        async (q) => answered(q, p, candidates(plan, await searchPlannedAsync(plan, queries[q]))),
      );
      return;
    }
    // Slices bounded by SLICE_BYTES (`sliceRows`) and SLICE_WORK (see the module comment), two in flight.
    const workers = KernelWorkerPool.of('search').maxWorkers;
    const byWork = Math.floor((SLICE_WORK * workers) / Math.max(1, estimatedWork(plan)));
    const size = Math.max(1, Math.min(sliceRows(index.dimension, k), byWork));
    let next = 0;
    /** The next slice's search, handed to the workers now; undefined when none is left. */
    const start = () => {
      if (next >= queries.length) return undefined;
      const from = next;
      next += size;
      return { from, found: searchBatch(queries.slice(from, from + size), k, allow, params, workers) };
    };
    // Each lane hands out its next slice before it formats the one that answered, so the
    // workers never wait for this thread's formatting.
    const lane = async () => {
      for (let slice = start(); slice !== undefined; ) {
        const found = await slice.found;
        const { from } = slice;
        slice = start();
        try {
          for (let i = 0; i < found.length; i++) answered(from + i, p, candidates(plan, found[i]));
        } catch (err) {
          slice?.found.catch(() => undefined); // the batch rejects with err; this slice is not awaited
          throw err;
        }
      }
    };
    await Promise.all([lane(), lane()]);
  } finally {
    release?.();
  }
}
