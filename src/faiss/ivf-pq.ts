/**
 * `IndexIVFPQ`: inverted lists of product-quantization codes of residuals (FAISS's default
 * `by_residual`): an entry of list l is the PQ code of x − c_l. A query's distance to it is
 * the ADC estimate ‖(q − c_l) − r̂‖² for L2, or ⟨q, c_l⟩ + ⟨q, r̂⟩ for inner product, as
 * FAISS's IVFPQ scanners compute them (up to float rounding); files without residuals
 * (`by_residual = false`) are searched with plain ADC on the codes.
 */
import { InvalidArgumentError } from '../errors.js';
import { type Index, METRIC_INNER_PRODUCT, METRIC_L2, type MetricType } from './faiss-index.js';
import { IndexIVF, type ListScorer, type Probe } from './ivf.js';
import { ProductQuantizer } from './product-quantizer.js';

/** Residual rows the PQ trains on at most (FAISS subsamples too). */
const MAX_PQ_TRAINING_ROWS = 65_536;

export class IndexIVFPQ extends IndexIVF {
  readonly className: string = 'IndexIVFPQ';
  readonly pq: ProductQuantizer;
  /** Whether codes encode residuals to the list's centroid (FAISS's default, true). */
  byResidual = true;

  /** Python: `faiss.IndexIVFPQ(quantizer, d, nlist, M, nbits, metric)` (nbits must be 8). */
  constructor(
    quantizer: Index,
    d: number,
    nlist: number,
    M: number,
    nbits = 8,
    metricType: MetricType = METRIC_L2,
  ) {
    super(quantizer, d, nlist, metricType);
    this.pq = new ProductQuantizer(d, M, nbits);
  }

  get codeSize(): number {
    return this.pq.codeSize;
  }

  override get isTrained(): boolean {
    return super.isTrained && this.pq.isTrained;
  }

  protected override async trainCodes(rows: Float32Array, n: number): Promise<void> {
    if (n < 256)
      throw new InvalidArgumentError(
        `${this.className}.train needs at least 256 rows for its codebooks, got ${n}`,
      );
    const m = Math.min(n, MAX_PQ_TRAINING_ROWS);
    const step = n / m;
    const residuals = new Float32Array(m * this.d);
    for (let i = 0; i < m; i++) {
      const row = Math.floor(i * step);
      const x = rows.subarray(row * this.d, (row + 1) * this.d);
      residuals.set(this.residual(x, this.probes(x, 1)[0].list), i * this.d);
    }
    await this.pq.train(residuals, m);
  }

  protected encode(x: Float32Array, l: number, out: Uint8Array, at: number): void {
    this.pq.encode(this.residual(x, l), out, at);
  }

  protected listScorer(query: Float32Array, probe: Probe): ListScorer {
    const ip = this.metricType === METRIC_INNER_PRODUCT;
    if (!this.byResidual) {
      const table = this.pq.table(query, ip);
      return (codes, at) => this.pq.lookup(table, codes, at);
    }
    if (ip) {
      const table = this.pq.table(query, true);
      const coarse = probe.coarse;
      return (codes, at) => coarse + this.pq.lookup(table, codes, at);
    }
    const table = this.pq.table(this.residual(query, probe.list), false);
    return (codes, at) => this.pq.lookup(table, codes, at);
  }

  protected decodeEntry(l: number, codes: Uint8Array, at: number): Float32Array {
    const out = new Float32Array(this.d);
    this.pq.decode(codes, at, out);
    if (this.byResidual) for (let j = 0; j < this.d; j++) out[j] += this.centroids[l * this.d + j];
    return out;
  }

  /** x − c_l when coding residuals, else x. */
  private residual(x: Float32Array, l: number): Float32Array {
    if (!this.byResidual) return x;
    const r = new Float32Array(this.d);
    for (let j = 0; j < this.d; j++) r[j] = x[j] - this.centroids[l * this.d + j];
    return r;
  }
}
