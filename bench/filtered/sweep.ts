/**
 * Measuring one point of the filtered-search sweep (one filter, one ef) for every engine:
 * one untimed pass over all queries collects the answers (recall@k against the exact
 * filtered top-k, and the fewest results any query got), then `passes` timed passes per
 * engine, interleaved — pass p of every engine before pass p + 1 of any, the engine order
 * rotating from pass to pass — so that noise from a shared machine hits all engines alike.
 * An engine whose untimed pass took longer than `slowSeconds` gets one timed pass (its slow
 * points would otherwise take most of the run). QPS is the median pass; one query per
 * call, awaited before the next for async engines.
 */
import { recallAtK } from '../../src/eval/metrics.js';
import { median } from '../ann/measure.js';

/** Answers query `i` with at most k ids (row numbers), nearest first. */
export type Searcher = (i: number) => ArrayLike<number> | Promise<ArrayLike<number>>;

export interface EnginePoint {
  /** Whether the searcher returns promises (they are awaited one at a time). */
  async: boolean;
  search: Searcher;
}

export interface PointOutcome {
  recall: number;
  /** The fewest results a query got (k whenever k rows are allowed, if the engine keeps the contract). */
  fewest: number;
  /** QPS of every timed pass, in pass order. */
  passes: number[];
  /** The median pass. */
  qps: number;
}

async function timedPass(engine: EnginePoint, queries: number): Promise<number> {
  const started = performance.now();
  if (engine.async) for (let i = 0; i < queries; i++) await engine.search(i);
  else for (let i = 0; i < queries; i++) engine.search(i);
  return (queries * 1000) / (performance.now() - started);
}

/**
 * Measures every engine at one point; `truth[i]` is the exact top-k of query i under the
 * point's filter (fewer ids when fewer rows are allowed).
 */
export async function measurePoint(
  engines: readonly EnginePoint[],
  truth: readonly ArrayLike<number>[],
  k: number,
  passes: number,
  slowSeconds: number,
): Promise<PointOutcome[]> {
  const queries = truth.length;
  const outcomes = engines.map(() => ({
    recall: 0,
    fewest: Number.POSITIVE_INFINITY,
    passes: [] as number[],
  }));
  const wanted = engines.map(() => passes);
  for (const [e, engine] of engines.entries()) {
    let sum = 0;
    const started = performance.now();
    for (let i = 0; i < queries; i++) {
      const got = await engine.search(i);
      sum += truth[i].length === 0 ? 1 : recallAtK(got, truth[i], k);
      outcomes[e].fewest = Math.min(outcomes[e].fewest, got.length);
    }
    outcomes[e].recall = sum / queries;
    if (performance.now() - started > slowSeconds * 1000) wanted[e] = 1;
  }
  for (let p = 0; p < passes; p++) {
    for (let j = 0; j < engines.length; j++) {
      const e = (p + j) % engines.length;
      if (p < wanted[e]) outcomes[e].passes.push(await timedPass(engines[e], queries));
    }
  }
  return outcomes.map((o) => ({ ...o, qps: median(o.passes) }));
}
