/**
 * The cases of `npm run bench:scale` (issue 15's table): synthetic clustered data of a
 * fixed seed at the sizes users bring, HNSW M=16, efConstruction=200, k=10.
 *
 * `--scale f` multiplies every count by f (e.g. 0.001 to try the harness in a minute); the
 * case's name then carries the factor, so kept results of different scales never mix.
 */

export interface ScaleCase {
  /** Name used on the command line and for the kept files. */
  name: string;
  title: string;
  count: number;
  dimension: number;
  /** Vectors on disk with SQ8 codes in memory (`onDisk: true`), else all in memory. */
  onDisk: boolean;
  /** Also build and measure hnswlib-node on the same data. */
  peer: boolean;
  /** The in-memory case whose RSS and QPS this one is compared with (`onDisk` cases). */
  baseline?: string;
}

export const SCALE_CASES: readonly ScaleCase[] = [
  {
    name: '10m-128',
    title: '10M × 128, HNSW',
    count: 10_000_000,
    dimension: 128,
    onDisk: false,
    peer: false,
  },
  {
    name: '1m-128',
    title: '1M × 128, HNSW (open and load at a size that runs in minutes)',
    count: 1_000_000,
    dimension: 128,
    onDisk: false,
    peer: false,
  },
  {
    name: '2m-768',
    title: '2M × 768, HNSW in memory',
    count: 2_000_000,
    dimension: 768,
    onDisk: false,
    peer: true,
  },
  {
    name: '2m-768-ondisk',
    title: '2M × 768, `onDisk` with SQ8 codes',
    count: 2_000_000,
    dimension: 768,
    onDisk: true,
    peer: false,
    baseline: '2m-768',
  },
  {
    name: '1m-1536',
    title: '1M × 1536, HNSW in memory',
    count: 1_000_000,
    dimension: 1536,
    onDisk: false,
    peer: false,
  },
];

export const M = 16;
export const EF_CONSTRUCTION = 200;
export const K = 10;
/** The recall at which QPS is compared. */
export const TARGET_RECALL = 0.95;
/** Search efforts swept, ascending; the sweep stops at the first one past the target recall + 0.02. */
export const EF_SWEEP = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];

/** The case scaled by `factor` (counts rounded, at least 2,000 rows). */
export function scaled(c: ScaleCase, factor: number): ScaleCase {
  if (factor === 1) return c;
  return {
    ...c,
    name: `${c.name}@${factor}`,
    title: `${c.title} (scaled ×${factor})`,
    count: Math.max(2000, Math.round(c.count * factor)),
    baseline: c.baseline === undefined ? undefined : `${c.baseline}@${factor}`,
  };
}
