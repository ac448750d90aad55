/**
 * The k best (offset, score) pairs of a stream, best first: higher score, and on equal
 * scores the lower offset. A min-heap of capacity k whose root is the worst pair kept, so
 * each offer costs O(log k) and selection over n pairs O(n log k).
 */
export class ScoreHeap {
  private readonly offsets: Uint32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.offsets = new Uint32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  /** Keeps (offset, score) if it is among the `capacity` best offered so far. */
  offer(offset: number, score: number): void {
    if (this.size < this.capacity) {
      this.offsets[this.size] = offset;
      this.scores[this.size] = score;
      this.siftUp(this.size++);
    } else if (this.capacity > 0 && this.worse(this.offsets[0], this.scores[0], offset, score)) {
      this.offsets[0] = offset;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  /** The pairs kept, best first; empties the heap. */
  drain(): { offsets: Uint32Array; scores: Float64Array } {
    const n = this.size;
    const offsets = new Uint32Array(n);
    const scores = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      offsets[i] = this.offsets[0];
      scores[i] = this.scores[0];
      this.size--;
      this.offsets[0] = this.offsets[this.size];
      this.scores[0] = this.scores[this.size];
      this.siftDown(0);
    }
    return { offsets, scores };
  }

  /** Whether (a, sa) ranks below (b, sb). */
  private worse(a: number, sa: number, b: number, sb: number): boolean {
    return sa < sb || (sa === sb && a > b);
  }

  private below(i: number, j: number): boolean {
    return this.worse(this.offsets[i], this.scores[i], this.offsets[j], this.scores[j]);
  }

  private swap(i: number, j: number): void {
    const o = this.offsets[i];
    this.offsets[i] = this.offsets[j];
    this.offsets[j] = o;
    const s = this.scores[i];
    this.scores[i] = this.scores[j];
    this.scores[j] = s;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!this.below(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const lower = right < this.size && this.below(right, left) ? right : left;
      if (!this.below(lower, i)) return;
      this.swap(i, lower);
      i = lower;
    }
  }
}
