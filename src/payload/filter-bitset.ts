/**
 * Evaluates a filter over the rows of one segment into a bitset, with payload indexes where
 * a condition's key has one and by reading payloads for the rest — only rows still possible.
 *
 * A group is evaluated against a candidate set C (all rows at the top) and yields the rows
 * of C where it holds:
 * 1. `must` conditions that indexes can answer (an indexed key, or a nested group containing
 *    one), indexed keys first: C ← C ∩ rows(condition), each evaluated against the current C,
 *    so a nested group reads payloads only for rows every earlier `must` allowed;
 * 2. answerable `must_not` conditions: C ← C \ rows(condition);
 * 3. answerable `should` conditions: M ← the union, each evaluated only on the rows of C that
 *    no earlier `should` condition matched;
 * 4. the rest (conditions on unindexed keys, groups without indexed keys) in one pass over C
 *    that reads each payload once: a row stays when the remaining `must` hold, no remaining
 *    `must_not` holds and, if `should` is non-empty, it is in M or a remaining `should` holds.
 * An indexed field condition is answered as field-index.ts describes: the index lookup, plus
 * payload reads for the rows the index cannot decide. The result is exactly the set of rows
 * for which `compileFilter` holds, given the same analyzers.
 */
import { Bitset } from '../index/bitset.js';
import type { FieldIndex } from './field-index.js';
import {
  type CompileOptions,
  type Condition,
  compileCondition,
  compileFilter,
  type FieldCondition,
  type Filter,
  type FilterPredicate,
  isFieldCondition,
} from './filter.js';
import type { RowPayload } from './filter-types.js';

/** The indexes of a segment by key, and how to compile what they cannot answer. */
export interface IndexedFields {
  readonly fields: ReadonlyMap<string, FieldIndex>;
  readonly options: CompileOptions;
}

/**
 * Rows 0..rows-1 where `filter` holds (a new bitset the caller owns). The field indexes must
 * hold at least `rows` rows.
 */
export function filterRows(
  indexed: IndexedFields,
  filter: Filter,
  rows: number,
  payloadAt: (offset: number) => RowPayload,
): Bitset {
  return new FilterEvaluation(indexed, rows, payloadAt).group(filter, undefined);
}

/**
 * A cheap upper bound of the rows among 0..rows-1 where `filter` holds, from index
 * cardinalities: `must` takes the smallest bound, `should` the sum, `must_not` does not
 * lower it, and a condition on an unindexed key allows every row.
 */
export function estimateRows(indexed: IndexedFields, filter: Filter, rows: number): number {
  const estimate = (condition: Condition): number =>
    isFieldCondition(condition) ? estimateField(indexed, condition, rows) : group(condition);
  const group = (filter: Filter): number => {
    let bound = rows;
    for (const condition of filter.must ?? []) bound = Math.min(bound, estimate(condition));
    const should = filter.should ?? [];
    if (should.length > 0)
      bound = Math.min(
        bound,
        should.reduce((sum, condition) => sum + estimate(condition), 0),
      );
    return bound;
  };
  return group(filter);
}

function estimateField(indexed: IndexedFields, condition: FieldCondition, rows: number): number {
  const index = indexed.fields.get(condition.key);
  if (index === undefined) return rows;
  if ('exists' in condition) {
    const present = index.present.countBelow(rows);
    return condition.exists ? present : rows - present;
  }
  const lookup = index.lookup(condition);
  return Math.min(
    rows,
    lookup === undefined ? index.present.count : lookup.count() + index.foreign.countBelow(rows),
  );
}

/** One evaluation; candidate sets are `Bitset`s, or undefined for "every row". */
class FilterEvaluation {
  private readonly answerableCache = new Map<Condition, boolean>();

  constructor(
    private readonly indexed: IndexedFields,
    private readonly rows: number,
    private readonly payloadAt: (offset: number) => RowPayload,
  ) {}

  /** The rows of `candidates` where `group` holds, as a new bitset. */
  group(group: Filter, candidates: Bitset | undefined): Bitset {
    const [must, restMust] = this.split(group.must ?? []);
    const [mustNot, restMustNot] = this.split(group.must_not ?? []);
    const [should, restShould] = this.split(group.should ?? []);
    // Indexed keys first: they cost no payload reads and narrow what nested groups read.
    must.sort((a, b) => Number(isFieldCondition(b)) - Number(isFieldCondition(a)));
    let result = candidates?.clone();
    for (const condition of must) result = this.condition(condition, result);
    const rows = result ?? Bitset.full(this.rows);
    for (const condition of mustNot) rows.andNot(this.condition(condition, rows));
    let shouldMatched: Bitset | undefined;
    if (should.length > 0) {
      shouldMatched = new Bitset(this.rows);
      const unmatched = rows.clone();
      for (const condition of should) {
        const matched = this.condition(condition, unmatched);
        shouldMatched.or(matched);
        unmatched.andNot(matched);
      }
      if (restShould.length === 0) rows.and(shouldMatched);
    }
    if (restMust.length === 0 && restMustNot.length === 0 && restShould.length === 0) return rows;
    const options = this.indexed.options;
    const restHolds =
      restMust.length === 0 && restMustNot.length === 0
        ? undefined
        : compileFilter({ must: restMust, must_not: restMustNot }, options);
    const someRestShould =
      restShould.length === 0 ? undefined : compileFilter({ should: restShould }, options);
    rows.forEach((row) => {
      const shouldHolds = someRestShould === undefined || shouldMatched?.has(row) === true;
      // A row that already satisfies `should` and has no other test left is not read.
      if (restHolds === undefined && shouldHolds) return;
      const payload = this.payloadAt(row);
      const holds =
        (restHolds === undefined || restHolds(payload)) &&
        (shouldHolds || (someRestShould as FilterPredicate)(payload));
      if (!holds) rows.clear(row);
    });
    return rows;
  }

  /** The rows of `candidates` where an answerable condition holds, as a new bitset. */
  private condition(condition: Condition, candidates: Bitset | undefined): Bitset {
    if (!isFieldCondition(condition)) return this.group(condition, candidates);
    const index = this.indexed.fields.get(condition.key) as FieldIndex;
    if ('exists' in condition) {
      const present = index.present.toBitset(this.rows);
      if (condition.exists) return candidates === undefined ? present : present.and(candidates);
      return (candidates?.clone() ?? Bitset.full(this.rows)).andNot(present);
    }
    const options = this.indexed.options;
    const lookup = index.lookup(condition);
    if (lookup === undefined) {
      const result = index.present.toBitset(this.rows);
      if (candidates !== undefined) result.and(candidates);
      const holds = compileCondition(condition, options);
      result.forEach((row) => {
        if (!holds(this.payloadAt(row))) result.clear(row);
      });
      return result;
    }
    const result = new Bitset(this.rows);
    lookup.setIn(result);
    if (candidates !== undefined) result.and(candidates);
    const foreign = index.foreign.rows();
    let holds: FilterPredicate | undefined;
    for (let i = 0; i < foreign.length && foreign[i] < this.rows; i++) {
      const row = foreign[i];
      if (result.has(row) || (candidates !== undefined && !candidates.has(row))) continue;
      holds ??= compileCondition(condition, options);
      if (holds(this.payloadAt(row))) result.set(row);
    }
    return result;
  }

  /** The conditions indexes answer, and the rest. */
  private split(conditions: readonly Condition[]): [Condition[], Condition[]] {
    const answerable: Condition[] = [];
    const rest: Condition[] = [];
    for (const condition of conditions) (this.answerable(condition) ? answerable : rest).push(condition);
    return [answerable, rest];
  }

  /** True when indexes answer the condition: an indexed key, or a group with a part that is. */
  private answerable(condition: Condition): boolean {
    let answerable = this.answerableCache.get(condition);
    if (answerable === undefined) {
      answerable = isFieldCondition(condition)
        ? this.indexed.fields.has(condition.key)
        : [condition.must, condition.should, condition.must_not].some(
            (part) => part?.some((inner) => this.answerable(inner)) === true,
          );
      this.answerableCache.set(condition, answerable);
    }
    return answerable;
  }
}
