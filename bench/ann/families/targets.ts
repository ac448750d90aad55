/**
 * Issue 5's benchmark targets, checked against one data set's outcomes:
 * - IVF-Flat and IVF-PQ: single-thread QPS at equal recall ≥ 1.0× FAISS (every recall
 *   target where both curves interpolate; bounds are shown but do not decide). When no
 *   target interpolates on both sides (easy data: every point exceeds every target), it is
 *   met if Quiver is at least as fast and as accurate at every shared effort point.
 * - SQ8 (`HNSW32,SQ8` re-ranking its ef candidates): recall@10 ≥ 0.95; vector memory
 *   ≤ 0.3× float32, where the vector part of its bytes per vector is
 *   bpv(HNSW32,SQ8) − (bpv(HNSW32) − 4d), i.e. minus the graph's share measured on plain
 *   HNSW32 (whose bytes per vector include its float32 vectors); and QPS at recall 0.95
 *   ≥ plain HNSW32's (on easy data where both curves start above 0.95: met if it is as
 *   fast and as accurate at every ef).
 * - PQ (`PQ16` on the 1M × 128 set): bytes per vector ≤ 4d / 16, and recall@10 ≥ 0.9 at
 *   some re-rank depth.
 */
import { throughputRatio } from '../report.js';
import { DEFAULT_SWEEPS, type FamilyId, RERANK_EQ_EF, rerankLabel } from './plan.js';
import {
  bestRecall,
  type CurveOutcome,
  equalEffort,
  equalEffortCell,
  FAMILY_RECALL_TARGETS,
  pairs,
} from './tables.js';

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetCheck {
  target: string;
  measured: string;
  verdict: Verdict;
}

/** The data set on which the PQ memory/recall target applies. */
export const PQ_TARGET_DATASET = 'gauss-1m';

const SQ8_MEMORY_LIMIT = 0.3;
const SQ8_RECALL = 0.95;
const PQ_RECALL = 0.9;

function quiverCurve(outcomes: readonly CurveOutcome[], family: FamilyId, curve?: string) {
  return outcomes.find(
    (o) => o.lib === 'quiver' && o.family === family && (curve === undefined || o.curve === curve),
  );
}

function bytesPerVector(o: CurveOutcome | undefined): number | undefined {
  return o?.status.kind === 'measured' ? o.status.build.bytesPerVector : undefined;
}

/** Quiver ÷ FAISS at equal recall ≥ 1, per curve of `family`. */
function ratioChecks(outcomes: readonly CurveOutcome[], family: FamilyId, name: string): TargetCheck[] {
  const both = pairs(outcomes).filter((p) => p.quiver.family === family);
  if (both.length === 0) {
    return [{ target: `${name}: QPS ≥ 1.0× FAISS at equal recall`, measured: '—', verdict: 'not measured' }];
  }
  return both.map(({ quiver, faiss }) => {
    const cells = FAMILY_RECALL_TARGETS.map((r, i) => ({
      r,
      text: throughputRatio(quiver.atTarget[i], faiss.atTarget[i]),
    }));
    const exact = cells.filter((c) => /^\d/.test(c.text)).map((c) => Number(c.text));
    const effort = equalEffort(quiver, faiss);
    let verdict: Verdict = 'not measured';
    if (exact.length > 0) verdict = exact.every((x) => x >= 1) ? 'met' : 'missed';
    else if (effort?.dominates) verdict = 'met';
    return {
      target: `\`${quiver.factory}\` (${quiver.curve}): QPS ≥ 1.0× FAISS at equal recall`,
      measured:
        `${cells.map((c) => `@${c.r}: ${c.text}`).join(' · ')}; at equal effort ${equalEffortCell(effort)}` +
        (exact.length === 0 && effort?.dominates ? ': faster and as accurate at every shared point' : ''),
      verdict,
    };
  });
}

function sq8Checks(outcomes: readonly CurveOutcome[], dimension: number): TargetCheck[] {
  const sq8 = quiverCurve(outcomes, 'hnsw-sq8', RERANK_EQ_EF);
  const hnsw = quiverCurve(outcomes, 'hnsw');
  const name = `\`${sq8?.factory ?? `HNSW${DEFAULT_SWEEPS.hnswM},SQ8`}\` (${RERANK_EQ_EF})`;
  const best = sq8 ? bestRecall(sq8) : undefined;
  const checks: TargetCheck[] = [
    {
      target: `${name}: recall@10 ≥ ${SQ8_RECALL}`,
      measured: best === undefined ? '—' : `best ${best.toFixed(4)}`,
      verdict: best === undefined ? 'not measured' : best >= SQ8_RECALL ? 'met' : 'missed',
    },
  ];
  const float32 = 4 * dimension;
  const withGraph = bytesPerVector(sq8);
  const plain = bytesPerVector(hnsw);
  if (withGraph === undefined || plain === undefined) {
    checks.push({
      target: `${name}: vector memory ≤ ${SQ8_MEMORY_LIMIT}× float32`,
      measured: '—',
      verdict: 'not measured',
    });
  } else {
    // Plain HNSW's bytes per vector count its float32 vectors (as FlatIndex's do); if they
    // ever stop doing so, all of them is the graph's share.
    const graph = plain >= float32 ? plain - float32 : plain;
    const ratio = (withGraph - graph) / float32;
    checks.push({
      target: `${name}: vector memory ≤ ${SQ8_MEMORY_LIMIT}× float32`,
      measured: `(${withGraph.toFixed(1)} − ${graph.toFixed(1)} of graph) / ${float32} = ${ratio.toFixed(3)}×`,
      verdict: ratio <= SQ8_MEMORY_LIMIT ? 'met' : 'missed',
    });
  }
  const at = FAMILY_RECALL_TARGETS.indexOf(SQ8_RECALL);
  const ratio = sq8 && hnsw ? throughputRatio(sq8.atTarget[at], hnsw.atTarget[at]) : '—';
  const effort = sq8 && hnsw ? equalEffort(sq8, hnsw) : undefined;
  let verdict: Verdict = 'not measured';
  if (/^\d/.test(ratio)) verdict = Number(ratio) >= 1 ? 'met' : 'missed';
  else if (effort?.dominates) verdict = 'met';
  checks.push({
    target: `${name}: QPS ≥ \`${hnsw?.factory ?? `HNSW${DEFAULT_SWEEPS.hnswM}`}\` at recall ${SQ8_RECALL}`,
    measured: `@${SQ8_RECALL}: ${ratio}; at equal ef ${equalEffortCell(effort)}`,
    verdict,
  });
  return checks;
}

function pqChecks(outcomes: readonly CurveOutcome[], dimension: number): TargetCheck[] {
  const pq = quiverCurve(outcomes, 'pq');
  const name = `\`${pq?.factory ?? `PQ${DEFAULT_SWEEPS.pqM}`}\``;
  const limit = (4 * dimension) / 16;
  const bpv = bytesPerVector(pq);
  const reranked = pq?.points.filter((p) => p.error === undefined && p.label !== rerankLabel(0)) ?? [];
  const reaching = reranked.find((p) => p.recall >= PQ_RECALL);
  const best = reranked.length > 0 ? Math.max(...reranked.map((p) => p.recall)) : undefined;
  return [
    {
      target: `${name}: ≤ 1/16 of float32 memory (${limit} B/vector)`,
      measured: bpv === undefined ? '—' : `${bpv.toFixed(1)} B/vector`,
      verdict: bpv === undefined ? 'not measured' : bpv <= limit ? 'met' : 'missed',
    },
    {
      target: `${name} with re-ranking: recall@10 ≥ ${PQ_RECALL}`,
      measured: reaching
        ? `${reaching.recall.toFixed(4)} at ${reaching.label} (${Math.round(reaching.qps)} QPS)`
        : best === undefined
          ? '—'
          : `best ${best.toFixed(4)}`,
      verdict: best === undefined ? 'not measured' : reaching ? 'met' : 'missed',
    },
  ];
}

/** Every target that applies to the data set `name` (of `dimension`), checked. */
export function checkTargets(
  name: string,
  dimension: number,
  outcomes: readonly CurveOutcome[],
): TargetCheck[] {
  return [
    ...ratioChecks(outcomes, 'ivf-flat', 'IVF-Flat'),
    ...ratioChecks(outcomes, 'ivf-pq', 'IVF-PQ'),
    ...sq8Checks(outcomes, dimension),
    ...(name === PQ_TARGET_DATASET ? pqChecks(outcomes, dimension) : []),
  ];
}

export function targetTable(checks: readonly TargetCheck[]): string {
  const lines = ['| target | measured | verdict |', '|---|---|---|'];
  for (const c of checks) lines.push(`| ${c.target} | ${c.measured} | ${c.verdict} |`);
  return lines.join('\n');
}
