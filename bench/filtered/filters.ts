/**
 * The filters of the filtered-search benchmark: four payload tags of chosen selectivity.
 * Row i carries tag `s50` with probability 0.5, `s10` with 0.1, `s1` with 0.01 and `s01`
 * with 0.001, each tag drawn independently (its own seeded generator, one draw per row), so
 * a point may carry several tags: its payload is `{ tags: [...] }`. A filter
 * `{ must: [{ key: 'tags', match: { value: tag } }] }` then allows the rows carrying `tag`,
 * which are also the allow-sets given to the exact ground truth and to hnswlib-node.
 */
import { SeededRandom } from '../../src/eval/random.js';
import { Bitset } from '../../src/index/bitset.js';
import type { Filter } from '../../src/payload/filter.js';

export interface FilterCase {
  /** The payload tag, e.g. `s10`. */
  tag: string;
  /** Probability that a row carries the tag. */
  fraction: number;
  /** For tables, e.g. `10%`. */
  label: string;
  /** Target of QPS at recall 0.95, filtered ÷ unfiltered (issue 6). */
  target: number;
}

export const FILTER_CASES: readonly FilterCase[] = [
  { tag: 's50', fraction: 0.5, label: '50%', target: 0.5 },
  { tag: 's10', fraction: 0.1, label: '10%', target: 0.5 },
  { tag: 's1', fraction: 0.01, label: '1%', target: 1.0 },
  { tag: 's01', fraction: 0.001, label: '0.1%', target: 1.0 },
];

const FIRST_SEED = 20261121;

/** The recipe of the tags, recorded beside kept data so that a changed recipe rebuilds it. */
export const TAG_RECIPE =
  `tags ${FILTER_CASES.map((c) => `${c.tag}:${c.fraction}`).join(',')}; ` +
  `SeededRandom(${FIRST_SEED} + case index), one draw per row`;

/** The rows carrying each case's tag, in `FILTER_CASES` order. */
export function taggedRows(n: number): Bitset[] {
  return FILTER_CASES.map((c, j) => {
    const rng = new SeededRandom(FIRST_SEED + j);
    const rows = new Bitset(n);
    for (let i = 0; i < n; i++) if (rng.next() < c.fraction) rows.set(i);
    return rows;
  });
}

/** The payload of row `i`: the tags whose rows include it. */
export function payloadOf(i: number, rows: readonly Bitset[]): { tags: string[] } {
  const tags: string[] = [];
  for (let j = 0; j < rows.length; j++) if (rows[j].has(i)) tags.push(FILTER_CASES[j].tag);
  return { tags };
}

/** The filter allowing exactly the rows that carry `tag`. */
export function tagFilter(tag: string): Filter {
  return { must: [{ key: 'tags', match: { value: tag } }] };
}
