/**
 * `quiverdb/faiss`: FAISS's Python API in TypeScript over Quiver's indexes, and FAISS's,
 * hnswlib's and Annoy's index files.
 *
 * @example
 * import { IndexFlatL2, readIndex, writeIndex } from 'quiverdb/faiss';
 * const index = new IndexFlatL2(d);            // index = faiss.IndexFlatL2(d)
 * index.add(features);                         // index.add(features)
 * const { distances, labels } = await index.search(query, 5);   // D, I = index.search(query, 5)
 * await writeIndex(index, 'index.faiss');      // faiss.write_index(index, "index.faiss")
 */
export {
  AnnoyIndex,
  type AnnoyLeaf,
  type AnnoyMetric,
  type AnnoyNeighbors,
  type AnnoySplit,
  type AnnoyTree,
  readAnnoy,
  writeAnnoy,
} from './annoy.js';
export { annoyTreesFromForest } from './annoy-from-forest.js';
export { ANNOY_METRICS } from './annoy-layout.js';
export { type AnnoyVectorIndex, annoyToVectorIndex } from './annoy-to-index.js';
export { NotTrainedError, UnsupportedIndexFileError, UnsupportedOperationError } from './errors.js';
export { indexFactory } from './factory.js';
export {
  FLT_MAX,
  type IdsInput,
  Index,
  METRIC_INNER_PRODUCT,
  METRIC_L1,
  METRIC_L2,
  type MetricType,
  type RangeSearchResult,
  type SearchParameters,
  type SearchResult,
  type VectorsInput,
} from './faiss-index.js';
export { IndexFlat, IndexFlatIP, IndexFlatL2 } from './flat.js';
export { IndexHNSWFlat } from './hnsw.js';
export {
  HnswlibIndex,
  type HnswlibOptions,
  type HnswlibSpace,
  readHnswlib,
  writeHnswlib,
} from './hnswlib-index.js';
export { IndexIDMap, IndexIDMap2 } from './id-map.js';
export { deserializeIndex, READABLE_FOURCCS, readIndex, serializeIndex, writeIndex } from './index-io.js';
export { IndexIVF, IndexIVFFlat } from './ivf.js';
export { IndexIVFPQ } from './ivf-pq.js';
export { IndexLSH } from './lsh.js';
export { IndexPQ } from './pq.js';
export { ProductQuantizer } from './product-quantizer.js';
export { IndexScalarQuantizer, QT_8bit } from './scalar-quantizer.js';
