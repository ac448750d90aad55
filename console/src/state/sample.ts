/**
 * A sample of a collection's points with their vectors, for the map. All points when there
 * are at most `size`; otherwise a uniform sample (reservoir sampling with a fixed seed over
 * a scroll of the ids alone, then the chosen points fetched with their vectors), so the map
 * of a large collection is not just its first ids.
 */
import { decodeVector, type QuiverApi } from '../api/client.js';
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

/** The vector of `point` in `field` (undefined: the unnamed vector or the first field). */
function vectorOf(point: Point, field: string | undefined): ArrayLike<number> | undefined {
  let v = point.vector;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) v = field === undefined ? Object.values(v)[0] : v[field];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? decodeVector(v) : v;
}

export async function loadSample(
  api: QuiverApi,
  collection: string,
  size: number,
  field: string | undefined,
  onProgress: (loaded: number) => void,
): Promise<Sample> {
  const { count: total } = await api.count(collection);
  const points: Point[] = [];
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
      points.push(...(await api.pointsWithEncodedVectors(collection, chosen.slice(i, i + PAGE))));
      onProgress(points.length);
    }
  }
  const vectors: ArrayLike<number>[] = [];
  const kept: Point[] = [];
  for (const p of points) {
    const v = vectorOf(p, field);
    if (v === undefined || kept.length >= size) continue;
    vectors.push(v);
    // The map needs the payload only: drop the encoded vector.
    kept.push({ id: p.id, payload: p.payload });
  }
  const dim = vectors.length === 0 ? 0 : vectors[0].length;
  const data = new Float32Array(vectors.length * dim);
  for (let i = 0; i < vectors.length; i++) data.set(vectors[i], i * dim);
  return { points: kept, data, dim, total };
}
