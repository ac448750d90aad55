/**
 * FAISS's `ProductQuantizer` with 8-bit sub-quantizers, in FAISS's memory layout so that its
 * files carry it unchanged: `centroids` holds M codebooks of ksub = 256 centroids of
 * dsub = d / M floats, codebook m at [m·256·dsub, (m+1)·256·dsub). A code is M bytes, byte m
 * the number of sub-vector m's nearest centroid (squared L2).
 *
 * Training runs Quiver's k-means (`src/index/kmeans.ts`, wasm, FAISS's defaults: 25
 * iterations, at most 256 points per centroid) on each sub-space; the codebooks differ from
 * FAISS's (another random generator), the layout and the search arithmetic do not.
 */
import { InvalidArgumentError } from '../errors.js';
import { kmeans } from '../index/kmeans.js';
import { kernels } from '../kernels/load.js';

export const KSUB = 256;
const TRAIN_ITERATIONS = 25;

export class ProductQuantizer {
  readonly dsub: number;
  /** M·256·dsub floats once trained; empty before. */
  centroids: Float32Array<ArrayBufferLike> = new Float32Array(0);

  constructor(
    readonly d: number,
    readonly M: number,
    readonly nbits = 8,
  ) {
    if (!Number.isInteger(M) || M < 1 || d % M !== 0) {
      throw new InvalidArgumentError(`PQ: M = ${M} must be a positive divisor of d = ${d}`);
    }
    if (nbits !== 8)
      throw new InvalidArgumentError(`PQ: only 8-bit sub-quantizers are supported, got nbits = ${nbits}`);
    this.dsub = d / M;
  }

  get isTrained(): boolean {
    return this.centroids.length === this.M * KSUB * this.dsub;
  }

  /** Bytes per code (M). */
  get codeSize(): number {
    return this.M;
  }

  /** Installs codebooks (from a file). @throws Error when the size is not M·256·dsub. */
  setCentroids(centroids: Float32Array): void {
    if (centroids.length !== this.M * KSUB * this.dsub) {
      throw new Error(`PQ: ${centroids.length} centroid floats, expected ${this.M * KSUB * this.dsub}`);
    }
    this.centroids = centroids;
  }

  /** Learns the M codebooks from `n` rows of d floats. */
  async train(x: Float32Array, n: number, seed = 1234): Promise<void> {
    const next = new Float32Array(this.M * KSUB * this.dsub);
    const sub = new Float32Array(n * this.dsub);
    for (let m = 0; m < this.M; m++) {
      for (let i = 0; i < n; i++)
        sub.set(x.subarray(i * this.d + m * this.dsub, i * this.d + (m + 1) * this.dsub), i * this.dsub);
      const c = await kmeans(kernels(), sub, this.dsub, KSUB, {
        iterations: TRAIN_ITERATIONS,
        seed: seed + m,
      });
      next.set(c, m * KSUB * this.dsub);
    }
    this.centroids = next;
  }

  /** Writes the M-byte code of the d floats `x` at `out[at..]`. */
  encode(x: Float32Array, out: Uint8Array, at: number): void {
    const { dsub, centroids } = this;
    for (let m = 0; m < this.M; m++) {
      let best = 0;
      let bestDist = Infinity;
      const xo = m * dsub;
      const base = m * KSUB * dsub;
      for (let c = 0; c < KSUB; c++) {
        let s = 0;
        const co = base + c * dsub;
        for (let j = 0; j < dsub; j++) {
          const t = x[xo + j] - centroids[co + j];
          s += t * t;
        }
        if (s < bestDist) {
          bestDist = s;
          best = c;
        }
      }
      out[at + m] = best;
    }
  }

  /** The d floats the code at `codes[at..]` stands for, written to `out`. */
  decode(codes: Uint8Array, at: number, out: Float32Array): void {
    for (let m = 0; m < this.M; m++) {
      const co = (m * KSUB + codes[at + m]) * this.dsub;
      out.set(this.centroids.subarray(co, co + this.dsub), m * this.dsub);
    }
  }

  /**
   * The M×256 table of the query's sub-distances: squared L2 between sub-vector m and each
   * centroid of codebook m (`ip` false), or their inner products (`ip` true).
   */
  table(q: Float32Array, ip: boolean): Float32Array {
    const { dsub, centroids } = this;
    const out = new Float32Array(this.M * KSUB);
    for (let m = 0; m < this.M; m++) {
      const qo = m * dsub;
      for (let c = 0; c < KSUB; c++) {
        const co = (m * KSUB + c) * dsub;
        let s = 0;
        if (ip) for (let j = 0; j < dsub; j++) s += q[qo + j] * centroids[co + j];
        else
          for (let j = 0; j < dsub; j++) {
            const t = q[qo + j] - centroids[co + j];
            s += t * t;
          }
        out[m * KSUB + c] = s;
      }
    }
    return out;
  }

  /** Sum of the table entries the code at `codes[at..]` selects (FAISS's ADC estimate). */
  lookup(table: Float32Array, codes: Uint8Array, at: number): number {
    let s = 0;
    for (let m = 0; m < this.M; m++) s += table[m * KSUB + codes[at + m]];
    return s;
  }
}
