/**
 * Seeded pseudo-random numbers for reproducible data sets, tests and benchmarks.
 * `SeededRandom` is SplitMix32-style (Mulberry32): fast, 32-bit state, good enough for
 * synthetic data — not for cryptography. The same seed always yields the same sequence.
 */
export class SeededRandom {
  private state32: number;
  private spareGaussian: number | undefined;

  constructor(seed: number) {
    this.state32 = seed >>> 0;
  }

  /** The generator's state: `new SeededRandom(r.state)` continues r's sequence. */
  get state(): number {
    return this.state32;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state32 = (this.state32 + 0x6d2b79f5) >>> 0;
    let t = this.state32;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal sample (Box–Muller, caching the second value). */
  gaussian(): number {
    if (this.spareGaussian !== undefined) {
      const g = this.spareGaussian;
      this.spareGaussian = undefined;
      return g;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** `count` vectors of `dimension` floats with independent standard normal components. */
export function gaussianVectors(count: number, dimension: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(count * dimension);
  for (let i = 0; i < out.length; i++) out[i] = rng.gaussian();
  return out;
}

/**
 * A Gaussian mixture: `clusters` centres drawn from N(0, 1) per component, each point a
 * random centre plus N(0, spread²) noise. Row-major, `count × dimension`. This is the
 * synthetic set the benchmarks use (clusters make ANN search realistic, unlike i.i.d. noise).
 */
export function gaussianMixture(
  count: number,
  dimension: number,
  clusters: number,
  seed: number,
  spread = 0.3,
): Float32Array {
  const rng = new SeededRandom(seed);
  const centres = new Float32Array(clusters * dimension);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.gaussian();
  const out = new Float32Array(count * dimension);
  for (let p = 0; p < count; p++) {
    const c = rng.int(clusters) * dimension;
    const row = p * dimension;
    for (let d = 0; d < dimension; d++) out[row + d] = centres[c + d] + spread * rng.gaussian();
  }
  return out;
}
