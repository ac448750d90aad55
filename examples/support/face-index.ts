/**
 * The working parts of the face-search example (`examples/face-search.ts`), apart from its
 * printing so that a test can run them on fewer photos.
 *
 * The photos are the six group photos that ship in `@vladmandic/face-api`'s `demo/` folder.
 * They are stored in a collection whose `face` field names the `face` provider: upserting a
 * photo stores one point per face found, with id `<photo>#<n>` (n = 0 for the detector's most
 * confident face) and `payload.face = { source, index, box, score }`. Each stored face is then
 * searched for by a crop of its photo around it; searching by an image embeds its most
 * confident face. Face descriptors compare by Euclidean distance (the collection reports it
 * squared, as `l2` does); face-api's rule of thumb is that the same person lies within 0.6.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { EmbeddingInputError } from '../../src/embed/index.js';
import type { Collection, Hit, PointId, Quiver } from '../../src/index.js';

/** Euclidean distance under which face-api takes two descriptors for the same person. */
export const SAME_PERSON = 0.6;

/** One sample photo: its name (`sample1`…) and its file. */
export interface FacePhoto {
  name: string;
  path: string;
}

/** A stored face, as the collection holds it. */
export interface StoredFace {
  id: PointId;
  /** The photo's name, the id it was upserted under. */
  source: string;
  /** Its rank among the photo's faces (0: most confident). */
  index: number;
  box: { x: number; y: number; width: number; height: number };
  score: number;
}

/** A face searched for by a crop around it, and the faces found (none when the crop showed no face to the detector). */
export interface FaceMatch {
  query: StoredFace;
  hits: { face: StoredFace; distance: number }[];
}

/**
 * Detector confidence the example's collection asks for: below the provider's default 0.5,
 * because a crop gives the detector less context than the whole photo (a face seen from above
 * scores 0.76 in its photo and 0.47 in a crop); on these photos it stores the same 22 faces.
 */
export const MIN_CONFIDENCE = 0.4;

/** The sample photos of `@vladmandic/face-api` (`demo/sample1.jpg` … `sample6.jpg`). */
export function faceSamples(): FacePhoto[] {
  const main = createRequire(import.meta.url).resolve('@vladmandic/face-api');
  const demo = join(dirname(main), '..', 'demo');
  return [1, 2, 3, 4, 5, 6].map((i) => ({ name: `sample${i}`, path: join(demo, `sample${i}.jpg`) }));
}

/** Creates the collection `name` with a `face` provider field and stores every face of `photos`. */
export async function storeFaces(
  db: Quiver,
  name: string,
  photos: readonly FacePhoto[],
): Promise<Collection> {
  const collection = await db.createCollection(name, {
    vectors: { face: { provider: 'face', providerOptions: { minConfidence: MIN_CONFIDENCE } } },
  });
  await collection.upsert(photos.map((photo) => ({ id: photo.name, face: photo.path })));
  return collection;
}

/** Every stored face, by photo and then by rank. */
export async function storedFaces(collection: Collection): Promise<StoredFace[]> {
  const faces: StoredFace[] = [];
  let cursor: PointId | undefined;
  do {
    const page = await collection.scroll({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const point of page.points) faces.push(faceOf(point.id, point.payload));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return faces.sort((a, b) => a.source.localeCompare(b.source) || a.index - b.index);
}

function faceOf(id: PointId, payload: Record<string, unknown> | undefined): StoredFace {
  const face = payload?.face as Omit<StoredFace, 'id'>;
  return { id, source: face.source, index: face.index, box: face.box, score: face.score };
}

/**
 * The region of `path` around `box`, grown by the box's size on every side (within the image):
 * the face with its surroundings, as the detector was trained on (tight crops are missed more).
 */
export async function cropAround(path: string, box: StoredFace['box']): Promise<Buffer> {
  const image = sharp(path);
  const { width = 0, height = 0 } = await image.metadata();
  const left = Math.max(0, Math.floor(box.x - box.width));
  const top = Math.max(0, Math.floor(box.y - box.height));
  const right = Math.min(width, Math.ceil(box.x + box.width * 2));
  const bottom = Math.min(height, Math.ceil(box.y + box.height * 2));
  return image
    .extract({ left, top, width: right - left, height: bottom - top })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * Searches the collection for each of `faces` by a crop of its photo around it; `k` hits each,
 * or none when the provider finds no face in the crop (`EmbeddingInputError`).
 */
export async function matchFaces(
  collection: Collection,
  faces: readonly StoredFace[],
  photos: readonly FacePhoto[],
  k: number,
): Promise<FaceMatch[]> {
  const pathOf = new Map(photos.map((p) => [p.name, p.path]));
  const matches: FaceMatch[] = [];
  for (const query of faces) {
    const crop = await cropAround(pathOf.get(query.source)!, query.box);
    let hits: Hit[] = [];
    try {
      hits = await collection.search({ face: crop }, { k, withPayload: true });
    } catch (e) {
      if (!(e instanceof EmbeddingInputError)) throw e;
    }
    matches.push({
      query,
      hits: hits.map((h) => ({ face: faceOf(h.id, h.payload), distance: Math.sqrt(h.score) })),
    });
  }
  return matches;
}
