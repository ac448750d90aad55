/**
 * Evaluates a filter over the rows of one segment into a bitset, with payload indexes where
 * a condition's key has one and by reading payloads for the rest — only rows still possible.
 *
 * A condition is ANSWERABLE when the evaluator computes its rows without reading every
 * payload: a field condition (but those that test leaves: values_count, and is_empty /
 * is_null as booleans), an is_empty or is_null condition on an indexed key;
 * has_id (from the rows' ids, `RowIds`, which the caller supplies: the payload layer keeps no
 * ids); a nested condition with an indexed bound (`nestedBounds`, filter-estimate.ts: its
 * rows are those of its bounds whose payload satisfies it); a group containing an
 * answerable condition. Leaf field conditions are read from payloads. A group is evaluated against a
 * candidate set C (all rows at the top) and yields the rows of C where it holds:
 * 1. answerable `must` conditions, indexed keys first, then has_id, then nested and groups:
 *    C ← C ∩ rows(condition), each evaluated against the current C, so a nested group reads
 *    payloads only for rows every earlier `must` allowed;
 * 2. answerable `must_not` conditions: C ← C \ rows(condition);
 * 3. answerable `should` conditions: M ← the union, each evaluated only on the rows of C that
 *    no earlier `should` condition matched;
 * 4. `min_should`: its answerable conditions as bitsets over C; a row of C stays when those
 *    it is in, plus (read from its payload only if still short) its other conditions that
 *    hold, reach `min_count`;
 * 5. the rest in one pass over C that reads each payload once: a row stays when the
 *    remaining `must` hold, no remaining `must_not` holds and, if `should` is non-empty, it
 *    is in M or a remaining `should` holds.
 * An indexed field condition is answered as field-index.ts describes: the index lookup, plus
 * payload reads for the rows the index cannot decide. The result is exactly the set of rows
 * for which `compileFilter` holds (given the row's payload and id), with the same options.
 */
import { InvalidArgumentError } from '../errors.js';
import { Bitset } from '../index/bitset.js';
import type { FieldIndex, ValueCondition } from './field-index.js';
import {
  type Condition,
  compileCondition,
  compileFilter,
  conditionKind,
  type FieldCondition,
  type Filter,
  type FilterPredicate,
  isLeafCondition,
} from './filter.js';
import { nestedBounds } from './filter-estimate.js';
import type { FilterPointId, MinShould, NestedCondition, RowPayload } from './filter-types.js';
import type { IndexedFields, RowIds } from './indexed-fields.js';

/**
 * Rows 0..rows-1 where `filter` holds (a new bitset the caller owns). The field indexes must
 * hold at least `rows` rows.
 * @throws InvalidArgumentError if the filter has a has_id condition and `ids` is not given.
 */
export function filterRows(
  indexed: IndexedFields,
  filter: Filter,
  rows: number,
  payloadAt: (offset: number) => RowPayload,
  ids?: RowIds,
): Bitset {
  if (ids === undefined && usesIds(filter)) {
    throw new InvalidArgumentError('filter: has_id needs the ids of the rows, and none were given');
  }
  return new FilterEvaluation(indexed, rows, payloadAt, ids).group(filter, undefined);
}

/** True when `filter` has a has_id condition anywhere. */
export function usesIds(filter: Filter): boolean {
  const conditions = [
    ...(filter.must ?? []),
    ...(filter.should ?? []),
    ...(filter.must_not ?? []),
    ...(filter.min_should?.conditions ?? []),
  ];
  return conditions.some((condition) => {
    const kind = conditionKind(condition);
    return kind === 'has_id' || (kind === 'group' && usesIds(condition as Filter));
  });
}

/** The order answerable `must` conditions run in: cheapest and most selective kinds first. */
const MUST_ORDER: Record<string, number> = {
  field: 0,
  is_empty: 0,
  is_null: 0,
  has_id: 1,
  nested: 2,
  group: 2,
};

/** One evaluation; candidate sets are `Bitset`s, or undefined for "every row". */
class FilterEvaluation {
  private readonly answerableCache = new Map<Condition, boolean>();

  constructor(
    private readonly indexed: IndexedFields,
    private readonly rows: number,
    private readonly payloadAt: (offset: number) => RowPayload,
    private readonly ids: RowIds | undefined,
  ) {}

  /** The rows of `candidates` where `group` holds, as a new bitset. */
  group(group: Filter, candidates: Bitset | undefined): Bitset {
    const [must, restMust] = this.split(group.must ?? []);
    const [mustNot, restMustNot] = this.split(group.must_not ?? []);
    const [should, restShould] = this.split(group.should ?? []);
    must.sort((a, b) => MUST_ORDER[conditionKind(a)] - MUST_ORDER[conditionKind(b)]);
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
    if (group.min_should !== undefined) this.minShould(group.min_should, rows);
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
      const id = this.ids?.idAt(row);
      const holds =
        (restHolds === undefined || restHolds(payload, id)) &&
        (shouldHolds || (someRestShould as FilterPredicate)(payload, id));
      if (!holds) rows.clear(row);
    });
    return rows;
  }

  /** Clears the rows of `rows` where fewer than `min_count` of the conditions hold. */
  private minShould({ conditions, min_count: minCount }: MinShould, rows: Bitset): void {
    const [answerable, rest] = this.split(conditions);
    const matched = answerable.map((condition) => this.condition(condition, rows));
    const options = this.indexed.options;
    const predicates = rest.map((condition) => compileCondition(condition, options));
    rows.forEach((row) => {
      let held = 0;
      for (let i = 0; i < matched.length && held < minCount; i++) if (matched[i].has(row)) held++;
      if (held < minCount && held + predicates.length >= minCount) {
        const payload = this.payloadAt(row);
        const id = this.ids?.idAt(row);
        for (let i = 0; i < predicates.length && held < minCount; i++) if (predicates[i](payload, id)) held++;
      }
      if (held < minCount) rows.clear(row);
    });
  }

  /** The rows of `candidates` where an answerable condition holds, as a new bitset. */
  private condition(condition: Condition, candidates: Bitset | undefined): Bitset {
    switch (conditionKind(condition)) {
      case 'group':
        return this.group(condition as Filter, candidates);
      case 'nested':
        return this.nested(condition as NestedCondition, candidates);
      case 'has_id':
        return this.hasId(new Set((condition as { has_id: readonly FilterPointId[] }).has_id), candidates);
      case 'is_null': {
        const index = this.indexed.fields.get(
          (condition as { is_null: { key: string } }).is_null.key,
        ) as FieldIndex;
        const result = new Bitset(this.rows);
        index.nulls.setIn(result);
        return candidates === undefined ? result : result.and(candidates);
      }
      case 'is_empty': {
        const index = this.indexed.fields.get(
          (condition as { is_empty: { key: string } }).is_empty.key,
        ) as FieldIndex;
        const filled = index.present.toBitset(this.rows);
        index.hollow.setIn(filled);
        return (candidates?.clone() ?? Bitset.full(this.rows)).andNot(filled);
      }
      default:
        return this.field(condition as FieldCondition, candidates);
    }
  }

  /** The rows of `candidates` where a nested condition holds: its indexed bounds', then read. */
  private nested(condition: NestedCondition, candidates: Bitset | undefined): Bitset {
    let result = candidates;
    for (const bound of nestedBounds(condition)) {
      if (this.indexed.fields.has(bound.key)) result = this.field(bound, result);
    }
    // Never modify `candidates`: without an indexed bound (callers ask only with one), start from a copy.
    const rows =
      result !== candidates && result !== undefined
        ? result
        : (candidates?.clone() ?? Bitset.full(this.rows));
    const holds = compileCondition(condition, this.indexed.options);
    rows.forEach((row) => {
      if (!holds(this.payloadAt(row))) rows.clear(row);
    });
    return rows;
  }

  /**
   * The rows of `candidates` whose id is in `listed`: looked up by id when the segment can,
   * else by reading the id of every candidate.
   */
  private hasId(listed: ReadonlySet<FilterPointId>, candidates: Bitset | undefined): Bitset {
    const ids = this.ids as RowIds;
    if (ids.rowsOf !== undefined) {
      const result = new Bitset(this.rows);
      for (const id of listed) {
        for (const row of ids.rowsOf(id))
          if (row < this.rows && candidates?.has(row) !== false) result.set(row);
      }
      return result;
    }
    const result = candidates?.clone() ?? Bitset.full(this.rows);
    result.forEach((row) => {
      if (!listed.has(ids.idAt(row))) result.clear(row);
    });
    return result;
  }

  /** The rows of `candidates` where a field condition on an indexed key holds. */
  private field(condition: FieldCondition, candidates: Bitset | undefined): Bitset {
    const index = this.indexed.fields.get(condition.key) as FieldIndex;
    if ('exists' in condition) {
      const present = index.present.toBitset(this.rows);
      if (condition.exists) return candidates === undefined ? present : present.and(candidates);
      return (candidates?.clone() ?? Bitset.full(this.rows)).andNot(present);
    }
    const options = this.indexed.options;
    // Leaf conditions are never answerable, so what remains is a match, a range or a geo shape.
    const lookup = index.lookup(condition as ValueCondition);
    if (lookup === undefined || lookup.verify === true) {
      const result = lookup === undefined ? index.present.toBitset(this.rows) : new Bitset(this.rows);
      lookup?.setIn(result);
      if (lookup !== undefined) index.foreign.setIn(result);
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

  /** The conditions the evaluator answers without a full payload scan, and the rest. */
  private split(conditions: readonly Condition[]): [Condition[], Condition[]] {
    const answerable: Condition[] = [];
    const rest: Condition[] = [];
    for (const condition of conditions) (this.answerable(condition) ? answerable : rest).push(condition);
    return [answerable, rest];
  }

  /** See the module comment. */
  private answerable(condition: Condition): boolean {
    let answerable = this.answerableCache.get(condition);
    if (answerable === undefined) {
      const fields = this.indexed.fields;
      switch (conditionKind(condition)) {
        case 'field':
          answerable =
            fields.has((condition as FieldCondition).key) && !isLeafCondition(condition as FieldCondition);
          break;
        case 'is_empty':
          answerable = fields.has((condition as { is_empty: { key: string } }).is_empty.key);
          break;
        case 'is_null':
          answerable = fields.has((condition as { is_null: { key: string } }).is_null.key);
          break;
        case 'has_id':
          answerable = this.ids !== undefined;
          break;
        case 'nested':
          answerable = nestedBounds(condition as NestedCondition).some((bound) => fields.has(bound.key));
          break;
        case 'group': {
          const group = condition as Filter;
          answerable = [group.must, group.should, group.must_not, group.min_should?.conditions].some(
            (part) => part?.some((inner) => this.answerable(inner)) === true,
          );
          break;
        }
      }
      this.answerableCache.set(condition, answerable);
    }
    return answerable;
  }
}

export type { IndexedFields, RowIds } from './indexed-fields.js';
