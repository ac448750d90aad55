/**
 * Turns the measurements of one data set into the Markdown tables of the ANN benchmark:
 * a summary (build times, memory, QPS at recall 0.95 and 0.99, ratios to hnswlib-node) and
 * the full ef sweep.
 */
import type { ThroughputAtRecall } from '../../src/eval/tradeoff.js';

export const RECALL_TARGETS = [0.95, 0.99] as const;

/** A build measured in its own process, or why there is none. */
export type BuildOutcome =
  | { kind: 'measured'; seconds: number; rssGrowthBytes: number }
  | { kind: 'unsupported'; reason: string }
  | { kind: 'failed'; error: string };

export interface SweepRow {
  ef: number;
  recall: number;
  /** Median, min and max QPS over the timed passes. */
  qps: number;
  qpsMin: number;
  qpsMax: number;
}

export interface LibraryOutcome {
  lib: string;
  label: string;
  /** By build thread count, in the order of `--threads`. */
  builds: Map<number, BuildOutcome>;
  /** The library's own size report, from the process that ran the sweep. */
  libraryBytes: number | null;
  libraryBytesSource: string | null;
  sweep: SweepRow[];
  /** QPS at each of RECALL_TARGETS, read off the sweep; empty when there is no sweep. */
  atTarget: ThroughputAtRecall[];
}

const REFERENCE = 'hnswlib';

export function summaryTable(outcomes: readonly LibraryOutcome[], threads: readonly number[]): string {
  const reference = outcomes.find((o) => o.lib === REFERENCE);
  const [first, ...more] = threads;
  const header = [
    'library',
    ...threads.map((t) => `build ${t}T (s)`),
    ...more.map((t) => `${t}T/${first}T`),
    `memory (MB, RSS growth, ${first}T)`,
    'index size (MB, library report)',
    ...RECALL_TARGETS.map((r) => `QPS @ recall ${r}`),
    `× hnswlib-node: build ${first}T · memory · ${RECALL_TARGETS.map((r) => `QPS@${r}`).join(' · ')}`,
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|---|${header
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  ];
  for (const o of outcomes) {
    const base = o.builds.get(first);
    const cells = [
      o.label,
      ...threads.map((t) => buildCell(o.builds.get(t))),
      ...more.map((t) => ratioOfBuilds(o.builds.get(t), base)),
      base?.kind === 'measured' ? (base.rssGrowthBytes / 1e6).toFixed(0) : '—',
      o.libraryBytes === null ? '—' : (o.libraryBytes / 1e6).toFixed(0),
      ...RECALL_TARGETS.map((_, i) => throughputCell(o.atTarget[i])),
      reference ? ratiosToReference(o, reference, first) : '—',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Rows: ef; columns: one "recall · QPS" cell per library. */
export function sweepTable(outcomes: readonly LibraryOutcome[]): string {
  const efs = [...new Set(outcomes.flatMap((o) => o.sweep.map((s) => s.ef)))].sort((a, b) => a - b);
  const header = ['ef', ...outcomes.map((o) => `${o.label}: recall@10 · QPS (min–max)`)];
  const lines = [`| ${header.join(' | ')} |`, `|---:|${outcomes.map(() => '---:').join('|')}|`];
  for (const ef of efs) {
    const cells = outcomes.map((o) => {
      const row = o.sweep.find((s) => s.ef === ef);
      return row
        ? `${row.recall.toFixed(4)} · ${formatQps(row.qps)} (${formatQps(row.qpsMin)}–${formatQps(row.qpsMax)})`
        : '—';
    });
    lines.push(`| ${ef} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function formatQps(qps: number): string {
  return Math.round(qps).toLocaleString('en');
}

function buildCell(build: BuildOutcome | undefined): string {
  if (!build) return '—';
  if (build.kind === 'measured') return build.seconds.toFixed(build.seconds < 10 ? 2 : 1);
  return build.kind === 'unsupported' ? 'n/a¹' : 'failed';
}

function ratioOfBuilds(build: BuildOutcome | undefined, base: BuildOutcome | undefined): string {
  if (build?.kind !== 'measured' || base?.kind !== 'measured') return '—';
  return `${(build.seconds / base.seconds).toFixed(2)}`;
}

/** A QPS-at-recall cell: the number, "≥ n" for a lower bound, or "not reached (best r)". */
export function throughputCell(t: ThroughputAtRecall | undefined): string {
  if (!t) return '—';
  if (t.kind === 'interpolated') return formatQps(t.qps);
  if (t.kind === 'at-least') return `≥ ${formatQps(t.qps)}`;
  return `not reached (best ${t.bestRecall.toFixed(3)})`;
}

/** "a / b / c / d" ratios to hnswlib-node; bounds where one side is only a bound. */
function ratiosToReference(o: LibraryOutcome, ref: LibraryOutcome, first: number): string {
  const build = o.builds.get(first);
  const refBuild = ref.builds.get(first);
  const parts = [
    build?.kind === 'measured' && refBuild?.kind === 'measured'
      ? (build.seconds / refBuild.seconds).toFixed(2)
      : '—',
    build?.kind === 'measured' && refBuild?.kind === 'measured'
      ? (build.rssGrowthBytes / refBuild.rssGrowthBytes).toFixed(2)
      : '—',
    ...RECALL_TARGETS.map((_, i) => throughputRatio(o.atTarget[i], ref.atTarget[i])),
  ];
  return parts.join(' · ');
}

/** a ÷ b as "1.23", "≥ 1.23" / "≤ 1.23" when one side is only a bound, "—" when not comparable. */
export function throughputRatio(
  a: ThroughputAtRecall | undefined,
  b: ThroughputAtRecall | undefined,
): string {
  if (!a || !b || a.kind === 'not-reached' || b.kind === 'not-reached') return '—';
  const ratio = (a.qps / b.qps).toFixed(2);
  if (a.kind === 'interpolated' && b.kind === 'interpolated') return ratio;
  if (a.kind === 'at-least' && b.kind === 'interpolated') return `≥ ${ratio}`;
  if (a.kind === 'interpolated' && b.kind === 'at-least') return `≤ ${ratio}`;
  return '—';
}
