import type { SeededRandom } from '../../src/eval/random.js';
import type { Condition, Filter, GeoPoint, MatchValue, Payload } from '../../src/payload/filter.js';

/**
 * Random payloads and filters over the whole of Qdrant's filter language, from a seeded
 * generator: payloads with scalars, arrays (empty, of nulls, of arrays), nested objects,
 * arrays of objects, geo points (valid, out of range, malformed), UUIDs in several forms and
 * texts; filters with every kind of condition, nested groups and min_should.
 */

/** The keys conditions test. */
export const QDRANT_KEYS = [
  'a',
  'b',
  'loc',
  'u',
  'items',
  'items.a',
  'items.b',
  't',
  'z',
  'a.b',
  'm.a',
] as const;

const SCALARS: readonly MatchValue[] = [
  0,
  1,
  2,
  -3,
  1.5,
  '0',
  '1',
  'x',
  'y',
  true,
  false,
  '2024-01-01T00:00:00Z',
];
const UUIDS = [
  '550e8400-e29b-41d4-a716-446655440000',
  '550E8400-E29B-41D4-A716-446655440000',
  '{550e8400-e29b-41d4-a716-446655440000}',
  '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  '6ba7b8109dad11d180b400c04fd430c8',
  'urn:uuid:6BA7B810-9DAD-11D1-80B4-00C04FD430C8',
  'not-a-uuid',
];
const TEXTS = ['tax cuts for families', 'cuts in the tax', 'families first', 'the tax'];
const TEXT_QUERIES = ['tax', 'tax cuts', 'cuts tax', 'families', 'the', '', 'for families'];

/** The ids of rows in tests: numbers and strings mixed (`7` and `'7'` both occur). */
export function rowId(row: number): string | number {
  return row % 3 === 0 ? String(row) : row;
}

export class QdrantRandomFilters {
  constructor(
    private readonly rng: SeededRandom,
    /** How many rows exist, for has_id lists. */
    private readonly rows: number,
  ) {}

  payload(): Payload {
    const rng = this.rng;
    const payload: Payload = {};
    if (rng.next() < 0.7) payload.a = this.value(2);
    if (rng.next() < 0.6) payload.b = this.value(1);
    if (rng.next() < 0.5) payload.m = { a: this.value(1) };
    if (rng.next() < 0.7) payload.loc = this.geoValue();
    if (rng.next() < 0.6) payload.u = rng.next() < 0.8 ? rng.pick(UUIDS) : [rng.pick(UUIDS), rng.pick(UUIDS)];
    if (rng.next() < 0.6) {
      payload.items =
        rng.next() < 0.9
          ? Array.from({ length: rng.int(4) }, () =>
              rng.next() < 0.9 ? { a: this.value(0), b: this.value(1) } : 5,
            )
          : { a: 1 };
    }
    if (rng.next() < 0.6) payload.t = rng.next() < 0.8 ? rng.pick(TEXTS) : [rng.pick(TEXTS), rng.pick(TEXTS)];
    return payload;
  }

  filter(depth: number): Filter {
    const rng = this.rng;
    const group: {
      must?: Condition[];
      should?: Condition[];
      must_not?: Condition[];
      min_should?: Filter['min_should'];
    } = {};
    for (const part of ['must', 'should', 'must_not'] as const) {
      if (rng.next() < 0.5) group[part] = Array.from({ length: rng.int(4) }, () => this.condition(depth));
    }
    if (rng.next() < 0.2) {
      const conditions = Array.from({ length: 1 + rng.int(4) }, () => this.condition(depth));
      group.min_should = { conditions, min_count: 1 + rng.int(conditions.length + 1) };
    }
    return group;
  }

  condition(depth: number): Condition {
    const rng = this.rng;
    if (depth > 0 && rng.next() < 0.2) return this.filter(depth - 1);
    const key = rng.pick(QDRANT_KEYS);
    switch (rng.int(17)) {
      case 0:
        return { key, match: { value: this.scalar() } };
      case 1:
        return { key, match: { any: Array.from({ length: rng.int(10) }, () => this.scalar()) } };
      case 2:
        return { key, match: { except: Array.from({ length: rng.int(4) }, () => this.scalar()) } };
      case 3: {
        const query = rng.pick(TEXT_QUERIES);
        const form = rng.int(3);
        return {
          key,
          match: form === 0 ? { text: query } : form === 1 ? { text_any: query } : { phrase: query },
        };
      }
      case 4:
        return { key, range: this.bounds([-3, 0, 1, 1.5, 2]) };
      case 5:
        return { key, range: this.bounds(['2023-12-31', '2024-01-01T00:00:00Z', '2024-02-01']) };
      case 6:
        return { key, exists: rng.next() < 0.5 };
      case 7:
        return { is_empty: { key } };
      case 8:
        return { is_null: { key } };
      case 9:
        return { key, values_count: this.bounds([0, 1, 2, 3]) };
      case 10:
        return { has_id: Array.from({ length: rng.int(12) }, () => rowId(rng.int(this.rows + 2))) };
      case 11:
        return { nested: { key: rng.pick(['items', 'm', 'a']), filter: this.nestedFilter() } };
      case 12:
        return { key: rng.next() < 0.8 ? 'loc' : key, geo_radius: this.radius() };
      case 13:
        return { key: rng.next() < 0.8 ? 'loc' : key, geo_bounding_box: this.box() };
      case 14:
        return { key: rng.next() < 0.8 ? 'loc' : key, geo_polygon: this.polygon() };
      case 15:
        return rng.next() < 0.5 ? { key, is_empty: rng.next() < 0.5 } : { key, is_null: rng.next() < 0.5 };
      default:
        return {
          key: 'u',
          match: rng.next() < 0.5 ? { value: rng.pick(UUIDS) } : { any: [rng.pick(UUIDS), 'x'] },
        };
    }
  }

  /** A filter on the elements of an array of objects: keys a and b. */
  private nestedFilter(): Filter {
    const rng = this.rng;
    const inner = (): Condition => {
      const key = rng.pick(['a', 'b']);
      const roll = rng.int(4);
      if (roll === 0) return { key, match: { value: this.scalar() } };
      if (roll === 1) return { key, range: this.bounds([0, 1, 2]) };
      if (roll === 2) return { is_null: { key } };
      return { key, match: { except: [this.scalar()] } };
    };
    return {
      must: Array.from({ length: 1 + rng.int(2) }, inner),
      must_not: rng.next() < 0.3 ? [inner()] : [],
    };
  }

  private scalar(): MatchValue {
    return this.rng.next() < 0.15 ? this.rng.pick(UUIDS) : this.rng.pick(SCALARS);
  }

  private value(depth: number): unknown {
    const rng = this.rng;
    const roll = rng.next();
    if (roll < 0.08) return null;
    if (roll < 0.13) return [];
    if (roll < 0.16) return [null];
    if (depth === 0 || roll < 0.6) return this.scalar();
    if (roll < 0.8) return Array.from({ length: rng.int(4) }, () => this.value(depth - 1));
    return { a: this.value(depth - 1), b: this.value(depth - 1) };
  }

  private geoValue(): unknown {
    const rng = this.rng;
    const roll = rng.next();
    if (roll < 0.05) return null;
    if (roll < 0.08) return 'here';
    if (roll < 0.1) return { lon: 200, lat: 10 };
    if (roll < 0.12) return { lon: '1', lat: 2 };
    if (roll < 0.3) return Array.from({ length: rng.int(3) }, () => this.point());
    return this.point();
  }

  /** Points mostly in [-20, 20]², some by the antimeridian and the poles. */
  point(): GeoPoint {
    const rng = this.rng;
    const roll = rng.next();
    if (roll < 0.1)
      return { lon: 175 + rng.next() * 10 - (rng.next() < 0.5 ? 0 : 360), lat: rng.next() * 20 - 10 };
    if (roll < 0.15) return { lon: rng.next() * 360 - 180, lat: 85 + rng.next() * 5 };
    return { lon: rng.next() * 40 - 20, lat: rng.next() * 40 - 20 };
  }

  private radius() {
    const rng = this.rng;
    const center = rng.next() < 0.2 ? { lon: 179, lat: 0 } : this.point();
    return {
      center: { lon: Math.max(-180, Math.min(180, center.lon)), lat: center.lat },
      radius: rng.next() * 3_000_000,
    };
  }

  private box() {
    const rng = this.rng;
    if (rng.next() < 0.2) return { top_left: { lon: 170, lat: 15 }, bottom_right: { lon: -170, lat: -15 } };
    const [lonA, lonB] = [rng.next() * 40 - 20, rng.next() * 40 - 20].sort((x, y) => x - y);
    const [latA, latB] = [rng.next() * 40 - 20, rng.next() * 40 - 20].sort((x, y) => x - y);
    return { top_left: { lon: lonA, lat: latB }, bottom_right: { lon: lonB, lat: latA } };
  }

  private polygon() {
    const rng = this.rng;
    const ring = (cx: number, cy: number, r: number) => {
      const count = 3 + rng.int(5);
      const points = Array.from({ length: count }, (_, i) => {
        const angle = (2 * Math.PI * i) / count;
        const reach = r * (0.5 + rng.next() / 2);
        return { lon: cx + reach * Math.cos(angle), lat: cy + reach * Math.sin(angle) };
      });
      return { points: [...points, points[0]] };
    };
    const [cx, cy] = [rng.next() * 30 - 15, rng.next() * 30 - 15];
    const r = 3 + rng.next() * 10;
    return rng.next() < 0.5
      ? { exterior: ring(cx, cy, r) }
      : { exterior: ring(cx, cy, r), interiors: [ring(cx, cy, r / 3)] };
  }

  private bounds<Bound extends number | string>(values: readonly Bound[]) {
    const range: { gt?: Bound; gte?: Bound; lt?: Bound; lte?: Bound } = {};
    while (Object.keys(range).length === 0) {
      for (const bound of ['gt', 'gte', 'lt', 'lte'] as const)
        if (this.rng.next() < 0.35) range[bound] = this.rng.pick(values);
    }
    return range;
  }
}
