/**
 * Quiver's factory indexes (`IVF1024,PQ16`, `HNSW32,SQ8`, `LSH256`, …) built the way a
 * sealed segment builds them, and searched one query at a time through `index.search`.
 *
 * Build: the rows are appended to a `VectorStore` (the segment's float32 vectors, which the
 * index borrows and re-ranks on); `createIndex(kernels(), factory, d, L2, { store, threads,
 * seed, efConstruction })`; when `trainingRows > 0`, `train(trainingSample(store,
 * maxTrainingRows, seed))` (timed as training); then `addStored()` (timed as adding, on
 * `threads` worker threads). Plain HNSW goes through `buildIndex` (= `buildHnsw`, whose
 * parallel linking `HnswIndex.addStored` does not do); it needs no training.
 */
import { buildIndex, createIndex, parseIndexFactory, trainingSample } from '../../../src/index/factory.js';
import type { IndexSearchParams, TrainableIndex } from '../../../src/index/vector-index.js';
import { VectorStore } from '../../../src/index/vector-store.js';
import { DistanceKind } from '../../../src/kernels/kernels.js';
import { kernels } from '../../../src/kernels/load.js';
import { quiverVersion } from '../paths.js';
import type { Searcher } from './library.js';

export const QUIVER_FACTORY_LABEL = `Quiver ${quiverVersion()} (${kernels().kind})`;

export interface FactoryBuildParams {
  factory: string;
  threads: number;
  seed: number;
  efConstruction: number;
}

/** A built factory index over its own store, with its build timings. */
export interface BuiltFactoryIndex {
  index: TrainableIndex;
  /** The class that answers, e.g. `IvfIndex`. */
  indexClass: string;
  trainingRows: number;
  trainSeconds: number;
  addSeconds: number;
  /** Bytes of the float32 store the index borrows. */
  storeBytes: number;
  /** A searcher over `queries` (row-major) with the effort `params`. */
  searcher(queries: Float32Array, params: IndexSearchParams, k: number): Searcher;
  dispose(): void;
}

/**
 * Builds `params.factory` over `rows` (row-major, `dimension` floats each), squared L2.
 * @throws whatever the index throws (e.g. a family not implemented yet, or too few rows to train).
 */
export async function buildFactoryIndex(
  rows: Float32Array,
  dimension: number,
  params: FactoryBuildParams,
): Promise<BuiltFactoryIndex> {
  const kern = kernels();
  const recipe = parseIndexFactory(params.factory);
  const options = { threads: params.threads, seed: params.seed, efConstruction: params.efConstruction };
  const store = new VectorStore(kern, dimension, rows.length / dimension);
  let index: TrainableIndex | undefined;
  try {
    const t0 = performance.now();
    store.append(rows);
    let trainingRows = 0;
    let trainSeconds = 0;
    if (recipe.family === 'hnsw' && recipe.storage === 'flat') {
      index = await buildIndex(kern, recipe, store, DistanceKind.L2, options);
      if (!index) throw new Error(`${params.factory}: buildIndex returned no index`);
    } else {
      index = createIndex(kern, recipe, dimension, DistanceKind.L2, { ...options, store });
      if (index.trainingRows > 0) {
        if (store.count < index.trainingRows) {
          throw new Error(
            `${params.factory} needs ${index.trainingRows} rows to train; the set has ${store.count}`,
          );
        }
        const t1 = performance.now();
        const sample = trainingSample(store, index.maxTrainingRows, params.seed);
        trainingRows = sample.length / dimension;
        await index.train(sample);
        trainSeconds = (performance.now() - t1) / 1000;
      }
      await index.addStored();
    }
    const addSeconds = (performance.now() - t0) / 1000 - trainSeconds;
    const built = index;
    return {
      index: built,
      indexClass: built.constructor.name,
      trainingRows,
      trainSeconds,
      addSeconds,
      storeBytes: store.byteLength,
      searcher(queries: Float32Array, effort: IndexSearchParams, k: number): Searcher {
        const rowsOf = Array.from({ length: queries.length / dimension }, (_, i) =>
          queries.subarray(i * dimension, (i + 1) * dimension),
        );
        return (i: number) => built.search(rowsOf[i], k, undefined, effort).offsets;
      },
      dispose() {
        built.dispose();
        store.dispose();
      },
    };
  } catch (error) {
    index?.dispose();
    store.dispose();
    throw error;
  }
}
