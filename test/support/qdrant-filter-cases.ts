/**
 * Qdrant's filter language, case by case, each with the plain predicate that says which of
 * the items of `qdrant-data.ts` it selects under Qdrant's documented semantics (and its
 * condition checker, qdrant/qdrant `lib/segment/src/payload_storage/condition_checker.rs`):
 * a field condition holds when any value at the key holds; `is_empty` holds for a missing
 * key, `null` and `[]`; `is_null` only for `null`; `values_count` counts array elements
 * (a missing key counts 0); `nested` needs one array element to satisfy the whole inner
 * filter; `min_should` needs at least `min_count` of its conditions.
 *
 * Geo cases are placed so that no item lies within 1% of a boundary (see `radiusBetween`),
 * so the rounding of any haversine implementation cannot change the answer.
 */
import type { Item, QId } from './qdrant-data.js';

export interface FilterCase {
  name: string;
  /** The filter as a Qdrant client sends it. */
  filter: Record<string, unknown>;
  holds(item: Item): boolean;
  /**
   * The same filter for the embedded API, where the REST layer translates (the embedded API
   * takes ids as they are: it does not canonicalize UUIDs). Default: `filter`.
   */
  embeddedFilter?: Record<string, unknown>;
}

/** Mean earth radius in metres (the haversine radius of the geo crate that Qdrant uses). */
const EARTH_RADIUS = 6371008.8;

export interface GeoPoint {
  lon: number;
  lat: number;
}

export function haversine(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS * Math.asin(Math.sqrt(h));
}

/**
 * A radius around `center` that holds about `fraction` of the items, halfway between two
 * consecutive item distances at least 2% apart (so no item is near the circle).
 */
export function radiusBetween(items: readonly Item[], center: GeoPoint, fraction: number): number {
  const d = items.map((i) => haversine(center, i.payload.location)).sort((a, b) => a - b);
  for (let k = Math.floor(fraction * d.length); k + 1 < d.length; k++) {
    if (d[k + 1] - d[k] > 0.02 * d[k]) return (d[k] + d[k + 1]) / 2;
  }
  throw new Error('no gap between item distances');
}

/** Ray casting: inside the ring (its first point repeated last, as Qdrant requires). */
function inRing(p: GeoPoint, ring: readonly GeoPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (
      a.lat > p.lat !== b.lat > p.lat &&
      p.lon < ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon
    ) {
      inside = !inside;
    }
  }
  return inside;
}

const ring = (corners: [number, number][]): GeoPoint[] =>
  [...corners, corners[0]].map(([lon, lat]) => ({ lon, lat }));

/** The cases over `items` (the geo radius and the `has_id` list depend on them). */
export function filterCases(items: readonly Item[]): FilterCase[] {
  const center = { lon: 10.00005, lat: 48.00005 };
  const radius = radiusBetween(items, center, 0.3);
  // Edges end in 5 at the fifth decimal: item coordinates have four, so none lies on an edge.
  const box = { top_left: { lon: 0.00005, lat: 50.00005 }, bottom_right: { lon: 15.00005, lat: 40.00005 } };
  const exterior = ring([
    [-5.00005, 38.00005],
    [20.00005, 38.00005],
    [20.00005, 55.00005],
    [-5.00005, 55.00005],
  ]);
  const hole = ring([
    [0.00005, 42.00005],
    [10.00005, 42.00005],
    [10.00005, 50.00005],
    [0.00005, 50.00005],
  ]);
  const uuid = items.find((i) => typeof i.id === 'string')?.id as string;
  const someIds: QId[] = [3, 4, 11, 250_000, uuid.toUpperCase()];
  const idSet = new Set<QId>([3, 4, 11, uuid]);
  const day = (s: string) => Date.parse(s);
  const note = (i: Item) => i.payload.note;

  return [
    {
      name: 'match value (keyword)',
      filter: { must: [{ key: 'color', match: { value: 'red' } }] },
      holds: (i) => i.payload.color === 'red',
    },
    {
      name: 'match value (integer)',
      filter: { must: [{ key: 'count', match: { value: 3 } }] },
      holds: (i) => i.payload.count === 3,
    },
    {
      name: 'match value in an array',
      filter: { must: [{ key: 'tags', match: { value: 'b' } }] },
      holds: (i) => i.payload.tags.includes('b'),
    },
    {
      name: 'match value (bool) through an array of objects',
      filter: { must: [{ key: 'reviews[].verified', match: { value: true } }] },
      holds: (i) => i.payload.reviews.some((r) => r.verified),
    },
    {
      name: 'match any (keywords)',
      filter: { must: [{ key: 'color', match: { any: ['red', 'blue'] } }] },
      holds: (i) => ['red', 'blue'].includes(i.payload.color),
    },
    {
      name: 'match any (integers)',
      filter: { must: [{ key: 'count', match: { any: [1, 2, 3] } }] },
      holds: (i) => [1, 2, 3].includes(i.payload.count),
    },
    {
      name: 'match except (keywords)',
      filter: { must: [{ key: 'color', match: { except: ['red', 'blue'] } }] },
      holds: (i) => !['red', 'blue'].includes(i.payload.color),
    },
    {
      name: 'match except (integers)',
      filter: { must: [{ key: 'count', match: { except: [0, 9] } }] },
      holds: (i) => ![0, 9].includes(i.payload.count),
    },
    {
      name: 'match text (one word)',
      filter: { must: [{ key: 'title', match: { text: 'river' } }] },
      holds: (i) => i.payload.title.split(' ').includes('river'),
    },
    {
      name: 'range (float, gte/lt)',
      filter: { must: [{ key: 'price', range: { gte: 10, lt: 40.5 } }] },
      holds: (i) => i.payload.price >= 10 && i.payload.price < 40.5,
    },
    {
      name: 'range (integer, gt/lte) on a dotted key',
      filter: { must: [{ key: 'meta.level', range: { gt: 1, lte: 3 } }] },
      holds: (i) => i.payload.meta.level > 1 && i.payload.meta.level <= 3,
    },
    {
      name: 'datetime range',
      filter: {
        must: [{ key: 'created', range: { gte: '2024-02-10T00:00:00Z', lt: '2024-02-20T12:00:00+00:00' } }],
      },
      holds: (i) =>
        day(i.payload.created) >= day('2024-02-10T00:00:00Z') &&
        day(i.payload.created) < day('2024-02-20T12:00:00Z'),
    },
    {
      name: 'has_id (integers, an absent id, an upper-case UUID)',
      filter: { must: [{ has_id: someIds }] },
      embeddedFilter: { must: [{ has_id: [3, 4, 11, 250_000, uuid] }] },
      holds: (i) => idSet.has(i.id),
    },
    {
      name: 'is_empty (missing, null or [])',
      filter: { must: [{ is_empty: { key: 'note' } }] },
      holds: (i) =>
        note(i) === undefined || note(i) === null || (Array.isArray(note(i)) && (note(i) as []).length === 0),
    },
    {
      name: 'is_null (null only)',
      filter: { must: [{ is_null: { key: 'note' } }] },
      holds: (i) => note(i) === null,
    },
    {
      name: 'must_not is_empty',
      filter: { must_not: [{ is_empty: { key: 'note' } }] },
      holds: (i) => typeof note(i) === 'string',
    },
    {
      name: 'values_count',
      filter: { must: [{ key: 'tags', values_count: { gte: 2, lt: 4 } }] },
      holds: (i) => i.payload.tags.length >= 2 && i.payload.tags.length < 4,
    },
    {
      name: 'values_count that a missing key satisfies (counts 0)',
      filter: { must: [{ key: 'reviews', values_count: { lt: 1 } }] },
      holds: (i) => i.payload.reviews.length < 1,
    },
    {
      name: 'nested (one array element satisfies the whole inner filter)',
      filter: {
        must: [
          {
            nested: {
              key: 'reviews',
              filter: {
                must: [
                  { key: 'stars', range: { gte: 4 } },
                  { key: 'verified', match: { value: true } },
                ],
              },
            },
          },
        ],
      },
      holds: (i) => i.payload.reviews.some((r) => r.stars >= 4 && r.verified),
    },
    {
      name: 'min_should',
      filter: {
        min_should: {
          conditions: [
            { key: 'color', match: { value: 'green' } },
            { key: 'count', range: { gte: 5 } },
            { key: 'tags', match: { value: 'a' } },
          ],
          min_count: 2,
        },
      },
      holds: (i) =>
        [i.payload.color === 'green', i.payload.count >= 5, i.payload.tags.includes('a')].filter(Boolean)
          .length >= 2,
    },
    {
      name: 'must / should / must_not given as one object',
      filter: {
        must: { key: 'count', range: { gte: 2 } },
        should: { key: 'color', match: { value: 'yellow' } },
        must_not: { key: 'tags', match: { value: 'c' } },
      },
      holds: (i) => i.payload.count >= 2 && i.payload.color === 'yellow' && !i.payload.tags.includes('c'),
    },
    {
      name: 'nested groups: should of musts, must_not of a group',
      filter: {
        should: [
          {
            must: [
              { key: 'color', match: { value: 'red' } },
              { key: 'count', range: { lt: 5 } },
            ],
          },
          {
            must: [
              { key: 'color', match: { value: 'blue' } },
              { key: 'count', range: { gte: 5 } },
            ],
          },
        ],
        must_not: [{ must: [{ key: 'group', match: { value: 0 } }] }],
      },
      holds: (i) =>
        ((i.payload.color === 'red' && i.payload.count < 5) ||
          (i.payload.color === 'blue' && i.payload.count >= 5)) &&
        i.payload.group !== 0,
    },
    {
      name: 'geo_radius',
      filter: { must: [{ key: 'location', geo_radius: { center, radius } }] },
      holds: (i) => haversine(center, i.payload.location) <= radius,
    },
    {
      name: 'geo_bounding_box',
      filter: { must: [{ key: 'location', geo_bounding_box: box }] },
      holds: ({ payload: { location: p } }) =>
        p.lon >= box.top_left.lon &&
        p.lon <= box.bottom_right.lon &&
        p.lat <= box.top_left.lat &&
        p.lat >= box.bottom_right.lat,
    },
    {
      name: 'geo_polygon with a hole',
      filter: {
        must: [
          { key: 'location', geo_polygon: { exterior: { points: exterior }, interiors: [{ points: hole }] } },
        ],
      },
      holds: (i) => inRing(i.payload.location, exterior) && !inRing(i.payload.location, hole),
    },
  ];
}
