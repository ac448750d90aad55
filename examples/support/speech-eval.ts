/**
 * The speech example's protocol: query by example. Every recording is a query; the relevant
 * answers are the other recordings of the same word; a method ranks candidate recordings
 * (never the query itself) and is scored by precision@1/5/10 and by mean average precision
 * over its full ranking, in three scopes:
 * - `all`: every other recording (relevant: the word in every voice and speed);
 * - `other voices`: recordings in a voice other than the query's — the figure that says
 *   whether a word is found when someone else said it;
 * - `same voice`: recordings in the query's voice (the same word at the other speeds).
 * Per-voice figures split the `other voices` scope by the query's voice; confusions count
 * the words wrongly ranked first in that scope.
 */
import { averagePrecision, precisionAtK } from '../../src/eval/metrics.js';
import { SeededRandom } from '../../src/eval/random.js';
import type { Filter } from '../../src/index.js';
import type { Recording } from './speech-corpus.js';

/** Where a query's candidates come from (see the module comment). */
export type Scope = 'all' | 'other voices' | 'same voice';
export const SCOPES: readonly Scope[] = ['all', 'other voices', 'same voice'];

/** The cut-offs of precision@k. */
export const CUTOFFS = [1, 5, 10] as const;

/** A way to rank recordings for a query. */
export interface SpeechMethod {
  name: string;
  description: string;
  /**
   * Ids of the candidates of `scope` for `query`, best first: the first `k` (10), or all
   * of them when `full` is true. Methods whose `full` ranking would not be their own (an
   * approximate index asked for everything searches exhaustively) set `ranksAll` false.
   */
  rank(query: Recording, scope: Scope, full: boolean): Promise<number[]>;
  /** Whether mAP is computed for this method (it ranks every candidate as itself). */
  ranksAll: boolean;
}

/** precision@k (at `CUTOFFS`) and mAP of one method in one scope, averaged over queries. */
export interface ScopeScores {
  precision: number[];
  /** Undefined for methods that do not rank all candidates. */
  map?: number;
}

/** Per query voice, in the `other voices` scope (and precision@1 in `same voice`). */
export interface VoiceScores {
  voice: string;
  crossP1: number;
  crossP10: number;
  sameP1: number;
}

export interface MethodResult {
  name: string;
  description: string;
  scopes: Record<Scope, ScopeScores>;
  voices: VoiceScores[];
  /** `query word → word ranked first`, with counts, most frequent first (`other voices` scope). */
  confusions: { from: string; to: string; count: number }[];
  seconds: number;
}

/** Whether `candidate` is a candidate of `query` in `scope` (never the query itself). */
export function inScope(scope: Scope, query: Recording, candidate: Recording): boolean {
  if (candidate.id === query.id) return false;
  if (scope === 'other voices') return candidate.voice !== query.voice;
  if (scope === 'same voice') return candidate.voice === query.voice;
  return true;
}

/** The collection filter that leaves the candidates of `scope` for `query`. */
export function scopeFilter(scope: Scope, query: Recording): Filter {
  const self = { has_id: [query.id] };
  const voice = { key: 'voice', match: { value: query.voice } };
  if (scope === 'other voices') return { must_not: [self, voice] };
  if (scope === 'same voice') return { must: [voice], must_not: [self] };
  return { must_not: [self] };
}

/** How many candidates `query` has in `scope`. */
export function candidateCount(recordings: readonly Recording[], scope: Scope, query: Recording): number {
  return recordings.reduce((n, r) => n + (inScope(scope, query, r) ? 1 : 0), 0);
}

/** Scores `method` over every query of `recordings` (ids are positions in `recordings`). */
export async function evaluateMethod(
  method: SpeechMethod,
  recordings: readonly Recording[],
): Promise<MethodResult> {
  const started = performance.now();
  const scopes = {} as Record<Scope, ScopeScores>;
  const perQuery = new Map<Scope, { p1: number; p10: number }[]>();
  const counts = new Map<string, number>();
  for (const scope of SCOPES) {
    const sums = CUTOFFS.map(() => 0);
    let apSum = 0;
    const rows: { p1: number; p10: number }[] = [];
    for (const query of recordings) {
      const ranked = await method.rank(query, scope, method.ranksAll);
      const relevant = recordings
        .filter((r) => r.word === query.word && inScope(scope, query, r))
        .map((r) => r.id);
      const p = CUTOFFS.map((k) => precisionAtK(ranked, relevant, k));
      p.forEach((v, i) => {
        sums[i] += v;
      });
      if (method.ranksAll) apSum += averagePrecision(ranked, relevant);
      rows.push({ p1: p[0], p10: p[CUTOFFS.length - 1] });
      const top = recordings[ranked[0]];
      if (scope === 'other voices' && top.word !== query.word) {
        const key = `${query.word}\u2192${top.word}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    scopes[scope] = {
      precision: sums.map((s) => s / recordings.length),
      map: method.ranksAll ? apSum / recordings.length : undefined,
    };
    perQuery.set(scope, rows);
  }
  const voices = [...new Set(recordings.map((r) => r.voice))].map((voice) => {
    const mean = (scope: Scope, pick: (row: { p1: number; p10: number }) => number) => {
      const rows = perQuery.get(scope)!.filter((_, i) => recordings[i].voice === voice);
      return rows.reduce((s, row) => s + pick(row), 0) / rows.length;
    };
    return {
      voice,
      crossP1: mean('other voices', (r) => r.p1),
      crossP10: mean('other voices', (r) => r.p10),
      sameP1: mean('same voice', (r) => r.p1),
    };
  });
  const confusions = [...counts]
    .map(([key, count]) => {
      const [from, to] = key.split('\u2192');
      return { from, to, count };
    })
    .sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return {
    name: method.name,
    description: method.description,
    scopes,
    voices,
    confusions,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Candidates ranked by a precomputed distance (smaller is closer; ties by id). */
export function distanceMethod(
  name: string,
  description: string,
  recordings: readonly Recording[],
  distance: (a: number, b: number) => number,
): SpeechMethod {
  return {
    name,
    description,
    ranksAll: true,
    rank: async (query, scope, full) => {
      const ranked = recordings
        .filter((r) => inScope(scope, query, r))
        .map((r) => ({ id: r.id, d: distance(query.id, r.id) }))
        .sort((a, b) => a.d - b.d || a.id - b.id)
        .map((c) => c.id);
      return full ? ranked : ranked.slice(0, 10);
    },
  };
}

/** The random baseline: candidates in a seeded random order per query and scope. */
export function randomMethod(recordings: readonly Recording[], seed: number): SpeechMethod {
  return {
    name: 'random',
    description: `candidates in a random order (seed ${seed} + query id)`,
    ranksAll: true,
    rank: async (query, scope, full) => {
      const random = new SeededRandom(seed + query.id * 7919 + SCOPES.indexOf(scope));
      const ids = recordings.filter((r) => inScope(scope, query, r)).map((r) => r.id);
      for (let i = ids.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [ids[i], ids[j]] = [ids[j], ids[i]];
      }
      return full ? ids : ids.slice(0, 10);
    },
  };
}

/** The share of `other voices` first-ranked mistakes that are the query word's minimal pair. */
export function pairConfusionShare(
  result: MethodResult,
  pairs: readonly (readonly [string, string])[],
): number {
  const total = result.confusions.reduce((s, c) => s + c.count, 0);
  if (total === 0) return 0;
  const isPair = (a: string, b: string) =>
    pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  return result.confusions.filter((c) => isPair(c.from, c.to)).reduce((s, c) => s + c.count, 0) / total;
}
