import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, taskSeconds } from '../bench/ann/families/estimate.js';
import {
  DEFAULT_SWEEPS,
  effortPoints,
  type FamilyPlan,
  librariesOf,
  needsRefine,
  nlistFor,
  parseFamilyIds,
  planFamilies,
} from '../bench/ann/families/plan.js';
import {
  type CurveOutcome,
  curveOutcomes,
  equalEffort,
  failureStatus,
  familySummaryTable,
  type MeasureStatus,
  type PointOutcome,
  ratioTable,
} from '../bench/ann/families/tables.js';
import { checkTargets } from '../bench/ann/families/targets.js';

const ALL = parseFamilyIds('flat,ivf-flat,ivf-sq8,ivf-pq,pq,sq8,hnsw,hnsw-sq8,lsh,annoy');

function plan(rows: number, id: string): FamilyPlan {
  return planFamilies(rows, parseFamilyIds(id))[0];
}

function measured(bytesPerVector: number): MeasureStatus {
  return {
    kind: 'measured',
    build: {
      indexClass: 'X',
      trainingRows: 0,
      trainSeconds: 0,
      addSeconds: 1,
      bytesPerVector,
      indexBytes: 0,
      storeBytes: 0,
      rssGrowthBytes: 0,
    },
  };
}

/** Outcomes of `p` for `lib` whose points are (recall, qps) pairs in plan order, per curve. */
function outcomes(
  p: FamilyPlan,
  lib: string,
  bytesPerVector: number,
  curves: Record<string, [number, number][]>,
): CurveOutcome[] {
  const points: (PointOutcome & { curve: string })[] = [];
  for (const c of p.curves) {
    (curves[c.name] ?? []).forEach(([recall, qps], i) => {
      points.push({ curve: c.name, label: c.points[i].label, recall, qps, qpsMin: qps, qpsMax: qps });
    });
  }
  return curveOutcomes(p, lib, lib, measured(bytesPerVector), points);
}

test('nlist: the issue value, capped at the largest power of two ≤ rows / 200', () => {
  assert.equal(nlistFor(60_000, 1024), 256);
  assert.equal(nlistFor(1_000_000, 1024), 1024);
  assert.equal(nlistFor(1_000_000, 4096), 4096);
  assert.equal(nlistFor(10_000, 1024), 32);
  assert.equal(nlistFor(100, 1024), 1);
});

test('plans: Fashion-MNIST uses IVF256 everywhere, 1M × 128 the issue strings', () => {
  assert.deepEqual(
    planFamilies(60_000, ALL).map((p) => p.factory),
    [
      'Flat',
      'IVF256,Flat',
      'IVF256,SQ8',
      'IVF256,PQ16',
      'PQ16',
      'SQ8',
      'HNSW32',
      'HNSW32,SQ8',
      'LSH256',
      'Annoy50',
    ],
  );
  assert.deepEqual(
    planFamilies(1_000_000, parseFamilyIds('ivf-flat,ivf-sq8,ivf-pq')).map((p) => p.factory),
    ['IVF1024,Flat', 'IVF4096,SQ8', 'IVF1024,PQ16'],
  );
  assert.throws(() => parseFamilyIds('ivf,flat'), /unknown family 'ivf'/);
});

test('sweeps: nprobe ≤ nlist/2, searchK ≤ rows', () => {
  const ivf = plan(60_000, 'ivf-flat');
  assert.deepEqual(
    ivf.curves[0].points.map((p) => p.quiver.nprobe),
    [1, 2, 4, 8, 16, 32, 64, 128],
  );
  const annoy = plan(60_000, 'annoy');
  assert.ok(annoy.curves[0].points.every((p) => (p.quiver.searchK ?? 0) <= 60_000));
});

test('FAISS effort: rerank R ↔ IndexRefineFlat k_factor R/k; rerank 0 ↔ the base index alone', () => {
  const pq = plan(1_000_000, 'pq');
  const faiss = effortPoints(pq, 'faiss');
  assert.deepEqual(faiss.find((p) => p.label === 'rerank 100')?.params, { k_factor: 100 / DEFAULT_SWEEPS.k });
  assert.deepEqual(faiss.find((p) => p.label === 'rerank 0')?.params, {});
  assert.deepEqual(effortPoints(pq, 'quiver').find((p) => p.label === 'rerank 0')?.params, { rerank: 0 });
  assert.equal(needsRefine(pq), true);

  const hnswSq8 = plan(1_000_000, 'hnsw-sq8');
  const reranked = effortPoints(hnswSq8, 'faiss').filter((p) => p.curve === 'rerank = ef');
  assert.deepEqual(reranked.find((p) => p.label === 'ef 64')?.params, { efSearch: 64, k_factor: 6.4 });
  const codes = effortPoints(hnswSq8, 'quiver').filter((p) => p.curve === 'codes only');
  assert.deepEqual(codes.find((p) => p.label === 'ef 64')?.params, { ef: 64, rerank: 0 });

  assert.equal(needsRefine(plan(1_000_000, 'ivf-flat')), false);
  assert.deepEqual(librariesOf(plan(1_000_000, 'annoy'), ['quiver', 'faiss']), ['quiver']);
  assert.deepEqual(effortPoints(plan(1_000_000, 'annoy'), 'faiss'), []);
});

test('ratio table: interpolated ratios at shared recalls, bounds marked, equal-effort median', () => {
  const p = plan(1_000_000, 'ivf-flat');
  const quiver = outcomes(p, 'quiver', 516, {
    nprobe: [
      [0.4, 4000],
      [0.7, 3000],
      [0.96, 2000],
    ],
  });
  const faiss = outcomes(p, 'faiss', 521, {
    nprobe: [
      [0.4, 2000],
      [0.7, 1500],
      [0.96, 1000],
    ],
  });
  const table = ratioTable([...quiver, ...faiss]);
  assert.match(
    table,
    /\| `IVF1024,Flat` \| nprobe \| 2\.00 \| 2\.00 \| 2\.00 \| 2\.00 \| 2\.00× median over 3 points/,
  );
  const effort = equalEffort(quiver[0], faiss[0]);
  assert.equal(effort?.dominates, true);
  assert.deepEqual(effort?.recallDelta, [0, 0]);
});

test('targets: IVF slower at one recall is missed; SQ8 memory from the graph share; PQ on 1M × 128 only', () => {
  const d = 128;
  const ivf = plan(1_000_000, 'ivf-flat');
  const hnsw = plan(1_000_000, 'hnsw');
  const hnswSq8 = plan(1_000_000, 'hnsw-sq8');
  const pq = plan(1_000_000, 'pq');
  const all = [
    ...outcomes(ivf, 'quiver', 516, {
      nprobe: [
        [0.4, 900],
        [0.96, 500],
      ],
    }),
    ...outcomes(ivf, 'faiss', 521, {
      nprobe: [
        [0.4, 1000],
        [0.96, 400],
      ],
    }),
    // Plain HNSW32: 512 B of vectors + 285 B of graph per vector.
    ...outcomes(hnsw, 'quiver', 797, {
      ef: [
        [0.9, 5000],
        [0.99, 2000],
      ],
    }),
    // HNSW32,SQ8: 128 B of codes + the same graph; faster at 0.95.
    ...outcomes(hnswSq8, 'quiver', 413, {
      'rerank = ef': [
        [0.9, 8000],
        [0.99, 3000],
      ],
    }),
    ...outcomes(pq, 'quiver', 16, {
      rerank: [
        [0.2, 100],
        [0.3, 90],
        [0.5, 80],
        [0.85, 70],
        [0.93, 60],
      ],
    }),
  ];
  const checks = checkTargets('gauss-1m', d, all);
  const verdict = (pattern: RegExp) => checks.find((c) => pattern.test(c.target))?.verdict;
  // Quiver is slower at 0.5 (interpolated 0.5: 833 vs 870) but faster at 0.95: missed.
  assert.equal(verdict(/IVF1024,Flat/), 'missed');
  assert.equal(verdict(/IVF-PQ/), 'not measured');
  assert.equal(verdict(/recall@10 ≥ 0\.95/), 'met');
  assert.equal(verdict(/vector memory/), 'met');
  assert.match(checks.find((c) => /vector memory/.test(c.target))?.measured ?? '', /= 0\.250×/);
  assert.equal(verdict(/QPS ≥ `HNSW32`/), 'met');
  assert.equal(verdict(/≤ 1\/16/), 'met');
  assert.equal(verdict(/with re-ranking/), 'met');
  assert.equal(
    checkTargets('fashion-mnist', 784, all).some((c) => /1\/16/.test(c.target)),
    false,
  );
});

test('a family whose build throws "not implemented" is skipped with a note; other failures are failures', () => {
  const p = plan(60_000, 'ivf-pq');
  const skipped = failureStatus(
    'node quiver IVF256,PQ16 exited with code 1: build failed: IvfIndex is not implemented yet',
  );
  assert.deepEqual(skipped, { kind: 'skipped', reason: 'not implemented yet' });
  assert.equal(failureStatus('exited with code 1: out of memory').kind, 'failed');
  const rows = curveOutcomes(p, 'quiver', 'Quiver', skipped, []);
  assert.equal(rows.length, 2);
  assert.match(
    familySummaryTable(rows),
    /\| `IVF256,PQ16` \| codes only \| Quiver \| skipped: not implemented yet \| — \|/,
  );
});

test('estimate: more points cost more; durations print in s, min, h', () => {
  const p = plan(1_000_000, 'pq');
  const input = {
    rows: 1_000_000,
    dimension: 128,
    queries: 1000,
    threads: 2,
    minSeconds: 1,
    minRepeats: 3,
    maxSeconds: 30,
    faissBlas: 'reference' as const,
  };
  const points = effortPoints(p, 'quiver');
  assert.ok(taskSeconds(p, 'quiver', points, input) > taskSeconds(p, 'quiver', points.slice(0, 2), input));
  assert.equal(formatDuration(40), '40 s');
  assert.equal(formatDuration(720), '12 min');
  assert.equal(formatDuration(3900), '1 h 05 min');
});
