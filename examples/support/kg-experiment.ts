/**
 * The whole knowledge-graph experiment, shared by `examples/kg.ts` (readable report),
 * `bench/kg.ts` (the docs/benchmarks.md section) and `test/example-kg.test.ts` (a small
 * subset): WordNet → triples → fixed-seed split → TransE → filtered link prediction by brute
 * force → the entity vectors in a collection → the same link prediction through its exact
 * and its HNSW search.
 */
import type { Collection, Quiver } from '../../src/index.js';
import {
  type CollectionLinkPrediction,
  linkPredictionThroughCollection,
  storeEntities,
} from './kg-collection.js';
import { filteredRanks, KnownTriples, type LinkPredictionMetrics, metricsFromRanks } from './kg-eval.js';
import { type TransEModel, trainTransE } from './kg-transe.js';
import {
  denseSubgraph,
  readWordNet,
  splitTriples,
  type TripleSplit,
  type WordNetGraph,
} from './kg-wordnet.js';

/** Published TransE on WN18, filtered setting: Bordes et al. 2013, NIPS, Table 3. */
export const PUBLISHED_TRANSE_WN18 = {
  source: 'Bordes et al. 2013, "Translating Embeddings for Modeling Multi-relational Data", NIPS, Table 3',
  entities: 40_943,
  relations: 18,
  triples: 151_442,
  hits10: 0.892,
  meanRank: 251,
};

export interface KgExperimentOptions {
  /** Entities with fewer triples are left out (denseSubgraph). */
  minDegree: number;
  /** Triples held out for validation and for test, each. */
  held: number;
  /** Test triples evaluated (the first of the test split); all when undefined. */
  testLimit?: number;
  dimension: number;
  margin: number;
  learningRate: number;
  epochs: number;
  seed: number;
  /** HNSW search effort for the approximate link prediction. */
  ef: number;
  /** Hits listed per collection search (filtered ranks beyond them count as misses). */
  k: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

/** The example's defaults: sizes and hyper-parameters of the reported run. */
export const KG_DEFAULTS: KgExperimentOptions = {
  minDegree: 5,
  held: 5000,
  dimension: 50,
  margin: 2,
  learningRate: 0.01,
  epochs: 100,
  seed: 2013,
  ef: 64,
  k: 50,
};

export interface KgExperiment {
  graph: WordNetGraph;
  split: TripleSplit;
  test: Int32Array;
  known: KnownTriples;
  model: TransEModel;
  collection: Collection;
  bruteForce: LinkPredictionMetrics;
  exact: CollectionLinkPrediction;
  hnsw: CollectionLinkPrediction;
  seconds: { read: number; train: number; evaluate: number; store: number };
}

/** Runs the experiment, storing the entities in collection `name` of `db` (HNSW32 index). */
export async function runKgExperiment(
  db: Quiver,
  name: string,
  o: KgExperimentOptions,
): Promise<KgExperiment> {
  const t0 = performance.now();
  const graph = denseSubgraph(readWordNet(), o.minDegree);
  const split = splitTriples(graph.triples, o.held, o.seed);
  const test = o.testLimit === undefined ? split.test : split.test.subarray(0, 3 * o.testLimit);
  const known = new KnownTriples(
    graph.entities.length,
    graph.relations.length,
    split.train,
    split.valid,
    split.test,
  );
  const t1 = performance.now();
  const model = trainTransE(split.train, graph.entities.length, graph.relations.length, {
    dimension: o.dimension,
    margin: o.margin,
    learningRate: o.learningRate,
    epochs: o.epochs,
    seed: o.seed,
    onEpoch: o.onEpoch,
  });
  const t2 = performance.now();
  const bruteForce = metricsFromRanks(filteredRanks(model, test, known));
  const t3 = performance.now();
  const collection = await storeEntities(db, name, model, graph.entities, 'HNSW32');
  const t4 = performance.now();
  const exact = await linkPredictionThroughCollection(collection, model, test, known, {
    k: o.k,
    exact: true,
  });
  const hnsw = await linkPredictionThroughCollection(collection, model, test, known, { k: o.k, ef: o.ef });
  const s = (a: number, b: number) => (b - a) / 1000;
  return {
    graph,
    split,
    test,
    known,
    model,
    collection,
    bruteForce,
    exact,
    hnsw,
    seconds: { read: s(t0, t1), train: s(t1, t2), evaluate: s(t2, t3), store: s(t3, t4) },
  };
}
