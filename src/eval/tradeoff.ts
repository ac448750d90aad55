/**
 * Reading a speed/recall trade-off curve, as ann-benchmarks does: every configuration of an
 * index (one `ef`, one `nprobe`, …) is a point (recall, queries per second); what matters is
 * the best speed reachable at a given recall.
 */
import { InvalidArgumentError } from '../errors.js';

/** One measured configuration. */
export interface TradeoffPoint {
  recall: number;
  qps: number;
}

/** The QPS at a target recall, read off a curve. */
export type ThroughputAtRecall =
  /** The target lies between two frontier points; `qps` is interpolated linearly in recall. */
  | { kind: 'interpolated'; qps: number }
  /**
   * Every point already reaches the target: the true QPS at the target is at least `qps`,
   * the fastest point's, but the curve says no more.
   */
  | { kind: 'at-least'; qps: number }
  /** No point reaches the target; `bestRecall` is the highest recall measured. */
  | { kind: 'not-reached'; bestRecall: number };

/**
 * The Pareto frontier of `points`: the points no other point beats on both recall and QPS
 * (a point with equal recall and higher QPS, or higher recall and equal or higher QPS, beats
 * it). Returned ascending by recall, hence descending by QPS.
 * @throws InvalidArgumentError when a recall is not in [0, 1] or a QPS is not a positive finite number
 */
export function paretoFrontier(points: readonly TradeoffPoint[]): TradeoffPoint[] {
  for (const p of points) checkPoint(p);
  const byRecallDesc = [...points].sort((a, b) => b.recall - a.recall || b.qps - a.qps);
  const frontier: TradeoffPoint[] = [];
  let bestQps = 0;
  for (const p of byRecallDesc) {
    if (p.qps > bestQps) {
      frontier.push(p);
      bestQps = p.qps;
    }
  }
  return frontier.reverse();
}

/**
 * The QPS at recall `target`, read off the Pareto frontier of `points`: between the two
 * frontier points whose recalls bracket the target (r₀ < target ≤ r₁), by linear interpolation
 *   qps = qps₀ + (target − r₀) / (r₁ − r₀) · (qps₁ − qps₀);
 * a frontier point with recall exactly `target` gives its own QPS. When the lowest-recall
 * frontier point already reaches the target the answer is `at-least` its QPS; when no point
 * does, `not-reached`.
 * @example throughputAtRecall([{ recall: 0.9, qps: 1000 }, { recall: 1, qps: 500 }], 0.95)
 *   // { kind: 'interpolated', qps: 750 }
 * @throws InvalidArgumentError when `points` is empty, a point is invalid (see
 *   `paretoFrontier`), or `target` is not in [0, 1]
 */
export function throughputAtRecall(points: readonly TradeoffPoint[], target: number): ThroughputAtRecall {
  if (typeof target !== 'number' || !(target >= 0 && target <= 1)) {
    throw new InvalidArgumentError(`throughputAtRecall: target recall must be in [0, 1], got ${target}`);
  }
  if (points.length === 0) throw new InvalidArgumentError('throughputAtRecall: expected at least one point');
  const frontier = paretoFrontier(points);
  const last = frontier[frontier.length - 1];
  if (last.recall < target) return { kind: 'not-reached', bestRecall: last.recall };
  if (frontier[0].recall >= target) {
    return frontier[0].recall === target
      ? { kind: 'interpolated', qps: frontier[0].qps }
      : { kind: 'at-least', qps: frontier[0].qps };
  }
  let i = 0;
  while (frontier[i + 1].recall < target) i++;
  const [a, b] = [frontier[i], frontier[i + 1]];
  return {
    kind: 'interpolated',
    qps: a.qps + ((target - a.recall) / (b.recall - a.recall)) * (b.qps - a.qps),
  };
}

function checkPoint(p: TradeoffPoint): void {
  if (typeof p.recall !== 'number' || !(p.recall >= 0 && p.recall <= 1)) {
    throw new InvalidArgumentError(`trade-off point: recall must be in [0, 1], got ${p.recall}`);
  }
  if (typeof p.qps !== 'number' || !Number.isFinite(p.qps) || p.qps <= 0) {
    throw new InvalidArgumentError(`trade-off point: qps must be a positive finite number, got ${p.qps}`);
  }
}
