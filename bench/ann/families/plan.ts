/**
 * What the index-families benchmark measures on a data set: one factory string per family
 * of issue 5, the nlist it uses there, and its effort sweeps ("curves"), each point given
 * as the parameters Quiver takes and the parameters that make FAISS do the same work.
 *
 * Fairness rules (the method text of the report repeats them):
 * - Same structure on both sides: the same factory string (FAISS `index_factory`; LSH as
 *   `IndexLSH(d, bits)`), the same nlist / m / M, efConstruction 200 for HNSW.
 * - Re-ranking: Quiver's `rerank = R` re-ranks R candidates on the float32 vectors; FAISS
 *   does the same with `IndexRefineFlat` over the same base index and `k_factor = R / k`.
 *   A point with `rerank = 0` is compared with FAISS's base index searched alone.
 * - nlist: the issue's value, capped at the largest power of two ≤ rows / 200 (so each
 *   list holds ≥ 200 rows on average and FAISS's k-means gets ≥ 39 · nlist points).
 *
 * Pure: no I/O, so the tables and the tests can use it.
 */

export const FAMILY_IDS = [
  'flat',
  'ivf-flat',
  'ivf-sq8',
  'ivf-pq',
  'pq',
  'sq8',
  'hnsw',
  'hnsw-sq8',
  'lsh',
  'annoy',
] as const;
export type FamilyId = (typeof FAMILY_IDS)[number];

/** Which plot of a data set a family's curves go to (one plot of everything would be unreadable). */
export type PlotGroup = 'ivf' | 'scan' | 'graph';

export interface PlannedPoint {
  label: string;
  quiver: Record<string, number>;
  /** `null`: FAISS has no counterpart of this point. */
  faiss: Record<string, number> | null;
}

export interface Curve {
  /** Short name shown in tables, e.g. `nprobe`, `codes only`, `rerank 100`. */
  name: string;
  points: PlannedPoint[];
}

export interface FamilyPlan {
  id: FamilyId;
  /** Quiver factory string, also given to FAISS's `index_factory` (LSH aside). */
  factory: string;
  /** `false`: no FAISS counterpart (Annoy). */
  faiss: boolean;
  group: PlotGroup;
  curves: Curve[];
}

export interface SweepSettings {
  k: number;
  nprobes: readonly number[];
  efs: readonly number[];
  /** Re-rank depths for the exhaustive PQ scan; 0 = codes only. */
  reranks: readonly number[];
  /** Re-rank depths for the exhaustive SQ8 scan (its codes alone are close: fewer, smaller depths). */
  sq8Reranks: readonly number[];
  /** Re-rank depths for LSH (Hamming order alone is far from L2 order, so no 0). */
  lshReranks: readonly number[];
  /** Re-rank depth of the re-ranked IVF-PQ curve. */
  ivfPqRerank: number;
  searchKs: readonly number[];
  hnswM: number;
  pqM: number;
  lshBits: number;
  annoyTrees: number;
}

export const DEFAULT_SWEEPS: SweepSettings = {
  k: 10,
  nprobes: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  efs: [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512],
  reranks: [0, 10, 20, 50, 100, 200, 500, 1000],
  sq8Reranks: [0, 10, 20, 50, 100],
  lshReranks: [10, 20, 50, 100, 200, 500, 1000, 2000],
  ivfPqRerank: 100,
  searchKs: [500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000],
  hnswM: 32,
  pqM: 16,
  lshBits: 256,
  annoyTrees: 50,
};

/** The issue's nlist of each IVF family on the 1M × 128 set. */
export const ISSUE_NLIST: Record<'ivf-flat' | 'ivf-sq8' | 'ivf-pq', number> = {
  'ivf-flat': 1024,
  'ivf-sq8': 4096,
  'ivf-pq': 1024,
};

/** Name of the `HNSW32,SQ8` curve that re-ranks all ef candidates (the SQ8 target's curve). */
export const RERANK_EQ_EF = 'rerank = ef';

/** Label of a re-rank depth's point; depth 0 is codes only. */
export function rerankLabel(depth: number): string {
  return `rerank ${depth}`;
}

/** Rows per inverted list the nlist rule keeps at least, on average. */
export const MIN_ROWS_PER_LIST = 200;

/** `wanted`, capped at the largest power of two ≤ rows / MIN_ROWS_PER_LIST (at least 1). */
export function nlistFor(rows: number, wanted: number): number {
  let cap = 1;
  while (cap * 2 * MIN_ROWS_PER_LIST <= rows) cap *= 2;
  return Math.min(wanted, cap);
}

/**
 * The families of a default run: all but Flat, whose exact scan the exact-search section
 * already measures (and which costs FAISS over ten minutes on 1M rows).
 */
export const DEFAULT_FAMILY_IDS: readonly FamilyId[] = FAMILY_IDS.filter((id) => id !== 'flat');

/** Parses a `--factories` list of family ids. @throws Error naming an unknown id. */
export function parseFamilyIds(text: string): FamilyId[] {
  const ids = text.split(',').map((s) => s.trim());
  for (const id of ids) {
    if (!(FAMILY_IDS as readonly string[]).includes(id)) {
      throw new Error(`--factories: unknown family '${id}'; expected some of ${FAMILY_IDS.join(', ')}`);
    }
  }
  return ids as FamilyId[];
}

/** The families `ids` as measured on a set of `rows` rows, in the order of `FAMILY_IDS`. */
export function planFamilies(
  rows: number,
  ids: readonly FamilyId[],
  sweeps: SweepSettings = DEFAULT_SWEEPS,
): FamilyPlan[] {
  return FAMILY_IDS.filter((id) => ids.includes(id)).map((id) => planFamily(id, rows, sweeps));
}

function planFamily(id: FamilyId, rows: number, s: SweepSettings): FamilyPlan {
  const { k } = s;
  const refine = (r: number): Record<string, number> => (r === 0 ? {} : { k_factor: r / k });
  const rerankPoints = (depths: readonly number[]) =>
    depths.map((r) => point(rerankLabel(r), { rerank: r }, refine(r)));
  const nprobeCurve = (nlist: number, name: string, rerank?: number): Curve => ({
    name,
    points: s.nprobes
      .filter((p) => p <= nlist / 2)
      .map((p) =>
        rerank === undefined
          ? point(`nprobe ${p}`, { nprobe: p }, { nprobe: p })
          : point(`nprobe ${p}`, { nprobe: p, rerank }, { nprobe: p, ...refine(rerank) }),
      ),
  });
  switch (id) {
    case 'flat':
      return family(id, 'Flat', 'scan', [{ name: 'exact', points: [point('exact', {}, {})] }]);
    case 'ivf-flat': {
      const nlist = nlistFor(rows, ISSUE_NLIST[id]);
      return family(id, `IVF${nlist},Flat`, 'ivf', [nprobeCurve(nlist, 'nprobe')]);
    }
    case 'ivf-sq8': {
      const nlist = nlistFor(rows, ISSUE_NLIST[id]);
      return family(id, `IVF${nlist},SQ8`, 'ivf', [nprobeCurve(nlist, 'codes only', 0)]);
    }
    case 'ivf-pq': {
      const nlist = nlistFor(rows, ISSUE_NLIST[id]);
      return family(id, `IVF${nlist},PQ${s.pqM}`, 'ivf', [
        nprobeCurve(nlist, 'codes only', 0),
        nprobeCurve(nlist, rerankLabel(s.ivfPqRerank), s.ivfPqRerank),
      ]);
    }
    case 'pq':
      return family(id, `PQ${s.pqM}`, 'scan', [{ name: 'rerank', points: rerankPoints(s.reranks) }]);
    case 'sq8':
      return family(id, 'SQ8', 'scan', [{ name: 'rerank', points: rerankPoints(s.sq8Reranks) }]);
    case 'hnsw':
      return family(id, `HNSW${s.hnswM}`, 'graph', [
        { name: 'ef', points: s.efs.map((ef) => point(`ef ${ef}`, { ef }, { efSearch: ef })) },
      ]);
    case 'hnsw-sq8':
      return family(id, `HNSW${s.hnswM},SQ8`, 'graph', [
        {
          name: 'codes only',
          points: s.efs.map((ef) => point(`ef ${ef}`, { ef, rerank: 0 }, { efSearch: ef })),
        },
        {
          name: RERANK_EQ_EF,
          points: s.efs
            .filter((ef) => ef >= k)
            .map((ef) => point(`ef ${ef}`, { ef, rerank: ef }, { efSearch: ef, ...refine(ef) })),
        },
      ]);
    case 'lsh':
      return family(id, `LSH${s.lshBits}`, 'scan', [{ name: 'rerank', points: rerankPoints(s.lshReranks) }]);
    case 'annoy':
      return {
        ...family(id, `Annoy${s.annoyTrees}`, 'graph', [
          {
            name: 'searchK',
            points: s.searchKs
              .filter((n) => n <= rows)
              .map((n) => point(`searchK ${n}`, { searchK: n }, null)),
          },
        ]),
        faiss: false,
      };
  }
}

function family(id: FamilyId, factory: string, group: PlotGroup, curves: Curve[]): FamilyPlan {
  return { id, factory, faiss: true, group, curves };
}

function point(
  label: string,
  quiver: Record<string, number>,
  faiss: Record<string, number> | null,
): PlannedPoint {
  return { label, quiver, faiss };
}

/** The libraries that measure `plan`: Quiver always, FAISS when it has a counterpart. */
export function librariesOf(plan: FamilyPlan, wanted: readonly string[]): string[] {
  return wanted.filter((lib) => lib === 'quiver' || (lib === 'faiss' && plan.faiss));
}

/** The sweep points of `plan` as `lib` takes them (FAISS: only points with a counterpart). */
export function effortPoints(
  plan: FamilyPlan,
  lib: string,
): { curve: string; label: string; params: Record<string, number> }[] {
  return plan.curves.flatMap((c) =>
    c.points.flatMap((p) => {
      const params = lib === 'faiss' ? p.faiss : p.quiver;
      return params === null ? [] : [{ curve: c.name, label: p.label, params }];
    }),
  );
}

/** Whether the FAISS build must wrap its index in `IndexRefineFlat` (some point re-ranks). */
export function needsRefine(plan: FamilyPlan): boolean {
  return effortPoints(plan, 'faiss').some((p) => 'k_factor' in p.params);
}
