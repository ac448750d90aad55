/**
 * Face search with descriptors computed inside the database: the six group photos that ship in
 * `@vladmandic/face-api` are upserted into a collection whose `face` field names the `face`
 * provider, which stores one point per face found (id `<photo>#<n>`, the box and the detector's
 * score in `payload.face`). Then every stored face is searched for by a crop of its photo
 * around it, and the example prints the nearest faces with their Euclidean distances: the
 * face itself should come first, well within face-api's same-person distance of 0.6, and other
 * faces further away.
 *
 * Runs offline in under a minute; the database lives in a temporary folder.
 *
 * Run: `npm run example:faces` (that is, `npm run build && node dist/examples/face-search.js`)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Quiver } from '../src/index.js';
import {
  type FaceMatch,
  faceSamples,
  MIN_CONFIDENCE,
  matchFaces,
  SAME_PERSON,
  type StoredFace,
  storedFaces,
  storeFaces,
} from './support/face-index.js';

const K = 3;
const HIT_WIDTH = 20;

function describeBox(face: StoredFace): string {
  const { x, y, width, height } = face.box;
  return `${Math.round(x)},${Math.round(y)} ${Math.round(width)}×${Math.round(height)}`;
}

/** A hit as `= sample1#0 0.213` (the query face), `≈ sample3#1 0.571` (within 0.6) or `  sample2#0 0.702`. */
function describeHit(match: FaceMatch, hit: FaceMatch['hits'][number]): string {
  const mark = hit.face.id === match.query.id ? '=' : hit.distance < SAME_PERSON ? '≈' : ' ';
  return `${mark} ${String(hit.face.id).padEnd(10)} ${hit.distance.toFixed(3)}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const seconds = (from: number, to = performance.now()) => `${((to - from) / 1000).toFixed(1)} s`;

const photos = faceSamples();
const dir = await mkdtemp(join(tmpdir(), 'quiver-faces-'));
const db = await Quiver.open(dir);
try {
  const started = performance.now();
  const collection = await storeFaces(db, 'faces', photos);
  const faces = await storedFaces(collection);
  const stored = performance.now();
  const matches = await matchFaces(collection, faces, photos, K);
  const searched = performance.now();

  console.log(
    `Quiver face search: ${photos.length} photos of @vladmandic/face-api, ${faces.length} faces in ${dir}`,
  );
  console.log(
    `field 'face': provider face, minConfidence ${MIN_CONFIDENCE} (${collection.dimension}-d, Euclidean distance; same person below ${SAME_PERSON})\n`,
  );
  const ranks = Array.from({ length: K }, (_, i) => `hit ${i + 1}`.padEnd(HIT_WIDTH)).join('');
  console.log(`${'face'.padEnd(11)}${'score'.padEnd(7)}${'box'.padEnd(19)}${ranks}`.trimEnd());
  for (const m of matches) {
    const hits =
      m.hits.length === 0
        ? '(no face found in the crop)'
        : m.hits.map((h) => describeHit(m, h).padEnd(HIT_WIDTH)).join('');
    console.log(
      `${String(m.query.id).padEnd(11)}${m.query.score.toFixed(2).padEnd(7)}${describeBox(m.query).padEnd(19)}${hits}`.trimEnd(),
    );
  }

  const selfFirst = matches.filter((m) => m.hits[0]?.face.id === m.query.id);
  const toSelf = selfFirst.map((m) => m.hits[0].distance);
  const toOthers = matches.map((m) => m.hits.find((h) => h.face.id !== m.query.id)?.distance ?? Number.NaN);
  // Unordered pairs of different faces within the same-person distance, and how many of them
  // are two faces of one photo (so surely two people).
  const pairs = new Map<string, { a: StoredFace; b: StoredFace; distance: number }>();
  for (const m of matches) {
    for (const h of m.hits) {
      if (h.face.id === m.query.id || h.distance >= SAME_PERSON) continue;
      const [a, b] = [m.query, h.face].sort((x, y) => String(x.id).localeCompare(String(y.id)));
      pairs.set(`${String(a.id)} ${String(b.id)}`, { a, b, distance: h.distance });
    }
  }
  const samePhoto = [...pairs.values()].filter((p) => p.a.source === p.b.source);
  console.log(`\n${selfFirst.length} of ${matches.length} faces found themselves first`);
  console.log(`median distance to itself (crop vs. whole photo): ${median(toSelf).toFixed(3)}`);
  console.log(`median distance to the nearest other face: ${median(toOthers).toFixed(3)}`);
  console.log(
    `pairs of different faces within ${SAME_PERSON}: ${pairs.size}, ${samePhoto.length} of them in one photo ` +
      `(${samePhoto.map((p) => `${String(p.a.id)} ~ ${String(p.b.id)} ${p.distance.toFixed(3)}`).join(', ')})`,
  );
  console.log(
    `  ${SAME_PERSON} is a loose rule for these photos; a face's own crop, at ${median(toSelf).toFixed(2)}, is the reliable match`,
  );
  console.log(
    `\ntime: ${photos.length} photos stored ${seconds(started, stored)} (model load included), ` +
      `${matches.length} searches by face crop ${seconds(stored, searched)}`,
  );
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
