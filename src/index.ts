/**
 * quiverdb: a vector database for deep-learning features.
 *
 * @example
 * import { Quiver } from 'quiverdb';
 * const db = await Quiver.open('./quiver-data');
 * const images = await db.createCollection('images', { dimension: 128, metric: 'cosine' });
 * await images.upsert([{ id: 'img-1', vector, payload: { label: 'cat' } }]);
 * const hits = await images.search(vector, { k: 10, withPayload: true });
 */

import { setDefaultEmbedderResolver } from './db/field-embedders.js';
import { resolveEmbedder } from './embed/index.js';

// Vector fields that name a provider (`{ vectors: { image: { provider: 'mobilenet-v2' } } }`)
// get it from `quiverdb/embed`, unless `Quiver.open(path, { embedders })` says otherwise.
setDefaultEmbedderResolver(resolveEmbedder);

export {
  type ClusterCollectionConfig,
  ClusterDatabase,
  type ClusterNodeOptions,
} from './cluster/cluster-database.js';
export { ClusterWorker, type ClusterWorkerOptions } from './cluster/cluster-worker.js';
export type { EmbeddedCollection } from './db/collection.js';
export { DEFAULT_SEGMENT_SIZE, type OpenOptions, Quiver } from './db/database.js';
export type { EmbedderResolver, FieldDetection, FieldEmbedder } from './db/field-embedders.js';
export { fuseHitLists, type HitFusionOptions, type HitList } from './db/fusion.js';
export type * from './db/types.js';
export { EmbeddingInputError, EmbeddingModelError } from './embed/provider.js';
export * from './errors.js';
export {
  averagePrecision,
  f1AtK,
  type ItemId,
  type LatencySummary,
  latencySummary,
  meanAveragePrecision,
  mrr,
  type NdcgOptions,
  ndcgAtK,
  percentile,
  precisionAtK,
  type RankedQuery,
  type RelevantItems,
  recallAtK,
  reciprocalRank,
} from './eval/metrics.js';
export { gaussianMixture, gaussianVectors, SeededRandom } from './eval/random.js';
export {
  paretoFrontier,
  type ThroughputAtRecall,
  type TradeoffPoint,
  throughputAtRecall,
} from './eval/tradeoff.js';
export {
  BinaryFlatIndex,
  type BinaryIndex,
  type BinaryIndexRead,
  type BinaryMetric,
} from './index/binary-flat-index.js';
export { Bitset } from './index/bitset.js';
export {
  buildIndex,
  createIndex,
  deserializeIndex,
  FACTORY_GRAMMAR,
  type FamilyOptions,
  formatIndexFactory,
  IndexFactoryError,
  type IndexRecipe,
  parseIndexFactory,
  trainingSample,
} from './index/factory.js';
export { FlatIndex } from './index/flat-index.js';
export { buildHnsw, type HnswBuildOptions } from './index/hnsw-build.js';
export { HNSW_DEFAULTS, HnswIndex, type HnswOptions } from './index/hnsw-index.js';
export type {
  IndexSearchParams,
  IndexSearchResult,
  TrainableIndex,
  VectorIndex,
  VectorIndexRead,
} from './index/vector-index.js';
export { VectorStore } from './index/vector-store.js';
export { DistanceKind, type Kernels } from './kernels/kernels.js';
export { kernels } from './kernels/load.js';
export type { Condition, FieldCondition, Filter, MatchValue, Payload } from './payload/filter.js';
export { DatabaseLockedError } from './storage/catalog.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './storage/s3-object-store.js';
