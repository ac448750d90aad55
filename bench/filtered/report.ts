/**
 * The Markdown of the filtered-search benchmark: a summary of QPS at recall@10 = 0.95 per
 * filter and engine, with the ratio filtered ÷ unfiltered and the verdict on issue 6's
 * targets (recall@10 ≥ 0.95 at every selectivity; the QPS ratio ≥ 0.5 at 50% and 10%,
 * ≥ 1.0 at 1% and 0.1%), then the full sweep of every filter.
 */
import { type ThroughputAtRecall, throughputAtRecall } from '../../src/eval/tradeoff.js';
import { formatQps, throughputCell, throughputRatio } from '../ann/report.js';
import type { PointOutcome } from './sweep.js';

export const TARGET_RECALL = 0.95;

export interface SweepPointResult {
  ef: number;
  /**
   * What Quiver's planner does at this point: `scan` or `walk` of the segment
   * (`scanBeatsWalk`; `listed scan` when the scan goes over the list of rows the tag's keyword
   * index gives), `partition walk` of the filter value's partition, or undefined unfiltered.
   */
  plan: 'scan' | 'listed scan' | 'walk' | 'partition walk' | undefined;
  /** One outcome per engine, in engine order. */
  outcomes: PointOutcome[];
}

export interface CaseResult {
  /** e.g. `none` or `tags = s10 (10%)`. */
  label: string;
  allowed: number;
  /** Target of the QPS ratio to unfiltered, or undefined for the unfiltered case. */
  target: number | undefined;
  points: SweepPointResult[];
}

export type Verdict = 'met' | 'missed' | 'undetermined';

/** QPS at recall 0.95 of engine `e` over a case's sweep. */
export function atTarget(c: CaseResult, e: number): ThroughputAtRecall {
  return throughputAtRecall(
    c.points.map((p) => ({ recall: p.outcomes[e].recall, qps: p.outcomes[e].qps })),
    TARGET_RECALL,
  );
}

/**
 * Whether filtered ÷ unfiltered QPS at the target recall reaches `target`. A side known only
 * as a bound ("≥ q": its cheapest point already exceeds the recall) decides when the bound
 * does, and a filtered bound below the target counts as missed: no point of the sweep
 * reached the target.
 */
export function ratioVerdict(
  filtered: ThroughputAtRecall,
  unfiltered: ThroughputAtRecall,
  target: number,
): Verdict {
  if (filtered.kind === 'not-reached') return 'missed';
  if (unfiltered.kind === 'not-reached') return 'undetermined';
  const ratio = filtered.qps / unfiltered.qps;
  if (filtered.kind === 'interpolated' && unfiltered.kind === 'interpolated')
    return ratio >= target ? 'met' : 'missed';
  if (filtered.kind === 'at-least' && unfiltered.kind === 'interpolated')
    return ratio >= target ? 'met' : 'missed';
  if (filtered.kind === 'interpolated' && unfiltered.kind === 'at-least')
    return ratio < target ? 'missed' : 'undetermined';
  return 'undetermined';
}

function bestRecall(c: CaseResult, e: number): number {
  return Math.max(...c.points.map((p) => p.outcomes[e].recall));
}

/**
 * One row per case: allowed rows, then per engine QPS at recall 0.95 and its ratio to the
 * engine's unfiltered QPS at recall 0.95, then the targets and the first engine's verdicts.
 * `cases[0]` must be the unfiltered case.
 */
export function summaryTable(cases: readonly CaseResult[], engines: readonly string[]): string {
  const unfiltered = cases[0];
  const head = [
    'filter',
    'allowed',
    ...engines.flatMap((name) => [`${name}: QPS @ recall 0.95`, `${name}: ÷ unfiltered`]),
    `target (${engines[0]})`,
    'recall ≥ 0.95 reached',
    'QPS ratio target',
  ];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '--:')
      .join('|')}|`,
  ];
  for (const c of cases) {
    const cells = engines.flatMap((_, e) => {
      const here = atTarget(c, e);
      return [throughputCell(here), c === unfiltered ? '—' : throughputRatio(here, atTarget(unfiltered, e))];
    });
    const recallMet = bestRecall(c, 0) >= TARGET_RECALL;
    const verdict =
      c.target === undefined ? '—' : ratioVerdict(atTarget(c, 0), atTarget(unfiltered, 0), c.target);
    lines.push(
      `| ${c.label} | ${c.allowed.toLocaleString('en')} | ${cells.join(' | ')} | ` +
        `${c.target === undefined ? '—' : `≥ ${c.target.toFixed(1)}×`} | ` +
        `${recallMet ? 'met' : 'missed'} (best ${bestRecall(c, 0).toFixed(3)}) | ${verdict} |`,
    );
  }
  return lines.join('\n');
}

/** Every point of every case: the planner's choice, then recall@10 · QPS (min–max) and the fewest results per engine. */
export function sweepTable(cases: readonly CaseResult[], engines: readonly string[]): string {
  const head = [
    'filter',
    'ef',
    'index plan',
    ...engines.map((name) => `${name}: recall@10 · QPS (min–max) · fewest`),
  ];
  const lines = [`| ${head.join(' | ')} |`, `|---|--:|---|${engines.map(() => '--:').join('|')}|`];
  for (const c of cases) {
    for (const p of c.points) {
      const cells = p.outcomes.map(
        (o) =>
          `${o.recall.toFixed(4)} · ${formatQps(o.qps)} (${formatQps(Math.min(...o.passes))}–` +
          `${formatQps(Math.max(...o.passes))}) · ${o.fewest}`,
      );
      lines.push(`| ${c.label} | ${p.ef} | ${p.plan ?? '—'} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}
