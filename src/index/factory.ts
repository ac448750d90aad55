/**
 * Creates indexes from FAISS-style factory strings (grammar in `factory-grammar.ts`),
 * builds them over a segment's vectors (train on a sample, then add every row), and loads
 * them back from the bytes `serialize()` wrote.
 *
 * Invariants:
 * - Every index made here implements `TrainableIndex`; its `type` is the canonical factory
 *   string (plain HNSW keeps the type `hnsw` of the first index-file version), and
 *   `deserializeIndex(type, …)` accepts exactly the types produced here.
 * - `buildIndex` returns `undefined` when the store has fewer rows than the recipe needs
 *   to train: such segments stay on exact search.
 */
import { availableParallelism } from 'node:os';
import { CorruptDataError, InvalidArgumentError } from '../errors.js';
import { DistanceKind, type Kernels } from '../kernels/kernels.js';
import { AnnoyIndex } from './annoy-index.js';
import { formatIndexFactory, type IndexRecipe, parseIndexFactory } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import { FlatIndex } from './flat-index.js';
import { buildHnsw } from './hnsw-build.js';
import { HnswIndex } from './hnsw-index.js';
import { HnswSq8Index } from './hnsw-sq8-index.js';
import { IvfIndex } from './ivf-index.js';
import { LshIndex } from './lsh-index.js';
import { PqIndex } from './pq-index.js';
import { Sq8Index } from './sq8-index.js';
import type { TrainableIndex, VectorIndexRead } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

export {
  FACTORY_GRAMMAR,
  formatIndexFactory,
  IndexFactoryError,
  type IndexRecipe,
  parseIndexFactory,
} from './factory-grammar.js';
export type { FamilyOptions } from './factory-types.js';

function recipeOf(factory: string | IndexRecipe): IndexRecipe {
  return typeof factory === 'string' ? parseIndexFactory(factory) : factory;
}

/**
 * Whether `recipe` can search by `distance`. Every family supports L2, IP and cosine. L1
 * needs exact distances on full vectors: Flat, HNSW over flat vectors and IVF with flat
 * lists compute them (IVF assigns rows and probes lists by L2 to the centroids, as for IP);
 * SQ8 and PQ codes (ADC tables of squared or inner-product terms), LSH hyperplanes and
 * Annoy's splits assume L2 or angular geometry and do not.
 */
export function supportsDistance(recipe: IndexRecipe, distance: DistanceKind): boolean {
  if (distance !== DistanceKind.L1) return true;
  if (recipe.family === 'flat') return true;
  if (recipe.family === 'hnsw') return recipe.storage === 'flat';
  return recipe.family === 'ivf' && recipe.coding.type === 'flat';
}

/**
 * An empty index of the kind `factory` names (`"IVF1024,PQ16"`, `"HNSW32"`, …), as FAISS's
 * `index_factory`: train it when `trainingRows > 0`, then `add` rows and search.
 * @throws IndexFactoryError (listing the grammar) for an unknown or malformed string.
 */
export function createIndex(
  kernels: Kernels,
  factory: string | IndexRecipe,
  dimension: number,
  distance: DistanceKind,
  options: FamilyOptions = {},
): TrainableIndex {
  const recipe = recipeOf(factory);
  if (!supportsDistance(recipe, distance)) {
    throw new InvalidArgumentError(
      `index ${formatIndexFactory(recipe)} cannot search by L1 distance; use Flat, HNSW<M> or IVF<n>,Flat`,
    );
  }
  switch (recipe.family) {
    case 'flat':
      return new FlatIndex(kernels, dimension, distance, options.store);
    case 'hnsw':
      if (recipe.storage === 'sq8') return new HnswSq8Index(kernels, recipe, dimension, distance, options);
      return new HnswIndex(
        kernels,
        dimension,
        distance,
        { M: recipe.M, efConstruction: options.efConstruction, ef: options.ef, seed: options.seed },
        options.store,
      );
    case 'sq8':
      return new Sq8Index(kernels, recipe, dimension, distance, options);
    case 'pq':
      return new PqIndex(kernels, recipe, dimension, distance, options);
    case 'ivf':
      return new IvfIndex(kernels, recipe, dimension, distance, options);
    case 'lsh':
      return new LshIndex(kernels, recipe, dimension, distance, options);
    case 'annoy':
      return new AnnoyIndex(kernels, recipe, dimension, distance, options);
  }
}

/**
 * Rows drawn for training: all of them when the store holds at most `max`, otherwise `max`
 * distinct rows chosen with `seed` (a partial Fisher–Yates shuffle), kept in row order.
 */
export function trainingSample(store: VectorStore, max: number, seed: number): Float32Array {
  const n = store.count;
  const d = store.dimension;
  const all = store.view();
  if (n <= max) return all.slice();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(next() * (n - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const picked = order.subarray(0, max).sort();
  const out = new Float32Array(max * d);
  for (let i = 0; i < max; i++) out.set(all.subarray(picked[i] * d, (picked[i] + 1) * d), i * d);
  return out;
}

/**
 * An index of `factory` over every row of `store` (borrowed: see `FamilyOptions.store`),
 * trained on a sample of its rows; `undefined` when the store is too small to train on.
 * The index is disposed if any step fails.
 */
export async function buildIndex(
  kernels: Kernels,
  factory: string | IndexRecipe,
  store: VectorStore,
  distance: DistanceKind,
  options: Omit<FamilyOptions, 'store'> = {},
): Promise<TrainableIndex | undefined> {
  const recipe = recipeOf(factory);
  const threads = options.threads ?? availableParallelism();
  if (recipe.family === 'hnsw' && recipe.storage === 'flat') {
    return buildHnsw(kernels, store, store.dimension, distance, {
      M: recipe.M,
      efConstruction: options.efConstruction,
      ef: options.ef,
      seed: options.seed,
      shuffle: options.shuffle,
      threads,
    });
  }
  const index = createIndex(kernels, recipe, store.dimension, distance, { ...options, threads, store });
  try {
    if (index.trainingRows > 0) {
      if (store.count < index.trainingRows) {
        index.dispose();
        return undefined;
      }
      await index.train(trainingSample(store, index.maxTrainingRows, options.seed ?? 1));
    }
    await index.addStored();
    return index;
  } catch (error) {
    index.dispose();
    throw error;
  }
}

/**
 * Loads an index of `type` (an index file's type name) over `store` from `body`.
 * @throws CorruptDataError naming `file` for an unknown type or malformed body.
 */
export function deserializeIndex(
  kernels: Kernels,
  type: string,
  body: Uint8Array,
  store: VectorStore,
  distance: DistanceKind,
  file: string,
): VectorIndexRead {
  let recipe: IndexRecipe;
  if (type === 'hnsw') recipe = { family: 'hnsw', M: 0, storage: 'flat' };
  else {
    try {
      recipe = parseIndexFactory(type);
    } catch {
      throw new CorruptDataError(file, `unknown index type '${type}'`);
    }
  }
  try {
    switch (recipe.family) {
      case 'flat':
        return new FlatIndex(kernels, store.dimension, distance, store);
      case 'hnsw':
        if (recipe.storage === 'sq8') return HnswSq8Index.deserialize(kernels, body, store, distance);
        return HnswIndex.deserialize(kernels, body, store);
      case 'sq8':
        return Sq8Index.deserialize(kernels, body, store, distance);
      case 'pq':
        return PqIndex.deserialize(kernels, body, store, distance);
      case 'ivf':
        return IvfIndex.deserialize(kernels, body, store, distance);
      case 'lsh':
        return LshIndex.deserialize(kernels, body, store, distance);
      case 'annoy':
        return AnnoyIndex.deserialize(kernels, body, store, distance);
    }
  } catch (error) {
    if (error instanceof CorruptDataError) throw error;
    throw new CorruptDataError(file, (error as Error).message);
  }
}
