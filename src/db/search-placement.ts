/**
 * Where a segment search runs: on the calling thread or on a search worker.
 *
 * Handing a search to a worker costs a message each way and a wake-up: measured on the
 * reference machine (2 cores, `pool.run` of a trivial kernel), 20–45 µs per call awaited one
 * at a time (0.1–0.3 ms when the worker has gone to sleep), 1.5–6 µs per call when 64 calls are
 * in flight and share messages (`KernelWorkerPool` sends the calls queued in one turn of the
 * event loop together). An HNSW walk at ef 16 over 128-d vectors takes about 35 µs, so a worker
 * only pays when it runs in parallel with other work. The rule, per `collection.search` call:
 *
 * 1. **A lone call runs here.** When no other vector search of the process is in flight
 *    (`SearchPlacement.begin` counts them; a call answered here counts until the next
 *    microtask, when its caller has the result) and the event loop is not saturated, a worker
 *    could only add its hand-off: the call's segment searches run on the calling thread, one
 *    after the other, as long as their estimated total stays within `LONE_CALL_MAX` (about
 *    2 ms, so the event loop is never held longer); a larger call sends its segment searches
 *    to the workers (in parallel, the event loop stays free), except tiny ones.
 * 2. **Concurrent calls run on the workers**: when another search is in flight, the calls are
 *    arriving faster than one thread answers them, and the workers (one per core, several
 *    searches to a message) use every core while this thread parses, merges and formats.
 *    Searches estimated under `TINY` (about 25 µs, less than their share of a hand-off) still
 *    run here. Plain concurrent searches (one vector, no filter, no text; search-coalescer.ts)
 *    do not come here one by one: they are answered together, as a `searchBatch` of the calls
 *    pending with the same `k` and parameters, which this thread walks with a worker.
 * 3. **A saturated event loop counts as concurrency.** Requests of a server arrive one per
 *    turn of the event loop, each answered before the next begins, so they never overlap; but
 *    when the loop was busy at least `SATURATED` of the last sampling period (25 ms, measured
 *    with `performance.eventLoopUtilization` by a timer that runs while searches do), the
 *    calling thread is the bottleneck and lone calls are placed as concurrent ones. A sample
 *    older than two periods does not count: the loop has been held by one long task, such as
 *    a caller awaiting search after search within one turn, which gains nothing from a worker;
 *    nor does the sample that ends such a stretch (its period lasted more than two). The time
 *    this thread spends searching its own share of a `searchBatch` (search-batch.ts) is not
 *    counted as load: it would make the batch's next call look concurrent.
 *
 * Estimates are coarse, in vector-component operations (`estimatedWork`): one distance
 * over d dimensions costs d; an exact scan of r rows r·d; an HNSW walk with ef candidates
 * about (64·ef + 1024)·d (from timings: 128-d, M 16, 100k rows took about 33, 67 and 310 µs
 * at ef 16, 64 and 256, some 2k, 4k and 19k distances at 16 ns each); an IVF probe nprobe/nlist of the rows plus the centroids; other
 * approximate indexes an eighth of their rows. At about 8 operations per nanosecond (wasm
 * SIMD, 16 ns per 128-d distance), `TINY` and `LONE_CALL_MAX` are 2·10⁵ and 1.6·10⁷.
 *
 * Both places call the same index code (`search` here, `searchAsync` on a worker, which run
 * the same wasm functions over the same memory), so results and their order do not depend on
 * the placement.
 */
import { HNSW_DEFAULTS, HnswIndex } from '../index/hnsw-index.js';
import { HnswSq8Index } from '../index/hnsw-sq8-index.js';
import type { IndexSearchParams, VectorIndexRead } from '../index/vector-index.js';

/** Estimated work under which a search always runs on the calling thread (~25 µs). */
export const TINY = 200_000;
/** Estimated work of a lone call that still runs on the calling thread (~2 ms). */
export const LONE_CALL_MAX = 16_000_000;

/** Event-loop utilization (busy share of a sampling period) from which the loop counts as saturated. */
export const SATURATED = 0.9;
/** Period of the utilization samples (ms). */
const SAMPLE_MS = 25;
/** Periods without a search after which the sampler stops (it restarts with the next call). */
const IDLE_PERIODS = 40;

/** Vector searches (`topK` calls) of the process in flight: begun, not yet settled. */
let inFlight = 0;

/** The event loop's recent load, sampled while searches run (rule 3 of the module comment). */
const loop = {
  sampler: undefined as ReturnType<typeof setInterval> | undefined,
  last: performance.eventLoopUtilization(),
  sampledAt: 0,
  busy: false,
  /** Time (ms) this thread spent searching its share of batches since the last sample (`SearchPlacement.sharedBusy`). */
  sharedMs: 0,
  callsSinceSample: 0,
  quietPeriods: 0,
};

function sampleLoop(): void {
  const now = performance.eventLoopUtilization();
  const { active, idle } = performance.eventLoopUtilization(now, loop.last);
  const at = performance.now();
  // A period stretched past two by a task that held the loop meanwhile is the long-task case
  // of rule 3, not saturation: the sample that ends it does not count either.
  const held = at - loop.sampledAt > 2 * SAMPLE_MS;
  loop.busy = !held && active - loop.sharedMs >= SATURATED * (active + idle);
  loop.sharedMs = 0;
  loop.last = now;
  loop.sampledAt = at;
  loop.quietPeriods = loop.callsSinceSample === 0 ? loop.quietPeriods + 1 : 0;
  loop.callsSinceSample = 0;
  if (loop.quietPeriods >= IDLE_PERIODS) {
    clearInterval(loop.sampler);
    loop.sampler = undefined;
  }
}

/** Whether the event loop is saturated now (a fresh sample said so); starts the sampler if it sleeps. */
function loopSaturated(): boolean {
  loop.callsSinceSample++;
  if (loop.sampler === undefined) {
    loop.last = performance.eventLoopUtilization();
    loop.sampledAt = performance.now();
    loop.busy = false;
    loop.quietPeriods = 0;
    loop.sampler = setInterval(sampleLoop, SAMPLE_MS);
    loop.sampler.unref();
    return false;
  }
  return loop.busy && performance.now() - loop.sampledAt < 2 * SAMPLE_MS;
}

/** A segment search to place: its index and what it is asked. */
export interface PlannedSearch {
  index: VectorIndexRead;
  k: number;
  params: IndexSearchParams;
  /** Rows it may return at most (the allowed rows' upper bound, or the segment's rows). */
  rows: number;
  /** Must run on the calling thread: its segment may change meanwhile (the growing segment). */
  pinned: boolean;
}

/** Where searches run: by the rule, or all in one place (tests and benchmarks comparing the two). */
export type PlacementMode = 'rule' | 'here' | 'workers';

/**
 * The placement of vector search calls: `begin` when a call starts (it tells whether the call
 * is alone), `place` its segment searches, `end` once it settles. One object for the process,
 * so that a call allocates nothing for it.
 */
export const SearchPlacement = {
  /**
   * `rule` (the default) places searches by the rule of the module comment; `here` and
   * `workers` put every search that may move in one place, so that tests can compare the two
   * paths' results and benchmarks their speed. Pinned searches stay here in every mode.
   */
  mode: 'rule' as PlacementMode,

  /** Segment searches placed so far on this thread and on workers (diagnostics, tests). */
  placed: { here: 0, workers: 0 },

  /** Vector searches in flight now. */
  get inFlight(): number {
    return inFlight;
  },

  /**
   * Starts a call, in flight until `end`; returns whether it is alone: no other call in
   * flight and the event loop not saturated (rules 1 and 3 of the module comment).
   */
  begin(): boolean {
    const saturated = loopSaturated();
    return inFlight++ === 0 && !saturated;
  },

  /**
   * Records `ms` this thread spent searching its share of a batch (search-batch.ts): not
   * counted as the event loop's load by rule 3, since it is the batch's own work, which would
   * otherwise make the batch's next call look concurrent.
   */
  sharedBusy(ms: number): void {
    loop.sharedMs += ms;
  },
  /** Ends a call started by `begin`. */
  end(): void {
    inFlight--;
  },

  /**
   * For each of a call's segment searches, whether it runs on the calling thread (true) or
   * on a worker (false), by the rule of the module comment (or `mode`); `alone` is what
   * `begin` returned.
   */
  place(searches: readonly PlannedSearch[], alone: boolean): boolean[] {
    const here = new Array<boolean>(searches.length);
    const mode = SearchPlacement.mode;
    let total = 0;
    if (mode === 'rule' && alone) for (const s of searches) total += estimatedWork(s);
    const loneHere = mode === 'rule' && alone && total <= LONE_CALL_MAX;
    let onWorkers = 0;
    for (let i = 0; i < searches.length; i++) {
      const s = searches[i];
      here[i] = s.pinned || loneHere || (mode === 'rule' ? estimatedWork(s) <= TINY : mode === 'here');
      if (!here[i]) onWorkers++;
    }
    SearchPlacement.placed.here += searches.length - onWorkers;
    SearchPlacement.placed.workers += onWorkers;
    return here;
  },
};

/** Coarse vector-component operations of a search (see the module comment). */
export function estimatedWork(s: PlannedSearch): number {
  const { index, k, params, rows } = s;
  const d = index.dimension;
  if (index.type === 'flat' || params.strategy === 'scan') return rows * d;
  if (index instanceof HnswIndex || index instanceof HnswSq8Index) {
    const ef = Math.max(params.ef ?? (index instanceof HnswIndex ? index.options.ef : HNSW_DEFAULTS.ef), k);
    return Math.min(rows, 64 * ef + 1024) * d;
  }
  const ivf = index as Partial<{ nlist: number; defaultNprobe: number }>;
  if (typeof ivf.nlist === 'number' && typeof ivf.defaultNprobe === 'number') {
    const nprobe = Math.min(params.nprobe ?? ivf.defaultNprobe, ivf.nlist);
    return ((rows * nprobe) / ivf.nlist + ivf.nlist) * d;
  }
  return (rows / 8) * d;
}
