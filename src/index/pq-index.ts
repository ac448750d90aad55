/** STUB — replaced by its implementation. */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { Bitset } from './bitset.js';
import type { IndexRecipe } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'pq' }>;

export class PqIndex implements TrainableIndex {
  readonly type: string = 'pq';
  readonly size = 0;
  readonly trainingRows = 0;
  readonly maxTrainingRows = 0;
  readonly isTrained = false;
  readonly memoryBytes = 0;
  readonly bytesPerVector = 0;

  constructor(
    readonly kernels: Kernels,
    readonly recipe: Recipe,
    readonly dimension: number,
    readonly distance: DistanceKind,
    readonly options: FamilyOptions = {},
  ) {
    throw new Error('PqIndex is not implemented yet');
  }

  static deserialize(kernels: Kernels, body: Uint8Array, store: VectorStore, distance: DistanceKind): PqIndex {
    void [kernels, body, store, distance];
    throw new Error('PqIndex is not implemented yet');
  }

  async train(_sample: Float32Array): Promise<void> {}
  async addStored(): Promise<void> {}
  add(_rows: Float32Array): void {}
  search(_q: Float32Array, _k: number, _allow?: Bitset, _p?: IndexSearchParams): IndexSearchResult {
    throw new Error('not implemented');
  }
  async searchAsync(q: Float32Array, k: number, allow?: Bitset, p?: IndexSearchParams): Promise<IndexSearchResult> {
    return this.search(q, k, allow, p);
  }
  rangeSearch(_q: Float32Array, _max: number, _allow?: Bitset): IndexSearchResult {
    throw new Error('not implemented');
  }
  serialize(): Uint8Array {
    return new Uint8Array(0);
  }
  checkIntegrity(): void {}
  dispose(): void {}
}
