/**
 * `IndexFlat`, `IndexFlatL2`, `IndexFlatIP`: exact search over Quiver's `FlatIndex` (a fused
 * SIMD scan and top-k in the kernels; batches on the kernel worker pool).
 *
 * Invariant: label i is row i of the store; `removeIds` compacts the rows, so the labels of
 * the rows after a removed one shift down (FAISS's `IndexFlat::remove_ids`).
 */

import { FlatIndex } from '../index/flat-index.js';
import { DistanceKind } from '../kernels/kernels.js';
import { kernels } from '../kernels/load.js';
import {
  type Hits,
  type IdsInput,
  Index,
  METRIC_INNER_PRODUCT,
  METRIC_L1,
  METRIC_L2,
  type MetricType,
  toIds,
} from './faiss-index.js';

export class IndexFlat extends Index {
  /** The flat index also takes `METRIC_L1` (see `Index`'s constructor). */
  static readonly supportsL1 = true;
  readonly className: string = 'IndexFlat';
  private flat: FlatIndex;

  /** Python: `faiss.IndexFlat(d, metric)` (METRIC_L2, METRIC_INNER_PRODUCT or METRIC_L1). */
  constructor(d: number, metricType: MetricType = METRIC_L2) {
    super(d, metricType);
    this.flat = new FlatIndex(kernels(), d, kindOf(metricType));
  }

  get ntotal(): number {
    return this.flat.size;
  }

  /** The stored vectors, n·d floats row-major (a copy). Python: `index.reconstruct_n(0, index.ntotal)`. */
  vectors(): Float32Array {
    return this.flat.store.view().slice();
  }

  protected addRows(rows: Float32Array): void {
    this.flat.add(rows);
  }

  protected async searchOne(query: Float32Array, k: number): Promise<Hits> {
    const r = await this.flat.searchAsync(query, k);
    return hitsOf(r.offsets, r.distances, this.metricType);
  }

  protected rangeOne(query: Float32Array, radius: number): Hits {
    return rangeHits(this.flat, this.metricType, query, radius);
  }

  /** Python: `index.remove_ids(np.array(ids))`; later labels shift down. */
  override removeIds(ids: IdsInput): number {
    const drop = new Set(Array.from(toIds(ids), (v) => v));
    const n = this.ntotal;
    const keep: number[] = [];
    for (let i = 0; i < n; i++) if (!drop.has(BigInt(i))) keep.push(i);
    if (keep.length === n) return 0;
    const all = this.flat.store.view();
    const rows = new Float32Array(keep.length * this.d);
    keep.forEach((row, j) => {
      rows.set(all.subarray(row * this.d, (row + 1) * this.d), j * this.d);
    });
    this.replaceRows(rows);
    return n - keep.length;
  }

  reset(): void {
    this.replaceRows(new Float32Array(0));
  }

  override reconstruct(key: number | bigint): Float32Array {
    return this.flat.store.row(this.checkKey(key));
  }

  override dispose(): void {
    this.flat.dispose();
  }

  private replaceRows(rows: Float32Array): void {
    const next = new FlatIndex(kernels(), this.d, kindOf(this.metricType));
    if (rows.length > 0) next.add(rows);
    this.flat.dispose();
    this.flat = next;
  }
}

/** Python: `faiss.IndexFlatL2(d)`. */
export class IndexFlatL2 extends IndexFlat {
  override readonly className: string = 'IndexFlatL2';
  constructor(d: number) {
    super(d, METRIC_L2);
  }
}

/** Python: `faiss.IndexFlatIP(d)`. */
export class IndexFlatIP extends IndexFlat {
  override readonly className: string = 'IndexFlatIP';
  constructor(d: number) {
    super(d, METRIC_INNER_PRODUCT);
  }
}

/** The kernels' distance kind for a FAISS metric. */
export function kindOf(metricType: MetricType): DistanceKind {
  return metricType === METRIC_L2
    ? DistanceKind.L2
    : metricType === METRIC_L1
      ? DistanceKind.L1
      : DistanceKind.IP;
}

/**
 * FAISS's range search over an exact index: squared L2 < radius, or inner product > radius,
 * in label order (as FAISS's flat scan reports them).
 */
export function rangeHits(
  flat: FlatIndex,
  metricType: MetricType,
  query: Float32Array,
  radius: number,
): Hits {
  const ip = metricType === METRIC_INNER_PRODUCT;
  const r = flat.rangeSearch(query, ip ? -radius : radius);
  const keep: number[] = [];
  for (let i = 0; i < r.offsets.length; i++)
    if (ip ? -r.distances[i] > radius : r.distances[i] < radius) keep.push(i);
  keep.sort((a, b) => r.offsets[a] - r.offsets[b]);
  return hitsOf(
    Uint32Array.from(keep, (i) => r.offsets[i]),
    Float32Array.from(keep, (i) => r.distances[i]),
    metricType,
  );
}

/** Kernel results (offsets, lower-is-better distances) as FAISS hits (IP distances un-negated). */
export function hitsOf(offsets: Uint32Array, distances: Float32Array, metricType: MetricType): Hits {
  const labels = new BigInt64Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) labels[i] = BigInt(offsets[i]);
  const d = metricType === METRIC_INNER_PRODUCT ? distances.map((v) => -v) : distances;
  return { distances: d, labels };
}
