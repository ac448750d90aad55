import type { SeededRandom } from '../../src/eval/random.js';
import { parseDatetime } from '../../src/payload/datetime.js';
import { fieldText } from '../../src/payload/field-text.js';
import type {
  CompileOptions,
  Condition,
  FieldCondition,
  Filter,
  MatchValue,
  Payload,
  Range,
} from '../../src/payload/filter.js';
import { compilePayloadPath } from '../../src/payload/payload-path.js';

/**
 * The reference interpreter: the semantics written as plainly as possible, with arrays
 * flattened eagerly and no precomputation, to check `compileFilter` and payload indexes
 * against. Text conditions need `options.analyzerFor` to give an analyzer for their key.
 */
function referenceValues(node: unknown, segments: string[]): unknown[] {
  if (Array.isArray(node)) return node.flatMap((element) => referenceValues(element, segments));
  if (node === undefined) return [];
  if (segments.length === 0) return [node];
  if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segments[0])) return [];
  return referenceValues((node as Payload)[segments[0]], segments.slice(1));
}

export function matchesReference(
  filter: Filter,
  payload: Payload | null | undefined,
  options: CompileOptions = {},
): boolean {
  const conditionHolds = (condition: Condition): boolean =>
    'key' in condition
      ? referenceField(condition, payload, options)
      : matchesReference(condition, payload, options);
  const should = filter.should ?? [];
  return (
    (filter.must ?? []).every(conditionHolds) &&
    !(filter.must_not ?? []).some(conditionHolds) &&
    (should.length === 0 || should.some(conditionHolds))
  );
}

/** A value's position on a range's axis: numbers for number bounds, instants for date-time bounds. */
function onAxis(value: unknown, datetime: boolean): number | undefined {
  if (datetime) return typeof value === 'string' ? parseDatetime(value) : undefined;
  return typeof value === 'number' ? value : undefined;
}

function referenceField(
  condition: FieldCondition,
  payload: Payload | null | undefined,
  options: CompileOptions,
) {
  const values = referenceValues(payload ?? {}, condition.key.split('.'));
  if ('exists' in condition) return values.some((value) => value !== null) === condition.exists;
  if ('range' in condition) {
    const range = condition.range;
    const datetime = [range.gt, range.gte, range.lt, range.lte].some((bound) => typeof bound === 'string');
    const bound = (given: number | string | undefined) =>
      given === undefined ? undefined : onAxis(given, datetime);
    const [gt, gte, lt, lte] = [bound(range.gt), bound(range.gte), bound(range.lt), bound(range.lte)];
    return values.some((value) => {
      const x = onAxis(value, datetime);
      return (
        x !== undefined &&
        (gt === undefined || x > gt) &&
        (gte === undefined || x >= gte) &&
        (lt === undefined || x < lt) &&
        (lte === undefined || x <= lte)
      );
    });
  }
  const match = condition.match;
  if ('text' in match) {
    const analyze = options.analyzerFor?.(condition.key);
    if (analyze === undefined) throw new Error(`the reference needs an analyzer for ${condition.key}`);
    const wanted = analyze(match.text);
    const text = fieldText(payload, compilePayloadPath(condition.key));
    const present = text === undefined ? [] : analyze(text);
    return wanted.length > 0 && wanted.every((term) => present.includes(term));
  }
  const wanted = 'value' in match ? [match.value] : match.any;
  return values.some((value) => wanted.some((candidate) => candidate === value));
}

/** What random payloads and filters are made of. */
export interface FilterSpace {
  /** Scalars of payload values and of `match` conditions. */
  readonly scalars: readonly MatchValue[];
  /** Property names of payload objects (nested objects use them too). */
  readonly names: readonly string[];
  /** Keys conditions test (dotted paths over `names`, and others). */
  readonly keys: readonly string[];
  readonly numberBounds: readonly number[];
  readonly datetimeBounds: readonly string[];
  /** Full-text queries; no text conditions when empty. */
  readonly textQueries: readonly string[];
}

/**
 * Random payloads (nested objects, arrays of arrays, nulls, missing keys, values of every
 * type) and random filters (nested groups of must / should / must_not with every kind of
 * condition) over a {@link FilterSpace}, from a seeded generator.
 */
export class RandomFilters {
  constructor(
    private readonly rng: SeededRandom,
    private readonly space: FilterSpace,
  ) {}

  payload(depth: number): Payload {
    const object: Payload = {};
    for (const name of this.space.names) if (this.rng.next() < 0.6) object[name] = this.value(depth);
    return object;
  }

  filter(depth: number): Filter {
    const group: { must?: Condition[]; should?: Condition[]; must_not?: Condition[] } = {};
    for (const part of ['must', 'should', 'must_not'] as const) {
      if (this.rng.next() < 0.5)
        group[part] = Array.from({ length: this.rng.int(4) }, () => this.condition(depth));
    }
    return group;
  }

  condition(depth: number): Condition {
    const rng = this.rng;
    if (depth > 0 && rng.next() < 0.25) return this.filter(depth - 1);
    const key = rng.pick(this.space.keys);
    const kind = rng.int(this.space.textQueries.length > 0 ? 6 : 5);
    if (kind === 0) return { key, match: { value: rng.pick(this.space.scalars) } };
    if (kind === 1) {
      return {
        key,
        match: { any: Array.from({ length: 1 + rng.int(12) }, () => rng.pick(this.space.scalars)) },
      };
    }
    if (kind === 2) return { key, exists: rng.next() < 0.5 };
    if (kind === 3) return { key, range: this.range(this.space.numberBounds) };
    if (kind === 4) return { key, range: this.range(this.space.datetimeBounds) };
    return { key, match: { text: rng.pick(this.space.textQueries) } };
  }

  private range<Bound extends number | string>(bounds: readonly Bound[]): Range<Bound> {
    const range: { gt?: Bound; gte?: Bound; lt?: Bound; lte?: Bound } = {};
    while (Object.keys(range).length === 0) {
      for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
        if (this.rng.next() < 0.35) range[bound] = this.rng.pick(bounds);
      }
    }
    return range;
  }

  private value(depth: number): unknown {
    const roll = this.rng.next();
    if (depth === 0 || roll < 0.5) return this.rng.next() < 0.1 ? null : this.rng.pick(this.space.scalars);
    if (roll < 0.7) return Array.from({ length: this.rng.int(4) }, () => this.value(depth - 1));
    return this.payload(depth - 1);
  }
}

/**
 * Payload values of every type (integers and not, strings, date-times in several forms,
 * texts, booleans), keys at several depths and through arrays, bounds among the values.
 */
export const MIXED_SPACE: FilterSpace = {
  scalars: [
    ...[0, 1, 2, -3, 1.5, -0.5, '0', '1', 'x', 'y', true, false],
    ...['2023-12-31', '2024-01-01T00:00:00Z', '2024-01-15T10:00:00+02:00', '2024-02-01'],
    ...['Tax cuts for families', 'the tax', 'cuts'],
  ],
  names: ['a', 'b', 'm'],
  keys: ['a', 'b', 'm', 'm.a', 'm.b', 'm.m.a', 'a.b', 'b.m.b', 'z', 'constructor'],
  numberBounds: [-3, -0.5, 0, 1, 1.5, 2],
  datetimeBounds: ['2023-12-31', '2024-01-01T00:00:00Z', '2024-01-15T08:00:00Z', '2024-02-01'],
  textQueries: ['tax', 'cuts tax', 'families', 'the', '', 'x', 'y 1'],
};
