/**
 * Geometry of geo conditions, shared by the predicate (filter.ts) and the geo index
 * (geo-index.ts) so that both decide every point alike:
 * - a payload value is a geo point when it is an object with finite number properties `lon`
 *   and `lat` (other properties are ignored), as in Qdrant;
 * - `geo_radius`: the haversine (great-circle) distance on a sphere of the Earth's mean
 *   radius, {@link EARTH_RADIUS_METRES}, is strictly below the radius;
 * - `geo_bounding_box`: strictly between the edges; when `top_left.lon > bottom_right.lon`
 *   the box crosses the antimeridian and holds longitudes east of the left edge or west of
 *   the right one;
 * - `geo_polygon`: in plane lon/lat coordinates, strictly inside the exterior ring and not
 *   inside or on any interior ring (a hole); a point on any ring is on the polygon's boundary,
 *   which it does not contain (the `geo` crate's `contains`, which Qdrant uses).
 *
 * Each shape also has a {@link GeoRegion}: a latitude band and longitude ranges that hold
 * every point the shape contains, which the index scans before testing points exactly.
 */
import type {
  GeoBoundingBox,
  GeoCondition,
  GeoLineString,
  GeoPoint,
  GeoPolygon,
  GeoRadius,
} from './filter-types.js';

/** The Earth's mean radius in metres (IUGG), the sphere haversine distances are measured on. */
export const EARTH_RADIUS_METRES = 6_371_008.8;

/** A test of one point, given as (lon, lat) in degrees. */
export type GeoTest = (lon: number, lat: number) => boolean;

/** Latitudes in [latMin, latMax] and longitudes within one of `lons` ([low, high] pairs, in [-180, 180]). */
export interface GeoRegion {
  readonly latMin: number;
  readonly latMax: number;
  readonly lons: readonly (readonly [number, number])[];
}

/** The point a payload value holds, or undefined when it is not a geo point. */
export function geoPointOf(value: unknown): GeoPoint | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { lon, lat } = value as Record<string, unknown>;
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    return undefined;
  }
  if (!Object.hasOwn(value, 'lon') || !Object.hasOwn(value, 'lat')) return undefined;
  return { lon, lat };
}

/** Haversine distance in metres between two points in degrees. */
export function haversineMetres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const toRadians = Math.PI / 180;
  const phi1 = lat1 * toRadians;
  const phi2 = lat2 * toRadians;
  const sinHalfDeltaPhi = Math.sin(((lat2 - lat1) * toRadians) / 2);
  const sinHalfDeltaLambda = Math.sin(((lon2 - lon1) * toRadians) / 2);
  const a =
    sinHalfDeltaPhi * sinHalfDeltaPhi +
    Math.cos(phi1) * Math.cos(phi2) * sinHalfDeltaLambda * sinHalfDeltaLambda;
  return 2 * EARTH_RADIUS_METRES * Math.asin(Math.sqrt(Math.min(1, a)));
}

/** The exact test of a geo condition's shape. */
export function geoTest(condition: GeoCondition): GeoTest {
  if ('geo_radius' in condition) return radiusTest(condition.geo_radius);
  if ('geo_bounding_box' in condition) return boxTest(condition.geo_bounding_box);
  return polygonTest(condition.geo_polygon);
}

/** A region holding every point the condition's shape contains (a little more, never less). */
export function geoRegion(condition: GeoCondition): GeoRegion {
  if ('geo_radius' in condition) return radiusRegion(condition.geo_radius);
  if ('geo_bounding_box' in condition) return boxRegion(condition.geo_bounding_box);
  return polygonRegion(condition.geo_polygon);
}

function radiusTest({ center, radius }: GeoRadius): GeoTest {
  return (lon, lat) => haversineMetres(center.lon, center.lat, lon, lat) < radius;
}

function boxTest({ top_left: topLeft, bottom_right: bottomRight }: GeoBoundingBox): GeoTest {
  const crosses = topLeft.lon > bottomRight.lon;
  return (lon, lat) =>
    bottomRight.lat < lat &&
    lat < topLeft.lat &&
    (crosses ? lon > topLeft.lon || lon < bottomRight.lon : topLeft.lon < lon && lon < bottomRight.lon);
}

function polygonTest({ exterior, interiors = [] }: GeoPolygon): GeoTest {
  const outer = ringCoordinates(exterior);
  const holes = interiors.map(ringCoordinates);
  return (lon, lat) =>
    ringPosition(outer, lon, lat) === 'inside' &&
    holes.every((hole) => ringPosition(hole, lon, lat) === 'outside');
}

/** A ring as [lon0, lat0, lon1, lat1, …], closed (the last point repeats the first). */
function ringCoordinates(ring: GeoLineString): Float64Array {
  const coordinates = new Float64Array(ring.points.length * 2);
  ring.points.forEach((point, i) => {
    coordinates[2 * i] = point.lon;
    coordinates[2 * i + 1] = point.lat;
  });
  return coordinates;
}

/**
 * Where (x, y) lies relative to a closed ring: on one of its edges, or inside or outside by
 * the even-odd rule (a ray towards +x crossing edges; an edge counts when it straddles y,
 * half-open so that a vertex on the ray is counted once).
 */
function ringPosition(ring: Float64Array, x: number, y: number): 'inside' | 'outside' | 'boundary' {
  let inside = false;
  for (let i = 0; i + 3 < ring.length; i += 2) {
    const x1 = ring[i];
    const y1 = ring[i + 1];
    const x2 = ring[i + 2];
    const y2 = ring[i + 3];
    const cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
    if (
      cross === 0 &&
      Math.min(x1, x2) <= x &&
      x <= Math.max(x1, x2) &&
      Math.min(y1, y2) <= y &&
      y <= Math.max(y1, y2)
    ) {
      return 'boundary';
    }
    if (y1 > y !== y2 > y) {
      const crossingX = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
      if (x < crossingX) inside = !inside;
    }
  }
  return inside ? 'inside' : 'outside';
}

const WORLD: readonly (readonly [number, number])[] = [[-180, 180]];

/** Slack added to computed regions, in degrees, so that rounding never leaves a point out. */
const SLACK_DEGREES = 1e-7;

function radiusRegion({ center, radius }: GeoRadius): GeoRegion {
  const angle = radius / EARTH_RADIUS_METRES;
  const degrees = (angle * 180) / Math.PI + SLACK_DEGREES;
  const latMin = center.lat - degrees;
  const latMax = center.lat + degrees;
  // A circle reaching a pole, or wider than a hemisphere, spans every longitude.
  if (latMin <= -90 || latMax >= 90 || angle >= Math.PI / 2) {
    return { latMin: Math.max(-90, latMin), latMax: Math.min(90, latMax), lons: WORLD };
  }
  // The widest longitude offset of a small circle: sin(Δλ) = sin(angle) / cos(φ).
  const ratio = Math.sin(angle) / Math.cos((center.lat * Math.PI) / 180);
  if (!(ratio < 1)) return { latMin, latMax, lons: WORLD };
  const spread = (Math.asin(ratio) * 180) / Math.PI + SLACK_DEGREES;
  return { latMin, latMax, lons: wrapLongitudes(center.lon - spread, center.lon + spread) };
}

function boxRegion({ top_left: topLeft, bottom_right: bottomRight }: GeoBoundingBox): GeoRegion {
  const lons: [number, number][] =
    topLeft.lon > bottomRight.lon
      ? [
          [topLeft.lon, 180],
          [-180, bottomRight.lon],
        ]
      : [[topLeft.lon, bottomRight.lon]];
  return { latMin: bottomRight.lat, latMax: topLeft.lat, lons };
}

function polygonRegion({ exterior }: GeoPolygon): GeoRegion {
  let latMin = 90;
  let latMax = -90;
  let lonMin = 180;
  let lonMax = -180;
  for (const { lon, lat } of exterior.points) {
    latMin = Math.min(latMin, lat);
    latMax = Math.max(latMax, lat);
    lonMin = Math.min(lonMin, lon);
    lonMax = Math.max(lonMax, lon);
  }
  return { latMin, latMax, lons: [[lonMin, lonMax]] };
}

/** [low, high] as ranges within [-180, 180], split where it crosses the antimeridian. */
function wrapLongitudes(low: number, high: number): [number, number][] {
  if (high - low >= 360) return [[-180, 180]];
  if (low < -180) {
    return [
      [low + 360, 180],
      [-180, high],
    ];
  }
  if (high > 180) {
    return [
      [low, 180],
      [-180, high - 360],
    ];
  }
  return [[low, high]];
}
