/**
 * How the console words a hit's `explain` object (see the server's `HitExplanation`): the
 * search path in a phrase, numbers at a readable precision, and the fusion arithmetic with
 * each branch's numbers put into its formula.
 *
 * Invariants: nothing here recomputes a score the server did not send; a written-out formula
 * is shown only when its numbers give the contribution the server sent (the sums shown are
 * sums of the server's own contributions, in the server's order, so they equal its score).
 */
import type {
  FusionBranchExplanation,
  FusionExplanation,
  HitExplanation,
  SearchPathExplanation,
} from '../api/types.js';

/** A number at six significant digits (integers as they are, very large or small ones in e-notation). */
export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(4);
  return String(Number(x.toPrecision(6)));
}

const METHOD_LABELS: Record<SearchPathExplanation['method'], string> = {
  'exact-scan': 'exact scan',
  'graph-walk': 'graph walk',
  'ivf-probe': 'IVF lists probed',
  'ivf-fallback-scan': 'IVF fallback: exact scan',
  'quantized-scan': 'quantized scan',
  lsh: 'LSH buckets',
  annoy: 'Annoy trees',
};

/** The path in a phrase: `graph walk (ef 64, M 16)`, `IVF lists probed (8 of 64)`, `exact scan`. */
export function pathPhrase(path: SearchPathExplanation): string {
  const label = METHOD_LABELS[path.method] ?? path.method;
  const knobs: string[] = [];
  if (path.ef !== undefined) knobs.push(`ef ${path.ef}`);
  if (path.M !== undefined) knobs.push(`M ${path.M}`);
  if (path.nprobe !== undefined)
    knobs.push(path.nlist === undefined ? `nprobe ${path.nprobe}` : `${path.nprobe} of ${path.nlist}`);
  if (path.searchK !== undefined) knobs.push(`search_k ${path.searchK}`);
  return knobs.length === 0 ? label : `${label} (${knobs.join(', ')})`;
}

/** The segment searched: `sealed segment 3 (position 1): 100 rows, 98 live`. */
export function segmentPhrase(segment: SearchPathExplanation['segment']): string {
  const name = segment.id === undefined ? `${segment.kind} segment` : `${segment.kind} segment ${segment.id}`;
  return `${name} (position ${segment.position}): ${segment.rows} rows, ${segment.liveRows} live`;
}

/** One line for the closed panel: the kind, the path and the deciding number. */
export function explainSummary(explain: HitExplanation): string {
  const parts: string[] = [explain.kind];
  if (explain.path !== undefined) parts.push(pathPhrase(explain.path));
  if (explain.path?.partition !== undefined) parts.push(`partition ${explain.path.partition.key}`);
  if (explain.fusion !== undefined) parts.push(`${explain.fusion.method} fusion`);
  else if (explain.text !== undefined) parts.push(`BM25 over ${explain.text.terms.length} terms`);
  const conditions = explain.filter?.conditions.length;
  if (conditions !== undefined)
    parts.push(conditions === 1 ? '1 filter condition' : `${conditions} filter conditions`);
  return parts.join(' · ');
}

/** The fusion formula in words (`rrf: Σ weight / (60 + rank)`). */
export function fusionFormula(fusion: FusionExplanation): string {
  if (fusion.method === 'rrf') return `rrf: score = Σ weight / (${fusion.rrfK ?? 60} + rank)`;
  if (fusion.method === 'dbsf')
    return 'dbsf: score = Σ weight · (s − low) / width, with low = μ − 3σ and width = 6σ of the branch’s list';
  return 'weighted: score = Σ weight · (s − min) / (max − min) of the branch’s list (max − s for distances)';
}

/** Whether `value` is `expected` as far as the float arithmetic of a formula can say. */
function agrees(value: number, expected: number): boolean {
  return Math.abs(value - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

/**
 * A branch's contribution written out with its numbers (`1 / (60 + 2) = 0.016129`), or how
 * it came to nothing (`not in this branch’s 10 hits: 0`). For dbsf and weighted the direction
 * of the branch's scores (higher or lower is better) is not in the explanation: the written
 * form is the one whose numbers give the server's contribution, and the bare formula's
 * result is shown when neither does.
 */
export function branchArithmetic(branch: FusionBranchExplanation, fusion: FusionExplanation): string {
  const c = formatNumber(branch.contribution);
  if (branch.rank === undefined) return `not in this branch’s ${branch.listLength} hits: 0`;
  const w = formatNumber(branch.weight);
  if (fusion.method === 'rrf') return `${w} / (${fusion.rrfK ?? 60} + ${branch.rank}) = ${c}`;
  const s = branch.score;
  if (s === undefined) return c;
  if (fusion.method === 'dbsf') {
    const { low, width } = branch;
    if (low === undefined || width === undefined) return c;
    if (width === 0) return `one score in the list: ${w} · 0.5 = ${c}`;
    for (const sign of [1, -1]) {
      if (agrees((branch.weight * (sign * s - low)) / width, branch.contribution)) {
        const value = sign === 1 ? formatNumber(s) : `−(${formatNumber(s)})`;
        return `${w} · (${value} − ${formatNumber(low)}) / ${formatNumber(width)} = ${c}`;
      }
    }
    return c;
  }
  const { min, max } = branch;
  if (min === undefined || max === undefined) return c;
  if (max === min) return `all scores equal: ${w} = ${c}`;
  const range = `(${formatNumber(max)} − ${formatNumber(min)})`;
  if (agrees((branch.weight * (s - min)) / (max - min), branch.contribution))
    return `${w} · (${formatNumber(s)} − ${formatNumber(min)}) / ${range} = ${c}`;
  if (agrees((branch.weight * (max - s)) / (max - min), branch.contribution))
    return `${w} · (${formatNumber(max)} − ${formatNumber(s)}) / ${range} = ${c}`;
  return c;
}

/**
 * The sum of `contributions` in order, written out (`0.016393 + 0.016129 = 0.032522`), with
 * the total added up in that order (what the server's invariant says equals the score).
 */
export function sumLine(contributions: readonly number[]): { text: string; total: number } {
  const total = contributions.reduce((sum, c) => sum + c, 0);
  const text =
    contributions.length === 1
      ? formatNumber(total)
      : `${contributions.map(formatNumber).join(' + ')} = ${formatNumber(total)}`;
  return { text, total };
}
