/**
 * Label precision@10 on Fashion-MNIST (issue 7): how well each feature space puts images of
 * the same class together. For every query image, its 10 nearest training images by exact
 * search; precision@10 is the fraction of them with the query's label, averaged over queries.
 *
 * Feature spaces: raw pixels (l2 and cosine), HOG on the 28 × 28 grey pixels (Quiver's pure
 * HOG function, no image decoding), and MobileNetV2's pooled features from the
 * `mobilenet-v2` provider (each image as a PNG file's bytes). Two scopes:
 * - full: the 10,000 test images as queries against the 60,000 training images, with
 *   MobileNetV2 at a reduced input size (`--size`, default {@link MOBILENET_REDUCED_SIZE}): at its
 *   native 224 × 224 it runs ~15 images/s here, over an hour for 70,000 images;
 * - subset: the first SUBSET_QUERIES test images against the first SUBSET_TRAIN training
 *   images, for every space including MobileNetV2 at 224 × 224, so both sizes are compared.
 *
 * Extracted features are cached in `--keep DIR` (default `.bench-cache/embed-precision/`,
 * gitignored), chunk by chunk, so a rerun or a resumed run skips what is done; extraction
 * times are those measured when the chunks were computed. Exact search answers are cached in
 * `.bench-cache/` by `flatGroundTruth`.
 *
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/run-all.js embed-precision`
 * (options after `--`: `--keep DIR`, `--size N`, `--only raw,hog,mobilenet,mobilenet-224`).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from './ann/paths.js';
import { FASHION_MNIST_CLASSES, type LabelledImages, loadFashionMnist } from './data/fashion-mnist.js';
import {
  type FeatureSpace,
  featuresOf,
  HOG_PARAMETERS,
  hogFeatures,
  MOBILENET_REDUCED_SIZE,
  mobileNetFeatures,
  type PixelSplit,
  rawPixels,
} from './embed/fashion-features.js';
import { labelPrecisionAtK } from './embed/label-precision.js';

const K = 10;
const NATIVE_SIZE = 224;
const SUBSET_TRAIN = 10_000;
const SUBSET_QUERIES = 1_000;
const SPACE_NAMES = ['raw', 'hog', 'mobilenet', 'mobilenet-224'] as const;
type SpaceName = (typeof SPACE_NAMES)[number];

interface Scope {
  title: string;
  key: string;
  train: number;
  queries: number;
  spaces: readonly SpaceName[];
}

interface Row {
  space: FeatureSpace;
  precision: number;
  extractionSeconds: number;
  images: number;
}

const { values: options } = parseArgs({
  options: {
    keep: { type: 'string' },
    size: { type: 'string' },
    only: { type: 'string' },
  },
});
const keepDir = options.keep ?? join(packageRoot(), '.bench-cache', 'embed-precision');
const smallSize = options.size === undefined ? MOBILENET_REDUCED_SIZE : Number(options.size);
if (!Number.isInteger(smallSize)) throw new Error(`--size: expected an integer, got '${options.size}'`);
const only = (options.only?.split(',') ?? SPACE_NAMES) as SpaceName[];
for (const name of only) {
  if (!SPACE_NAMES.includes(name))
    throw new Error(`--only: unknown '${name}'; expected ${SPACE_NAMES.join(', ')}`);
}
const log = (message: string) => process.stderr.write(`[embed-precision] ${message}\n`);

const makers: Record<SpaceName, () => FeatureSpace[]> = {
  raw: () => [rawPixels('l2'), rawPixels('cosine')],
  hog: () => [hogFeatures()],
  mobilenet: () => [mobileNetFeatures(smallSize)],
  'mobilenet-224': () => [mobileNetFeatures(NATIVE_SIZE)],
};
/** The spaces made so far, so that both scopes share one provider (and its loaded model). */
const spaces = new Map<SpaceName, FeatureSpace[]>();
const spacesOf = (name: SpaceName): FeatureSpace[] => {
  if (!spaces.has(name)) spaces.set(name, makers[name]());
  return spaces.get(name)!;
};

const fashion = loadFashionMnist();
const train = pixelSplit('train', fashion.train);
const test = pixelSplit('test', fashion.test);
const scopes: Scope[] = [
  {
    title: `All ${fashion.test.count.toLocaleString('en')} test images as queries against the ${fashion.train.count.toLocaleString('en')} training images`,
    key: 'full',
    train: fashion.train.count,
    queries: fashion.test.count,
    spaces: ['raw', 'hog', 'mobilenet'],
  },
  {
    title: `Subset: the first ${SUBSET_QUERIES.toLocaleString('en')} test images as queries against the first ${SUBSET_TRAIN.toLocaleString('en')} training images`,
    key: 'subset',
    train: SUBSET_TRAIN,
    queries: SUBSET_QUERIES,
    spaces: SPACE_NAMES,
  },
];

const sections: string[] = [];
for (const scope of scopes) {
  const rows: Row[] = [];
  for (const name of scope.spaces.filter((s) => only.includes(s))) {
    for (const space of spacesOf(name)) rows.push(await measure(space, scope));
  }
  sections.push(`### ${scope.title}\n\n${table(rows)}`);
}
for (const list of spaces.values()) for (const space of list) await space.dispose();

process.stdout.write(`${describeMethod()}\n\n${sections.join('\n\n')}\n`);

async function measure(space: FeatureSpace, scope: Scope): Promise<Row> {
  log(`${scope.key}: ${space.label} (${space.metric})`);
  const base = await featuresOf(space, train, scope.train, keepDir, log);
  const queries = await featuresOf(space, test, scope.queries, keepDir, log);
  const { precision, searchSeconds } = labelPrecisionAtK(
    { vectors: base.vectors, labels: train.labels.subarray(0, scope.train) },
    { vectors: queries.vectors, labels: test.labels.subarray(0, scope.queries) },
    space.dimension,
    space.metric,
    K,
    `embed-${space.key ?? 'raw'}-${space.metric}-${scope.key}`,
  );
  log(
    `${scope.key}: ${space.label} (${space.metric}): precision@${K} ${precision.toFixed(4)}, search ${searchSeconds.toFixed(1)} s`,
  );
  return {
    space,
    precision,
    extractionSeconds: base.seconds + queries.seconds,
    images: scope.train + scope.queries,
  };
}

function table(rows: readonly Row[]): string {
  const lines = [
    `| features | dimension | metric | precision@${K} | extraction (s) | images/s |`,
    '|---|---:|---|---:|---:|---:|',
  ];
  for (const { space, precision, extractionSeconds, images } of rows) {
    const extracted = space.key !== undefined;
    lines.push(
      `| ${space.label} | ${space.dimension} | ${space.metric} | ${precision.toFixed(4)} | ` +
        `${extracted ? extractionSeconds.toFixed(1) : '—'} | ${extracted ? Math.round(images / extractionSeconds).toLocaleString('en') : '—'} |`,
    );
  }
  return lines.join('\n');
}

function describeMethod(): string {
  return [
    `## Label precision@${K} on Fashion-MNIST (raw pixels, HOG, MobileNetV2)`,
    '',
    `Fashion-MNIST from Debian's \`dataset-fashion-mnist\` (28 × 28 grey images, ${FASHION_MNIST_CLASSES.length} classes). ` +
      `For each query image, its ${K} nearest training images by exact search (Quiver's \`FlatIndex\`, wasm kernels; ` +
      'cosine as squared L2 over L2-normalized vectors, which ranks identically); precision@10 is the fraction of them ' +
      "with the query's label, averaged over the queries (chance: 0.1; the classes are balanced). No training: " +
      'no labels are used in the features.',
    '',
    `- **raw pixels**: the 784 values 0–255.`,
    `- **HOG**: Quiver's HOG on the 28 × 28 grey pixels, ${HOG_PARAMETERS}.`,
    '- **MobileNetV2**: the `mobilenet-v2` provider (the 1280-d pooled features, L2-normalized), each image given as ' +
      'the bytes of a grey PNG file (encoded by sharp, inside the timing), which the provider decodes, makes RGB and ' +
      'resizes to its input size. At its native ' +
      `224 × 224 input it runs too slowly here for all 70,000 images, so the full set uses ${smallSize} × ${smallSize} ` +
      'and the subset shows both. Its weights are those nsfwjs fine-tuned to classify photos as safe or not; ' +
      "Fashion-MNIST's small, centred, aligned grey silhouettes are far from such photos, and on them raw pixels " +
      'and HOG are strong baselines.',
    '',
    'Extraction time is that of the training and query images together (one thread for the model; sharp decodes on ' +
      'its own threads), measured when the features were computed: they are cached in `.bench-cache/embed-precision/` ' +
      'and a rerun reuses them. For the subset, rows cached by the full run count in proportion.',
  ].join('\n');
}

function pixelSplit(name: 'train' | 'test', images: LabelledImages): PixelSplit {
  return { name, pixels: Uint8Array.from(images.vectors), labels: images.labels, size: images.count };
}
