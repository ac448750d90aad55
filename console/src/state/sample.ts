/**
 * A sample of a collection's points with their vectors, for the map. All points when there
 * are at most `size`; otherwise a uniform sample (reservoir sampling with a fixed seed over
 * a scroll of the ids alone, then the chosen points fetched with their vectors), so the map
 * of a large collection is not just its first ids.
 */
import type { QuiverApi } from '../api/client.js';
import type { Point, PointId } from '../api/types.js';
import { seededRandom } from './seeded-random.js';

const PAGE = 1000;

export interface Sample {
  points: Point[];
  /** Row-major vectors of the field, one row per point. */
  data: Float32Array;
  dim: number;
  /** Points in the collection. */
  total: number;
}

/** The vector of `point` in `field` (undefined: the unnamed vector). */
function vectorOf(point: Point, field: string | undefined): number[] | undefined {
  const v = point.vector;
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  return field === undefined ? Object.values(v)[0] : v[field];
}

export async function loadSample(
  api: QuiverApi,
  collection: string,
  size: number,
  field: string | undefined,
  onProgress: (loaded: number) => void,
): Promise<Sample> {
  const { count: total } = await api.count(collection);
  let points: Point[] = [];
  if (total <= size) {
    let offset: PointId | undefined;
    do {
      const page = await api.scrollWithVectors(collection, PAGE, offset);
      points.push(...page.points);
      onProgress(points.length);
      offset = page.next_page_offset ?? undefined;
    } while (offset !== undefined && points.length < size);
  } else {
    const random = seededRandom(7);
    const chosen: PointId[] = [];
    let seen = 0;
    let offset: PointId | undefined;
    do {
      const page = await api.scroll(collection, { limit: PAGE * 5, offset, with_payload: false });
      for (const p of page.points) {
        if (chosen.length < size) chosen.push(p.id);
        else {
          const j = Math.floor(random() * (seen + 1));
          if (j < size) chosen[j] = p.id;
        }
        seen++;
      }
      offset = page.next_page_offset ?? undefined;
    } while (offset !== undefined);
    for (let i = 0; i < chosen.length; i += PAGE) {
      points.push(...(await api.pointsWithVectors(collection, chosen.slice(i, i + PAGE))));
      onProgress(points.length);
    }
  }
  points = points.filter((p) => vectorOf(p, field) !== undefined).slice(0, size);
  const dim = points.length === 0 ? 0 : vectorOf(points[0], field)!.length;
  const data = new Float32Array(points.length * dim);
  for (let i = 0; i < points.length; i++) data.set(vectorOf(points[i], field)!, i * dim);
  return { points, data, dim, total };
}
