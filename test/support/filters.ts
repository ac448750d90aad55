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
import { canonicalUuid } from '../../src/payload/uuid.js';

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
  id?: string | number,
): boolean {
  const conditionHolds = (condition: Condition): boolean =>
    referenceCondition(condition, payload, options, id);
  const should = filter.should ?? [];
  const minShould = filter.min_should;
  return (
    (filter.must ?? []).every(conditionHolds) &&
    !(filter.must_not ?? []).some(conditionHolds) &&
    (should.length === 0 || should.some(conditionHolds)) &&
    (minShould === undefined || minShould.conditions.filter(conditionHolds).length >= minShould.min_count)
  );
}

/** The leaves a key resolves to: arrays along the path expanded, the last value as it is. */
function referenceLeaves(node: unknown, segments: string[]): unknown[] {
  if (node === undefined) return [];
  if (segments.length === 0) return [node];
  if (Array.isArray(node)) return node.flatMap((element) => referenceLeaves(element, segments));
  if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segments[0])) return [];
  return referenceLeaves((node as Payload)[segments[0]], segments.slice(1));
}

function referenceCondition(
  condition: Condition,
  payload: Payload | null | undefined,
  options: CompileOptions,
  id: string | number | undefined,
): boolean {
  if ('key' in condition) return referenceField(condition, payload, options);
  if ('is_empty' in condition) {
    return referenceLeaves(payload ?? {}, condition.is_empty.key.split('.')).every(
      (leaf) => leaf === null || (Array.isArray(leaf) && leaf.length === 0),
    );
  }
  if ('is_null' in condition) {
    return referenceLeaves(payload ?? {}, condition.is_null.key.split('.')).some((leaf) => leaf === null);
  }
  if ('has_id' in condition) return id !== undefined && condition.has_id.includes(id);
  if ('nested' in condition) {
    const { key, filter } = condition.nested;
    const inner: CompileOptions = {
      analyzerFor: (k) => options.analyzerFor?.(`${key}.${k}`),
      isUuidKey: (k) => options.isUuidKey?.(`${key}.${k}`) === true,
    };
    return referenceLeaves(payload ?? {}, key.split('.')).some(
      (leaf) =>
        Array.isArray(leaf) &&
        leaf.some(
          (element) =>
            typeof element === 'object' &&
            element !== null &&
            !Array.isArray(element) &&
            matchesReference(filter, element as Payload, inner),
        ),
    );
  }
  return matchesReference(condition, payload, options, id);
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
  if ('values_count' in condition) {
    const leaves = referenceLeaves(payload ?? {}, condition.key.split('.'));
    const counts =
      leaves.length === 0
        ? [0]
        : leaves.map((leaf) => (Array.isArray(leaf) ? leaf.length : leaf === null ? 0 : 1));
    const { gt, gte, lt, lte } = condition.values_count;
    return counts.some(
      (count) =>
        (gt === undefined || count > gt) &&
        (gte === undefined || count >= gte) &&
        (lt === undefined || count < lt) &&
        (lte === undefined || count <= lte),
    );
  }
  if ('is_empty' in condition || 'is_null' in condition) {
    // Qdrant's field forms, per leaf: is_empty: null or []; is_null: null or an array with a null.
    const leaves = referenceLeaves(payload ?? {}, condition.key.split('.'));
    if (leaves.length === 0) return 'is_empty' in condition ? condition.is_empty : !condition.is_null;
    if ('is_empty' in condition) {
      return leaves.some(
        (leaf) => (leaf === null || (Array.isArray(leaf) && leaf.length === 0)) === condition.is_empty,
      );
    }
    return leaves.some(
      (leaf) => (leaf === null || (Array.isArray(leaf) && leaf.includes(null))) === condition.is_null,
    );
  }
  if ('geo_radius' in condition || 'geo_bounding_box' in condition || 'geo_polygon' in condition) {
    return values.some((value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      const { lon, lat } = value as { lon?: unknown; lat?: unknown };
      if (typeof lon !== 'number' || typeof lat !== 'number') return false;
      return referenceGeo(condition, lon, lat);
    });
  }
  const match = condition.match;
  if ('text' in match || 'text_any' in match || 'phrase' in match) {
    const analyze = options.analyzerFor?.(condition.key);
    if (analyze === undefined) throw new Error(`the reference needs an analyzer for ${condition.key}`);
    const query = 'text' in match ? match.text : 'text_any' in match ? match.text_any : match.phrase;
    const wanted = analyze(query);
    const text = fieldText(payload, compilePayloadPath(condition.key));
    const present = text === undefined ? [] : analyze(text);
    if (wanted.length === 0) return false;
    if ('text' in match) return wanted.every((term) => present.includes(term));
    if ('text_any' in match) return wanted.some((term) => present.includes(term));
    return present.some((_, start) => wanted.every((term, i) => present[start + i] === term));
  }
  const uuid = options.isUuidKey?.(condition.key) === true;
  const same = (a: unknown, b: unknown) =>
    uuid && typeof a === 'string' && typeof b === 'string'
      ? (canonicalUuid(a) ?? a) === (canonicalUuid(b) ?? b)
      : a === b;
  if ('except' in match) {
    return values.some(
      (value) => value !== null && !match.except.some((candidate) => same(candidate, value)),
    );
  }
  const wanted = 'value' in match ? [match.value] : match.any;
  return values.some((value) => wanted.some((candidate) => same(candidate, value)));
}

/** Geo shapes written plainly: haversine distance, box edges, even-odd rings with boundaries excluded. */
function referenceGeo(condition: FieldCondition, lon: number, lat: number): boolean {
  if ('geo_radius' in condition) {
    const { center, radius } = condition.geo_radius;
    const rad = Math.PI / 180;
    const a =
      Math.sin(((lat - center.lat) * rad) / 2) ** 2 +
      Math.cos(center.lat * rad) * Math.cos(lat * rad) * Math.sin(((lon - center.lon) * rad) / 2) ** 2;
    return 2 * 6_371_008.8 * Math.asin(Math.sqrt(Math.min(1, a))) < radius;
  }
  if ('geo_bounding_box' in condition) {
    const { top_left: tl, bottom_right: br } = condition.geo_bounding_box;
    const inLon = tl.lon > br.lon ? lon > tl.lon || lon < br.lon : tl.lon < lon && lon < br.lon;
    return inLon && br.lat < lat && lat < tl.lat;
  }
  if (!('geo_polygon' in condition)) return false;
  const ring = (points: readonly { lon: number; lat: number }[]): 'in' | 'out' | 'edge' => {
    let inside = false;
    for (let i = 0; i + 1 < points.length; i++) {
      const [p, q] = [points[i], points[i + 1]];
      const cross = (q.lon - p.lon) * (lat - p.lat) - (q.lat - p.lat) * (lon - p.lon);
      const within =
        Math.min(p.lon, q.lon) <= lon &&
        lon <= Math.max(p.lon, q.lon) &&
        Math.min(p.lat, q.lat) <= lat &&
        lat <= Math.max(p.lat, q.lat);
      if (cross === 0 && within) return 'edge';
      if (p.lat > lat !== q.lat > lat && lon < p.lon + ((lat - p.lat) * (q.lon - p.lon)) / (q.lat - p.lat))
        inside = !inside;
    }
    return inside ? 'in' : 'out';
  };
  const { exterior, interiors = [] } = condition.geo_polygon;
  return ring(exterior.points) === 'in' && interiors.every((hole) => ring(hole.points) === 'out');
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
