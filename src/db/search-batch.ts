/**
 * The batches behind `searchBatch`: many queries of one field, filter and `k`.
 *
 * `topKBatch` plans each segment's search once for the whole batch (the allowed rows are the
 * same for every query) and hands an index that searches batches (`searchBatchEach`, HNSW)
 * all its queries at once: they are copied into linear memory together, and one call per
 * search worker walks the graph for the queries it claims, one at a time, from a counter
 * the calls share, so that the workers (one per core) finish together whatever their speeds,
 * with one message each. Measured on 100k × 128 at ef 16 (2 cores), that answered more than
 * chunks of about 2 ms (a message each: a worker waited for its next chunk at every round
 * trip). Answers come back as views of the batch's memory, and a query's `finish` (scores,
 * hits) runs on this thread as soon as its segments have answered.
 *
 * Placement follows `SearchPlacement`'s rule for a whole call: a batch alone in the process
 * whose estimated work stays within `LONE_CALL_MAX` runs on this thread, and so do searches
 * of the growing segment (pinned) and every search in mode `here`. A larger batch alone in
 * the process, with one segment for the workers, is shared by this thread and all workers
 * but one (hnsw-shared-batch.ts): this thread claims queries from the same counter and
 * formats the answered ones between its own searches, so formatting takes no core from the
 * workers and the core of a worker still waking is not idle (measured at ef 16 on 2 cores:
 * 1.61 → 1.63–1.81× one thread's QPS over the collection-overhead runs since; the walks
 * alone, without formatting, reach 1.9–2.1×). The worker left free serves searches issued
 * meanwhile, and this thread gives the event loop a turn every `YIELD_MS`. Otherwise (concurrent calls, a saturated
 * loop, several segments) the batch goes to the workers alone, in slices of at most
 * `SLICE_BYTES` (index/hnsw-batch.ts) of queries and results and about `SLICE_WORK` of
 * estimated work per worker (about 12 ms, so that a search issued meanwhile waits no longer
 * for a worker), two in flight, so that the workers search one while this thread formats the
 * other.
 *
 * `runWindowed` serves the rankings that cannot batch (maximal marginal relevance, indexes
 * without `searchBatchEach`): a bounded number of single searches in flight. A batch of 1,000
 * queries started together keeps 1,000 calls' state alive until the last one settles, and the
 * young-generation collector copies every survivor — measured, that cost more than the
 * searches' own bookkeeping; a window of `BATCH_WINDOW` keeps every worker busy.
 *
 * Invariant: `results[i]` answers `queries[i]`, and equals what a lone `topK` of that query
 * returns (same index calls, same merge); the first failure rejects the batch, once no
 * worker reads its memory any more.
 */
import { sliceRows } from '../index/hnsw-batch.js';
import type { BatchPlacement, IndexSearchParams } from '../index/vector-index.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { SegmentView } from '../segment/segment-view.js';
import { type Candidate, candidates, candidatesAt, merged, type RowScope } from './search.js';
import { estimatedWork, LONE_CALL_MAX, SearchPlacement, TINY } from './search-placement.js';
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
  coalesced = false,
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
    // Coalesced calls (search-coalescer.ts) were concurrent: more follow, so both cores take part
    // unless the whole batch is smaller than a hand-off.
    const loneHere =
      SearchPlacement.mode === 'rule' && (coalesced ? total <= TINY : alone && total <= LONE_CALL_MAX);
    // A query's lists are dropped once it is finished: candidates kept alive until the batch
    // ends would be copied by every young-generation collection meanwhile.
    const lists: (Candidate[][] | undefined)[] = new Array(queries.length);
    const waiting = new Uint16Array(queries.length).fill(plans.length);
    const answered =
      plans.length === 1
        ? (q: number, _p: number, found: Candidate[]) => {
            results[q] = finish(found.length > k ? found.slice(0, k) : found, q);
          }
        : (q: number, p: number, found: Candidate[]) => {
            const list = (lists[q] ??= new Array<Candidate[]>(plans.length));
            list[p] = found;
            if (--waiting[q] === 0) {
              lists[q] = undefined;
              results[q] = finish(merged(list, k), q);
            }
          };
    const here = plans.map((plan) => plan.pinned || loneHere || SearchPlacement.mode === 'here');
    // This thread takes part in the workers' search of a batch alone in the process, when
    // only one of its segments goes to the workers (and a worker is left free).
    const withHere =
      SearchPlacement.mode === 'rule' &&
      (alone || coalesced) &&
      here.filter((h) => !h).length === 1 &&
      KernelWorkerPool.of('search').maxWorkers >= 2;
    await Promise.all(
      plans.map((plan, p) => {
        if (here[p]) SearchPlacement.placed.here += queries.length;
        else SearchPlacement.placed.workers += queries.length;
        return here[p]
          ? searchHere(plan, p, queries, answered)
          : searchOnWorkers(plan, p, queries, answered, withHere);
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

/**
 * Every query's search of `plan` (the call's p-th) on the search workers, in slices, its
 * segment retained meanwhile; with `withHere`, this thread searches too (see the module
 * comment).
 */
async function searchOnWorkers(
  plan: SegmentSearch,
  p: number,
  queries: readonly Float32Array[],
  answered: Answered,
  withHere: boolean,
): Promise<void> {
  const { view, index, k, allow, params } = plan;
  const release = view.retain?.();
  try {
    const searchBatch = plan.listed === undefined ? index.searchBatchEach?.bind(index) : undefined;
    if (!searchBatch) {
      await runWindowed(
        queries.map((_, q) => q),
        async (q) => answered(q, p, candidates(plan, await searchPlannedAsync(plan, queries[q]))),
      );
      return;
    }
    const workers = KernelWorkerPool.of('search').maxWorkers;
    // Queries without an answer (nothing allowed) get no call: they answer [] at the end.
    const given = new Uint8Array(queries.length);
    const slice = (from: number, size: number, how: BatchPlacement) =>
      searchBatch(
        queries.slice(from, from + size),
        k,
        allow,
        params,
        how,
        (q, nodes, distances, at, count) => {
          given[from + q] = 1;
          answered(from + q, p, candidatesAt(plan, nodes, distances, at, count));
        },
      );
    if (withHere) {
      // This thread and all workers but one: the other stays free for searches meanwhile.
      const size = sliceRows(index.dimension, k);
      for (let from = 0; from < queries.length; from += size) {
        await slice(from, size, { workers: workers - 1, here: true, busy: SearchPlacement.sharedBusy });
      }
    } else {
      // Slices bounded by SLICE_BYTES (`sliceRows`) and SLICE_WORK (see the module comment), two
      // in flight: each lane hands out its next slice before it formats the one that answered,
      // so the workers never wait for this thread's formatting.
      const byWork = Math.floor((SLICE_WORK * workers) / Math.max(1, estimatedWork(plan)));
      const size = Math.max(1, Math.min(sliceRows(index.dimension, k), byWork));
      let next = 0;
      const lane = async () => {
        while (next < queries.length) {
          const from = next;
          next += size;
          try {
            await slice(from, size, { workers, here: false });
          } catch (err) {
            next = queries.length; // the other lane ends with its slice: the segment stays retained till then
            throw err;
          }
        }
      };
      const [a, b] = await Promise.allSettled([lane(), lane()]);
      if (a.status === 'rejected') throw a.reason;
      if (b.status === 'rejected') throw b.reason;
    }
    for (let q = 0; q < queries.length; q++) if (given[q] === 0) answered(q, p, []);
  } finally {
    release?.();
  }
}
