/**
 * The arithmetic of a hybrid search's fusion for one hit, redone on the two branch lists the
 * way `text/fusion.ts` does it (same operations in the same order), so the contributions add
 * up to the hit's fused score exactly.
 */
import type { FusionBranchExplanation, FusionExplanation } from './explain-types.js';
import type { FusionOptions } from './query-input.js';
import type { PointId } from './types.js';

/** The fusion and its k (`rrfK` is read for `rrf` only). */
export type FusionMethod = Pick<FusionOptions, 'fusion' | 'rrfK'>;

/** One branch list as fusion saw it: ids best first and the scores it was ranked by. */
export interface BranchList {
  /** `vector` / `text` (hybrid search), `prefetch[i]` (the query API's fusion). */
  branch: string;
  ids: readonly PointId[];
  scores: readonly number[];
  higherIsBetter: boolean;
  weight: number;
}

/** How `id` got its fused score from `lists` (vector branch first, as fused). */
export function explainFusion(
  id: PointId,
  lists: readonly BranchList[],
  fusion: FusionMethod,
): FusionExplanation {
  let score: number | undefined;
  const branches = lists.map((list): FusionBranchExplanation => {
    const i = list.ids.indexOf(id);
    const base: FusionBranchExplanation = {
      branch: list.branch,
      weight: list.weight,
      contribution: 0,
      listLength: list.ids.length,
    };
    const shape = listShape(list, fusion.fusion);
    if (i < 0) return { ...base, ...shape };
    const contribution = contributionOf(list, i, fusion, shape);
    score = score === undefined ? contribution : score + contribution;
    return { ...base, ...shape, rank: i + 1, score: list.scores[i], contribution };
  });
  return {
    method: fusion.fusion,
    ...(fusion.fusion === 'rrf' ? { rrfK: fusion.rrfK } : {}),
    branches,
    score: score ?? 0,
  };
}

interface Shape {
  low?: number;
  width?: number;
  min?: number;
  max?: number;
}

/** dbsf: mean ± 3σ of the (sign-adjusted) scores; weighted: min and max. */
function listShape(list: BranchList, method: FusionMethod['fusion']): Shape {
  if (method === 'rrf') return {};
  if (method === 'weighted') {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of list.scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    return { min, max };
  }
  const sign = list.higherIsBetter ? 1 : -1;
  const n = list.scores.length;
  if (n < 2) return { low: 0, width: 0 };
  let mean = 0;
  for (const s of list.scores) mean += sign * s;
  mean /= n;
  let squares = 0;
  for (const s of list.scores) squares += (sign * s - mean) ** 2;
  const sigma = Math.sqrt(squares / (n - 1));
  return { low: mean - 3 * sigma, width: 6 * sigma };
}

function contributionOf(list: BranchList, i: number, fusion: FusionMethod, shape: Shape): number {
  const weight = list.weight;
  const s = list.scores[i];
  if (fusion.fusion === 'rrf') return weight / (fusion.rrfK + i + 1);
  if (fusion.fusion === 'weighted') {
    const { min = 0, max = 0 } = shape;
    if (max === min) return weight;
    return (weight * (list.higherIsBetter ? s - min : max - s)) / (max - min);
  }
  const { low = 0, width = 0 } = shape;
  if (width === 0) return weight * 0.5;
  const sign = list.higherIsBetter ? 1 : -1;
  return (weight * (sign * s - low)) / width;
}
