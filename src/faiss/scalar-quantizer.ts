/**
 * `IndexScalarQuantizer` with FAISS's `QT_8bit` (per-dimension ranges, `RS_minmax`): a
 * vector is d bytes, c = floor(255 · clamp((x - vmin) / vdiff, 0, 1)), decoded as
 * vmin + (c + 0.5) / 255 · vdiff, exactly FAISS's `Codec8bit` and its trained table
 * `[vmin(d), vdiff(d)]`. Search scans every code: squared L2 or inner product between the
 * query and the decoded vector, as FAISS's scalar-quantizer distance computers.
 */
import { InvalidArgumentError } from '../errors.js';
import { CodeIndex, type CodeScorer } from './code-index.js';
import { METRIC_L2, type MetricType, toRows, type VectorsInput } from './faiss-index.js';

/** FAISS's `ScalarQuantizer::QT_8bit` (the only quantizer type supported). */
export const QT_8bit = 0;

export class IndexScalarQuantizer extends CodeIndex {
  readonly className: string = 'IndexScalarQuantizer';
  /** `[vmin(d), vdiff(d)]` once trained (FAISS's `sq.trained`); empty before. */
  trained: Float32Array<ArrayBufferLike> = new Float32Array(0);
  /** The decoded value of each code byte per dimension (256·d floats), built on first use. */
  private decoded: Float32Array | undefined;

  /** Python: `faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, metric)`. */
  constructor(d: number, qtype: number = QT_8bit, metricType: MetricType = METRIC_L2) {
    super(d, metricType);
    if (qtype !== QT_8bit)
      throw new InvalidArgumentError(`only QT_8bit (0) is supported, got quantizer type ${qtype}`);
  }

  get codeSize(): number {
    return this.d;
  }

  override get isTrained(): boolean {
    return this.trained.length === 2 * this.d;
  }

  /** Learns each dimension's [min, max] range. Python: `index.train(xt)`. */
  override async train(x: VectorsInput): Promise<void> {
    const rows = toRows(x, this.d);
    const n = rows.length / this.d;
    if (n < 1) throw new InvalidArgumentError(`${this.className}.train needs at least one row`);
    const t = new Float32Array(2 * this.d);
    const d = this.d;
    t.set(rows.subarray(0, d), 0);
    t.set(rows.subarray(0, d), d);
    for (let i = 1; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = rows[i * d + j];
        if (v < t[j]) t[j] = v;
        if (v > t[d + j]) t[d + j] = v;
      }
    }
    for (let j = 0; j < d; j++) t[d + j] = Math.fround(t[d + j] - t[j]);
    this.trained = t;
    this.decoded = undefined;
    this.changed();
  }

  /** Installs the trained table (from a file). @throws Error when not 2·d floats. */
  setTrained(trained: Float32Array): void {
    if (trained.length !== 2 * this.d)
      throw new Error(`SQ8: trained table has ${trained.length} floats, expected ${2 * this.d}`);
    this.trained = trained;
    this.decoded = undefined;
    this.changed();
  }

  protected encodeRows(rows: Float32Array, n: number, out: Uint8Array, at: number): void {
    const d = this.d;
    const t = this.trained;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let xi = 0;
        if (t[d + j] !== 0) {
          xi = Math.fround(Math.fround(rows[i * d + j] - t[j]) / t[d + j]);
          if (xi < 0) xi = 0;
          if (xi > 1) xi = 1;
        }
        out[at + i * d + j] = Math.trunc(Math.fround(255 * xi));
      }
    }
  }

  /** Decoded components per code value and dimension, so that a scan only looks them up. */
  private decodeTable(): Float32Array {
    if (this.decoded) return this.decoded;
    const d = this.d;
    const t = this.trained;
    const table = new Float32Array(256 * d);
    for (let c = 0; c < 256; c++) {
      const xi = Math.fround(Math.fround(c + 0.5) / 255);
      for (let j = 0; j < d; j++) table[c * d + j] = Math.fround(t[j] + Math.fround(xi * t[d + j]));
    }
    this.decoded = table;
    return table;
  }

  /**
   * Per query, the term of every (dimension, code byte): (q_j − x̂)² or q_j · x̂ with x̂ the
   * decoded component, so that scoring a code is d lookups and adds.
   */
  protected scorer(query: Float32Array): CodeScorer {
    const d = this.d;
    const decoded = this.decodeTable();
    const l2 = this.metricType === METRIC_L2;
    const terms = new Float64Array(256 * d);
    for (let j = 0; j < d; j++) {
      for (let c = 0; c < 256; c++) {
        const v = decoded[c * d + j];
        terms[j * 256 + c] = l2 ? (query[j] - v) * (query[j] - v) : query[j] * v;
      }
    }
    return (codes, at) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += terms[j * 256 + codes[at + j]];
      return s;
    };
  }

  protected decodeCode(codes: Uint8Array, at: number): Float32Array {
    const table = this.decodeTable();
    const out = new Float32Array(this.d);
    for (let j = 0; j < this.d; j++) out[j] = table[codes[at + j] * this.d + j];
    return out;
  }
}
