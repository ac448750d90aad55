/**
 * `IndexPQ`: exhaustive search over product-quantization codes (FAISS's `IndexPQ` with its
 * default `ST_PQ` search): a query's distance to a vector is the ADC estimate, the sum of
 * M table entries (squared L2 to the code's sub-centroids, or inner products).
 */
import { InvalidArgumentError } from '../errors.js';
import { CodeIndex, type CodeScorer } from './code-index.js';
import {
  METRIC_INNER_PRODUCT,
  METRIC_L2,
  type MetricType,
  toRows,
  type VectorsInput,
} from './faiss-index.js';
import { ProductQuantizer } from './product-quantizer.js';

export class IndexPQ extends CodeIndex {
  readonly className: string = 'IndexPQ';
  readonly pq: ProductQuantizer;

  /** Python: `faiss.IndexPQ(d, M, nbits, metric)` (nbits must be 8). */
  constructor(d: number, M: number, nbits = 8, metricType: MetricType = METRIC_L2) {
    super(d, metricType);
    this.pq = new ProductQuantizer(d, M, nbits);
  }

  get codeSize(): number {
    return this.pq.codeSize;
  }

  override get isTrained(): boolean {
    return this.pq.isTrained;
  }

  /**
   * Learns the codebooks (k-means per sub-space; at least 256 rows). Python: `index.train(xt)`.
   * @throws InvalidArgumentError for fewer than 256 rows.
   */
  override async train(x: VectorsInput): Promise<void> {
    const rows = toRows(x, this.d);
    const n = rows.length / this.d;
    if (n < 256) throw new InvalidArgumentError(`${this.className}.train needs at least 256 rows, got ${n}`);
    await this.pq.train(rows, n);
    this.changed();
  }

  protected encodeRows(rows: Float32Array, n: number, out: Uint8Array, at: number): void {
    for (let i = 0; i < n; i++)
      this.pq.encode(rows.subarray(i * this.d, (i + 1) * this.d), out, at + i * this.codeSize);
  }

  protected scorer(query: Float32Array): CodeScorer {
    const table = this.pq.table(query, this.metricType === METRIC_INNER_PRODUCT);
    return (codes, at) => this.pq.lookup(table, codes, at);
  }

  protected decodeCode(codes: Uint8Array, at: number): Float32Array {
    const out = new Float32Array(this.d);
    this.pq.decode(codes, at, out);
    return out;
  }
}
