/**
 * The experiment's results as Markdown (readable as plain text too), and its bar chart.
 */
import type { Hit } from '../../src/index.js';
import type { LinkPredictionMetrics } from './kg-eval.js';
import { randomMeanRank } from './kg-eval.js';
import { type KgExperiment, type KgExperimentOptions, PUBLISHED_TRANSE_WN18 } from './kg-experiment.js';
import { metricBarChart } from './kg-svg.js';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const pctFine = (v: number) => `${(100 * v).toFixed(3)}%`;

/** A table row; `withMeanRank` false for a top-k list, whose mean rank would leave out the misses. */
function row(name: string, m: LinkPredictionMetrics, note: string, withMeanRank = true): string {
  const mr = withMeanRank ? m.meanRank.toFixed(0) : '–';
  return `| ${name} | ${m.mrr.toFixed(3)} | ${pct(m.hits1)} | ${pct(m.hits3)} | ${pct(m.hits10)} | ${mr} | ${note} |`;
}

/** The summary tables: data, training, filtered link prediction beside the published numbers. */
export function kgMarkdown(exp: KgExperiment, o: KgExperimentOptions): string {
  const n = exp.graph.entities.length;
  const randomHits10 = 10 / n;
  const agree = agreement(exp.exact.ranks, exp.hnsw.ranks);
  const lines = [
    `Data: WordNet 3.0 (Debian \`wordnet-base\`), noun and verb synsets with at least ${o.minDegree} triples: ` +
      `${n.toLocaleString('en')} entities, ${exp.graph.relations.length} relations, ` +
      `${(exp.graph.triples.length / 3).toLocaleString('en')} triples (WN18: ` +
      `${PUBLISHED_TRANSE_WN18.entities.toLocaleString('en')} / ${PUBLISHED_TRANSE_WN18.relations} / ` +
      `${PUBLISHED_TRANSE_WN18.triples.toLocaleString('en')}). Split with seed ${o.seed}: ` +
      `${(exp.split.train.length / 3).toLocaleString('en')} train, ${(exp.split.valid.length / 3).toLocaleString('en')} valid, ` +
      `${(exp.split.test.length / 3).toLocaleString('en')} test triples; ${exp.test.length / 3} test triples ranked, ` +
      'both head and tail (filtered setting: other known true answers removed).',
    '',
    `TransE: L1, ${o.dimension}-d, margin ${o.margin}, learning rate ${o.learningRate}, ${o.epochs} epochs of SGD with ` +
      `one corrupted head or tail per triple, seed ${o.seed}, single thread: ${exp.seconds.train.toFixed(0)} s ` +
      `(Bordes et al.: L1, 20-d, margin 2, rate 0.01, up to 1,000 epochs).`,
    '',
    '| ranking | MRR | Hits@1 | Hits@3 | Hits@10 | mean rank | |',
    '|---|---|---|---|---|---|---|',
    row('brute force over all entities', exp.bruteForce, `${exp.seconds.evaluate.toFixed(0)} s`),
    row(
      `collection, exact search (top ${o.k})`,
      exp.exact.metrics,
      `${exp.exact.seconds.toFixed(1)} s`,
      false,
    ),
    row(
      `collection, HNSW32 ef ${o.ef} (top ${o.k})`,
      exp.hnsw.metrics,
      `${exp.hnsw.seconds.toFixed(1)} s`,
      false,
    ),
    `| random ranking | ≈${(Math.log(n) / n).toFixed(4)} | ≈${pctFine(1 / n)} | ≈${pctFine(3 / n)} | ≈${pctFine(randomHits10)} | ${randomMeanRank(n).toFixed(0)} | expected |`,
    `| TransE on WN18, published | – | – | – | ${pct(PUBLISHED_TRANSE_WN18.hits10)} | ${PUBLISHED_TRANSE_WN18.meanRank} | ${PUBLISHED_TRANSE_WN18.source} |`,
    '',
    `Collection rows: each search lists ${o.k} entities plus the query's other known answers, which are then ` +
      `filtered out; an answer ranked beyond ${o.k} counts as a miss, so MRR is MRR@${o.k} and Hits@1/3/10 of the ` +
      'exact search equal the brute-force ones. Hits@1 is low beside Hits@3 because the query entity itself ' +
      '(h when predicting a tail, t when predicting a head) is usually the nearest to the query: relation vectors ' +
      'shrink in training, an entity is rarely drawn as its own negative, and the filtered setting does not ' +
      'remove it. ' +
      `HNSW vs exact: the filtered rank is the same for ${pct(agree)} of the ${exp.exact.ranks.length} queries; ` +
      `Hits@10 differs by ${(100 * (exp.hnsw.metrics.hits10 - exp.exact.metrics.hits10)).toFixed(2)} points.`,
  ];
  return lines.join('\n');
}

/** The fraction of queries whose two rankings give the same filtered rank. */
export function agreement(a: Float64Array, b: Float64Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** The bar chart of MRR and Hits@1/3/10. */
export function kgChart(exp: KgExperiment): string {
  const m = (x: LinkPredictionMetrics) => [x.mrr, x.hits1, x.hits3, x.hits10];
  return metricBarChart(
    `TransE link prediction on WordNet (${exp.graph.entities.length.toLocaleString('en')} entities), filtered`,
    ['MRR', 'Hits@1', 'Hits@3', 'Hits@10'],
    [
      { name: 'brute force', values: m(exp.bruteForce) },
      { name: 'collection, exact', values: m(exp.exact.metrics) },
      { name: 'collection, HNSW', values: m(exp.hnsw.metrics) },
      {
        name: 'TransE on WN18 (Bordes et al. 2013)',
        values: [undefined, undefined, undefined, PUBLISHED_TRANSE_WN18.hits10],
      },
    ],
  );
}

/** One hit as `dog, domestic dog (noun.animal) 1.234`. */
export function describeEntity(hit: Hit): string {
  const p = hit.payload as { lemmas: string[]; lexFile: string } | undefined;
  return `${p?.lemmas.slice(0, 3).join(', ') ?? hit.id} (${p?.lexFile ?? '?'}) ${hit.score.toFixed(2)}`;
}
