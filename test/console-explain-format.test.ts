/**
 * How the console words explanations (`console/src/state/explain-format.ts`), on fusion
 * explanations the engine's own `explainFusion` makes: for rrf, dbsf and weighted fusion, with
 * branches where higher scores are better (BM25) and where lower are (l2 distances), the
 * written-out arithmetic ends in the engine's contribution, and its numbers give it; the sum
 * line adds the contributions to the fused score.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BranchList, explainFusion } from '../src/db/explain-fusion.js';
import type {
  FusionBranchExplanation,
  FusionExplanation,
  HitExplanation,
  SearchPathExplanation,
} from '../src/db/explain-types.js';
import { consoleModule } from './support/console-module.js';

interface ExplainFormat {
  formatNumber(x: number): string;
  pathPhrase(path: SearchPathExplanation): string;
  explainSummary(explain: HitExplanation): string;
  fusionFormula(fusion: FusionExplanation): string;
  branchArithmetic(branch: FusionBranchExplanation, fusion: FusionExplanation): string;
  sumLine(contributions: readonly number[]): { text: string; total: number };
}

/** The two branches of a hybrid search: l2 distances (lower is better) and BM25 scores. */
const LISTS: BranchList[] = [
  { branch: 'vector', ids: [3, 1, 2, 5], scores: [0.5, 1.25, 2, 4.5], higherIsBetter: false, weight: 1 },
  { branch: 'text', ids: [1, 4, 3], scores: [3.5, 2.25, 0.75], higherIsBetter: true, weight: 0.5 },
];

/** Evaluates the arithmetic `branchArithmetic` writes (`a · (b − c) / d = e` → a·(b−c)/d). */
function evaluate(written: string): number {
  const [formula] = written.split(' = ');
  const js = formula.replaceAll('·', '*').replaceAll('−', '-');
  assert.match(js, /^[\d\s.+\-*/()e]+$/, written);
  return Function(`return (${js});`)() as number;
}

describe('console: explanations in words', () => {
  test('numbers at six significant digits; the path in a phrase; the summary line', async () => {
    const f = await consoleModule<ExplainFormat>('state/explain-format.ts');
    assert.equal(f.formatNumber(2 / 61), '0.0327869');
    assert.equal(f.formatNumber(100), '100');
    assert.equal(f.formatNumber(1.04358727868), '1.04359');
    assert.equal(f.formatNumber(-0.99881863594), '-0.998819');
    assert.equal(f.formatNumber(3.2e-7), '3.2000e-7');
    const path: SearchPathExplanation = {
      segment: { position: 1, kind: 'sealed', id: 4, rows: 100, liveRows: 98 },
      index: 'hnsw',
      method: 'graph-walk',
      reason: 'no filter: the graph is walked',
      ef: 64,
      M: 16,
    };
    assert.equal(f.pathPhrase(path), 'graph walk (ef 64, M 16)');
    assert.equal(
      f.pathPhrase({ ...path, method: 'ivf-probe', ef: undefined, M: undefined, nprobe: 8, nlist: 64 }),
      'IVF lists probed (8 of 64)',
    );
    assert.equal(
      f.explainSummary({
        kind: 'hybrid',
        path,
        fusion: explainFusion(1, LISTS, { fusion: 'rrf', rrfK: 60 }),
        filter: { conditions: [] },
      }),
      'hybrid · graph walk (ef 64, M 16) · rrf fusion · 0 filter conditions',
    );
  });

  for (const method of ['rrf', 'dbsf', 'weighted'] as const) {
    test(`${method}: each branch's arithmetic gives the engine's contribution; the sum is the fused score`, async () => {
      const f = await consoleModule<ExplainFormat>('state/explain-format.ts');
      for (const id of [1, 2, 3, 4, 5]) {
        const fusion = explainFusion(id, LISTS, { fusion: method, rrfK: 60 });
        assert.match(f.fusionFormula(fusion), new RegExp(`^${method}: score = Σ weight`));
        for (const branch of fusion.branches) {
          const written = f.branchArithmetic(branch, fusion);
          if (branch.rank === undefined) {
            assert.equal(written, `not in this branch’s ${branch.listLength} hits: 0`);
            continue;
          }
          assert.ok(written.endsWith(` = ${f.formatNumber(branch.contribution)}`), written);
          assert.match(written, method === 'rrf' ? /^\S+ \/ \(60 \+ \d+\)/ : /·.*\//, 'written out');
          const value = evaluate(written);
          assert.ok(
            Math.abs(value - branch.contribution) <= 1e-5 * Math.max(1, Math.abs(branch.contribution)),
            `${written}: ${value} vs ${branch.contribution}`,
          );
        }
        const sum = f.sumLine(fusion.branches.map((b) => b.contribution));
        assert.equal(sum.total, fusion.score, `id ${id}: the sum is the fused score`);
        assert.ok(sum.text.endsWith(`= ${f.formatNumber(fusion.score)}`), sum.text);
      }
    });
  }

  test('one-score lists and equal scores are worded, not divided by zero', async () => {
    const f = await consoleModule<ExplainFormat>('state/explain-format.ts');
    const single: BranchList[] = [{ branch: 'text', ids: [7], scores: [2], higherIsBetter: true, weight: 1 }];
    const dbsf = explainFusion(7, single, { fusion: 'dbsf', rrfK: 60 });
    assert.equal(f.branchArithmetic(dbsf.branches[0], dbsf), 'one score in the list: 1 · 0.5 = 0.5');
    const weighted = explainFusion(7, single, { fusion: 'weighted', rrfK: 60 });
    assert.equal(f.branchArithmetic(weighted.branches[0], weighted), 'all scores equal: 1 = 1');
    assert.deepEqual(f.sumLine([0.5]), { text: '0.5', total: 0.5 });
  });
});
