/**
 * The measurements of the index-families benchmark on one data set, and their Markdown
 * tables: a summary (build, memory, QPS at the recall targets), Quiver ÷ FAISS at equal
 * recall, and the full sweep.
 *
 * One `CurveOutcome` is one (family, curve, library): a build measured in one process
 * gives one outcome per curve of its family (the curves share the build's facts).
 */
import { type ThroughputAtRecall, throughputAtRecall } from '../../../src/eval/tradeoff.js';
import { formatQps, throughputCell, throughputRatio } from '../report.js';
import type { FamilyId, FamilyPlan, PlotGroup } from './plan.js';

export const FAMILY_RECALL_TARGETS = [0.5, 0.8, 0.9, 0.95] as const;

export interface PointOutcome {
  label: string;
  recall: number;
  /** Median, min and max QPS over the timed passes (0 when the point failed). */
  qps: number;
  qpsMin: number;
  qpsMax: number;
  error?: string;
}

export interface BuildFacts {
  indexClass: string;
  trainingRows: number;
  trainSeconds: number;
  addSeconds: number;
  bytesPerVector: number;
  indexBytes: number;
  storeBytes: number;
  rssGrowthBytes: number;
  environment?: string;
}

export type MeasureStatus =
  | { kind: 'measured'; build: BuildFacts }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; error: string };

/** The status of a measurement whose child failed with `message`: a family not implemented yet is skipped. */
export function failureStatus(message: string): MeasureStatus {
  return /not implemented/i.test(message)
    ? { kind: 'skipped', reason: 'not implemented yet' }
    : { kind: 'failed', error: message };
}

export interface CurveOutcome {
  family: FamilyId;
  factory: string;
  group: PlotGroup;
  curve: string;
  /** `quiver` or `faiss`. */
  lib: string;
  /** Library and version. */
  label: string;
  status: MeasureStatus;
  /** In the plan's order; empty unless measured. */
  points: PointOutcome[];
  /** QPS at each of FAMILY_RECALL_TARGETS; empty when no point was measured. */
  atTarget: ThroughputAtRecall[];
}

/**
 * The outcomes of one (family, library) measurement, one per curve of `plan` that `lib`
 * runs; `points` are the measured points of every curve, matched by (curve, label).
 */
export function curveOutcomes(
  plan: FamilyPlan,
  lib: string,
  label: string,
  status: MeasureStatus,
  points: readonly (PointOutcome & { curve: string })[],
): CurveOutcome[] {
  const curves = lib === 'faiss' ? plan.curves.filter((c) => c.points.some((p) => p.faiss)) : plan.curves;
  return curves.map((c) => {
    const mine = points.filter((p) => p.curve === c.name).map(({ curve: _, ...p }) => p);
    const curve = mine.filter((p) => p.error === undefined).map((p) => ({ recall: p.recall, qps: p.qps }));
    return {
      family: plan.id,
      factory: plan.factory,
      group: plan.group,
      curve: c.name,
      lib,
      label,
      status,
      points: mine,
      atTarget:
        curve.length > 0 ? FAMILY_RECALL_TARGETS.map((target) => throughputAtRecall(curve, target)) : [],
    };
  });
}

/** The highest recall of the points measured without error, or undefined. */
export function bestRecall(o: CurveOutcome): number | undefined {
  const recalls = o.points.filter((p) => p.error === undefined).map((p) => p.recall);
  return recalls.length > 0 ? Math.max(...recalls) : undefined;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function header(names: readonly string[], leftColumns: number): string[] {
  const align = names.map((_, i) => (i < leftColumns ? '---' : '---:'));
  return [row(names), `|${align.join('|')}|`];
}

const MB = (bytes: number) => (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
const seconds = (s: number) => s.toFixed(s < 10 ? 2 : 1);

/** Build and memory cells of a status: the facts, or the reason in the first cell and dashes. */
function buildCells(status: MeasureStatus, count: number): string[] {
  if (status.kind === 'measured') {
    const b = status.build;
    return [
      seconds(b.trainSeconds),
      seconds(b.addSeconds),
      b.trainingRows === 0 ? '—' : b.trainingRows.toLocaleString('en'),
      b.bytesPerVector.toFixed(1),
      MB(b.indexBytes),
      MB(b.rssGrowthBytes),
    ];
  }
  const reason = status.kind === 'skipped' ? `skipped: ${status.reason}` : '**failed** (see notes)';
  return [reason, ...Array.from({ length: count - 1 }, () => '—')];
}

/** Rows: every (family, curve, library); build, memory, QPS at each recall target, best recall. */
export function familySummaryTable(outcomes: readonly CurveOutcome[]): string {
  const lines = header(
    [
      'index',
      'curve',
      'library',
      'train (s)',
      'add (s)',
      'training rows',
      'B/vector (encoding)',
      'index (MB)',
      'RSS growth (MB)',
      ...FAMILY_RECALL_TARGETS.map((r) => `QPS @ ${r}`),
      'best recall@10',
    ],
    3,
  );
  for (const o of outcomes) {
    const best = bestRecall(o);
    lines.push(
      row([
        `\`${o.factory}\``,
        o.curve,
        o.label,
        ...buildCells(o.status, 6),
        ...FAMILY_RECALL_TARGETS.map((_, i) => throughputCell(o.atTarget[i])),
        best === undefined ? '—' : best.toFixed(4),
      ]),
    );
  }
  return lines.join('\n');
}

/** The Quiver and FAISS outcomes of every (family, curve) both measured, in outcome order. */
export function pairs(outcomes: readonly CurveOutcome[]): { quiver: CurveOutcome; faiss: CurveOutcome }[] {
  const out: { quiver: CurveOutcome; faiss: CurveOutcome }[] = [];
  for (const quiver of outcomes.filter((o) => o.lib === 'quiver' && o.atTarget.length > 0)) {
    const faiss = outcomes.find(
      (o) => o.lib === 'faiss' && o.family === quiver.family && o.curve === quiver.curve,
    );
    if (faiss && faiss.atTarget.length > 0) out.push({ quiver, faiss });
  }
  return out;
}

/**
 * Quiver against FAISS at the same effort (the points both measured with the same label):
 * each point's QPS ratio and recall difference. On easy data every point of both curves
 * may exceed every recall target, so that equal-recall ratios are only bounds; equal effort
 * still compares the same work.
 */
export interface EqualEffort {
  points: number;
  /** Median of Quiver QPS ÷ FAISS QPS over the shared points. */
  medianRatio: number;
  /** Whether Quiver is at least as fast and at least as accurate at every shared point. */
  dominates: boolean;
  /** Min and max of Quiver recall − FAISS recall. */
  recallDelta: [number, number];
}

export function equalEffort(quiver: CurveOutcome, faiss: CurveOutcome): EqualEffort | undefined {
  const shared = quiver.points.flatMap((q) => {
    const f = faiss.points.find((p) => p.label === q.label);
    return f && q.error === undefined && f.error === undefined ? [{ q, f }] : [];
  });
  if (shared.length === 0) return undefined;
  const ratios = shared.map(({ q, f }) => q.qps / f.qps).sort((a, b) => a - b);
  const deltas = shared.map(({ q, f }) => q.recall - f.recall);
  const mid = ratios.length >> 1;
  return {
    points: shared.length,
    medianRatio: ratios.length % 2 === 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2,
    dominates: shared.every(({ q, f }) => q.qps >= f.qps && q.recall >= f.recall),
    recallDelta: [Math.min(...deltas), Math.max(...deltas)],
  };
}

/** "1.23× median over 8 points (recall Δ −0.004…+0.010)". */
export function equalEffortCell(e: EqualEffort | undefined): string {
  if (!e) return '—';
  const signed = (x: number) => {
    const text = Math.abs(x).toFixed(3);
    return `${x < 0 && text !== '0.000' ? '−' : '+'}${text}`;
  };
  return (
    `${e.medianRatio.toFixed(2)}× median over ${e.points} point${e.points === 1 ? '' : 's'} ` +
    `(recall Δ ${signed(e.recallDelta[0])}…${signed(e.recallDelta[1])})`
  );
}

/** Quiver ÷ FAISS QPS at each recall target and at equal effort, per (family, curve) both measured. */
export function ratioTable(outcomes: readonly CurveOutcome[]): string {
  const lines = header(
    ['index', 'curve', ...FAMILY_RECALL_TARGETS.map((r) => `Quiver ÷ FAISS @ ${r}`), 'at equal effort'],
    2,
  );
  for (const { quiver, faiss } of pairs(outcomes)) {
    lines.push(
      row([
        `\`${quiver.factory}\``,
        quiver.curve,
        ...FAMILY_RECALL_TARGETS.map((_, i) => throughputRatio(quiver.atTarget[i], faiss.atTarget[i])),
        equalEffortCell(equalEffort(quiver, faiss)),
      ]),
    );
  }
  return lines.join('\n');
}

/** Rows: every point of every curve; one "recall · QPS (min–max)" column per library. */
export function familySweepTable(
  outcomes: readonly CurveOutcome[],
  libs: readonly { lib: string; label: string }[],
): string {
  const lines = header(
    ['index', 'curve', 'effort', ...libs.map((l) => `${l.label}: recall@10 · QPS (min–max)`)],
    3,
  );
  const curves = [...new Map(outcomes.map((o) => [`${o.family}|${o.curve}`, o])).values()];
  for (const c of curves) {
    const sides = libs.map((l) =>
      outcomes.find((o) => o.lib === l.lib && o.family === c.family && o.curve === c.curve),
    );
    const labels = [...new Set(sides.flatMap((o) => o?.points.map((p) => p.label) ?? []))];
    for (const label of labels) {
      const cells = sides.map((o) => {
        const p = o?.points.find((x) => x.label === label);
        if (!p) return '—';
        if (p.error !== undefined) return `error: ${p.error.slice(0, 80)}`;
        return `${p.recall.toFixed(4)} · ${formatQps(p.qps)} (${formatQps(p.qpsMin)}–${formatQps(p.qpsMax)})`;
      });
      lines.push(row([`\`${c.factory}\``, c.curve, label, ...cells]));
    }
  }
  return lines.join('\n');
}

/** Footnotes: failures with their errors, and each measured build's class and set-up. */
export function familyNotes(outcomes: readonly CurveOutcome[]): string[] {
  const seen = new Set<string>();
  const notes: string[] = [];
  for (const o of outcomes) {
    const key = `${o.family}|${o.lib}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (o.status.kind === 'failed') notes.push(`\`${o.factory}\`, ${o.label}: **failed**: ${o.status.error}`);
    if (o.status.kind === 'measured') {
      const b = o.status.build;
      const store =
        b.storeBytes > 0 ? `; borrowed float32 store ${MB(b.storeBytes)} MB (not in “index”)` : '';
      const env = b.environment ? `; ${b.environment}` : '';
      notes.push(`\`${o.factory}\`, ${o.label}: ${b.indexClass}${store}${env}.`);
    }
  }
  return notes;
}
