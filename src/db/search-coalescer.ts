/**
 * Concurrent `collection.search` calls answered as shared batches (issue 17: "batching of
 * concurrent calls").
 *
 * A call that arrives while another vector search of the process is in flight joins the
 * group of calls pending with the same field, `k` and index parameters; the group starts at
 * the next microtask (so calls issued together, by `Promise.all` or many callers, go
 * together) and runs as one `searchBatch` does (search-batch.ts): its queries copied into
 * linear memory at once, walked by this thread and a search worker claiming them one at a
 * time from a shared counter, each call resolved as soon as its query is answered. Calls that
 * arrive while their group's batch runs wait for it to end and go together in the next.
 * Measured against sending each call to the workers (several to a message), 32 callers each
 * awaiting its own results, the two builds interleaved pass by pass in one process (median
 * of 11 per-pass ratios): 100k × 128 mixture 1.12× / 1.28× / 1.36× the QPS at ef 16 / 64 /
 * 256, word vectors 100k × 100 1.25× / 1.21× / 1.15×, the same answers. A batch of 32 at
 * ef 16 takes 0.67–0.8 ms, where its walks alone would take 0.5 on two threads: the worker,
 * woken by a message per batch, starts late. Settling a batch as soon as every answer is
 * written, before the worker's reply, was tried and undone: the next batch's call then went
 * to the other, sleeping worker, and this thread walked every query alone.
 * The whole-section numbers: the collection-overhead section of docs/benchmarks.md.
 *
 * Only plain searches join: one vector, no filter, no text, no offset, threshold, grouping,
 * MMR or explanation (what differs between calls could not share a batch). The others, and
 * a call with nothing else in flight (`SearchPlacement.inFlight` 0: a batch running counts),
 * are placed by `SearchPlacement` as before.
 *
 * Invariants: a call's rows are those a lone call of the same query returns (the batch makes
 * the same index calls and merge; search-batch.ts); a call is settled exactly once; a failed
 * batch rejects each of its calls still unanswered with the batch's error, and a call's own
 * invalid input never reaches a batch (it is checked before it joins).
 */
import type { IndexSearchParams } from '../index/vector-index.js';
import type { RankedSearch, RankOptions } from './ranked-search.js';
import type { ScoredRow } from './text-search.js';

/** One call waiting in a group. */
interface Call {
  vector: Float32Array;
  /** Makes the call's result from its rows, while the batch still holds its segments. */
  finish: (rows: ScoredRow[]) => unknown;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

/** Calls with one key: pending for the next batch, while `running` says whether one runs. */
interface Group {
  key: string;
  field: number;
  k: number;
  rank: RankOptions;
  calls: Call[];
  running: boolean;
  scheduled: boolean;
}

/** The calls of one collection that are answered together. */
export class SearchCoalescer {
  /** Batches run and calls they answered so far, over the process (diagnostics, tests). */
  static readonly answered = { batches: 0, calls: 0 };

  private readonly groups = new Map<string, Group>();

  constructor(private readonly ranking: RankedSearch) {}

  /**
   * The key of a search that may join a group (plain: see the module comment), or undefined.
   * Calls with equal keys differ only in their query vector.
   */
  static keyOf(field: number, k: number, rank: RankOptions): string | undefined {
    if (rank.scope.filter !== undefined || rank.mmr !== undefined) return undefined;
    if (rank.window.offset !== 0 || rank.window.scoreThreshold !== undefined) return undefined;
    const p: IndexSearchParams = rank.params;
    return `${field}/${k}/${p.ef}/${p.strategy}/${p.nprobe}/${p.searchK}/${p.rerank}`;
  }

  /**
   * `finish(the rows of vector)`, answered with the other calls of `key`'s group; `finish` runs
   * as the query is answered, while the batch holds its segments (a hit's payload and vectors
   * are read then), and a `finish` that throws rejects its own call only.
   */
  add<R>(
    key: string,
    field: number,
    k: number,
    rank: RankOptions,
    vector: Float32Array,
    finish: (rows: ScoredRow[]) => R,
  ): Promise<R> {
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { key, field, k, rank, calls: [], running: false, scheduled: false };
      this.groups.set(key, group);
    }
    const g = group;
    return new Promise<R>((resolve, reject) => {
      g.calls.push({ vector, finish, resolve: resolve as (result: unknown) => void, reject });
      this.schedule(g);
    });
  }

  private schedule(g: Group): void {
    if (g.running || g.scheduled) return;
    g.scheduled = true;
    queueMicrotask(() => this.flush(g));
  }

  /** Runs the group's pending calls as one batch; afterwards the next, or forgets the group. */
  private flush(g: Group): void {
    g.scheduled = false;
    const calls = g.calls; // never empty: a group is scheduled only with calls waiting
    g.calls = [];
    g.running = true;
    SearchCoalescer.answered.batches++;
    SearchCoalescer.answered.calls += calls.length;
    const done = () => {
      g.running = false;
      if (g.calls.length > 0) this.schedule(g);
      else this.groups.delete(g.key);
    };
    let batch: Promise<unknown>;
    try {
      // rowsBatch declines MMR only, which never joins (`keyOf`).
      batch =
        this.ranking.rowsBatch(
          g.field,
          calls.map((c) => c.vector),
          g.k,
          g.rank,
          (rows, q) => {
            const call = calls[q];
            try {
              call.resolve(call.finish(rows));
            } catch (err) {
              call.reject(err);
            }
          },
          true,
        ) ?? Promise.reject(new Error('search coalescer: a batch was declined'));
    } catch (err) {
      batch = Promise.reject(err);
    }
    batch.then(done, (err) => {
      for (const c of calls) c.reject(err); // a call already resolved stays resolved
      done();
    });
  }
}
