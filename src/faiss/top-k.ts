/**
 * The k best of a stream of (distance, handle) pairs, by a bounded binary heap whose root is
 * the worst kept pair: smallest distances for L2 (and Hamming), largest for inner product.
 * Handles are numbers the caller maps to labels at the end (no BigInt per candidate). Ties
 * with the worst kept pair do not displace it, so among equal distances the first pushed
 * stays, as FAISS's heaps mostly do.
 */

export class TopK {
  private readonly dist: Float64Array;
  private readonly lab: Float64Array;
  private size = 0;
  /** +1 keeps the smallest distances, -1 the largest. */
  private readonly sign: number;

  constructor(
    readonly k: number,
    largest: boolean,
  ) {
    this.dist = new Float64Array(k);
    this.lab = new Float64Array(k);
    this.sign = largest ? -1 : 1;
  }

  /** The worst kept distance (in the caller's units), or ±Infinity while fewer than k are kept. */
  get bound(): number {
    return this.size < this.k ? this.sign * Infinity : this.dist[0];
  }

  push(distance: number, label: number): void {
    const s = this.sign;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (s * this.dist[p] >= s * distance) break;
        this.dist[i] = this.dist[p];
        this.lab[i] = this.lab[p];
        i = p;
      }
      this.dist[i] = distance;
      this.lab[i] = label;
      return;
    }
    if (s * distance >= s * this.dist[0]) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && s * this.dist[r] > s * this.dist[l] ? r : l;
      if (s * this.dist[c] <= s * distance) break;
      this.dist[i] = this.dist[c];
      this.lab[i] = this.lab[c];
      i = c;
    }
    this.dist[i] = distance;
    this.lab[i] = label;
  }

  /** The kept pairs, best first (ties: lower handle first), handles mapped to labels by `label`. */
  result(label: (handle: number) => bigint = BigInt): { distances: Float32Array; labels: BigInt64Array } {
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (a, b) => this.sign * (this.dist[a] - this.dist[b]) || this.lab[a] - this.lab[b],
    );
    const distances = new Float32Array(this.size);
    const labels = new BigInt64Array(this.size);
    order.forEach((from, to) => {
      distances[to] = this.dist[from];
      labels[to] = label(this.lab[from]);
    });
    return { distances, labels };
  }
}
