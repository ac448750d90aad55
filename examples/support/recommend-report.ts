/**
 * One run of the recommendation example (catalogue, users, every method, in a temporary
 * database) and its two renderings: the readable console report and the Markdown section of
 * `docs/benchmarks.md`.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_CLASSES } from '../../bench/data/fashion-mnist.js';
import { Quiver } from '../../src/index.js';
import {
  loadCatalogue,
  type RecommendProtocol,
  type SimulatedUser,
  simulateUsers,
} from './recommend-data.js';
import {
  CUTOFFS,
  cutoffIndex,
  evaluateMethods,
  type MethodResult,
  storeCatalogue,
} from './recommend-eval.js';
import { recallCurvePlot } from './recommend-plot.js';
import { reportTable } from './report-table.js';

export interface RecommendRun {
  protocol: RecommendProtocol;
  users: SimulatedUser[];
  /** Category of every catalogue item. */
  labels: Uint8Array;
  results: MethodResult[];
  /** Seconds to store the catalogue and build its index. */
  storeSeconds: number;
}

/** Loads the catalogue, simulates the users and evaluates every method. */
export async function runRecommendation(protocol: RecommendProtocol): Promise<RecommendRun> {
  const catalogue = loadCatalogue(protocol.items);
  const users = simulateUsers(catalogue, protocol);
  const dir = await mkdtemp(join(tmpdir(), 'quiver-recommend-'));
  const db = await Quiver.open(dir);
  try {
    const started = performance.now();
    const items = await storeCatalogue(db, 'items', catalogue);
    const storeSeconds = (performance.now() - started) / 1000;
    const results = await evaluateMethods(items, users, catalogue.count, protocol.seed);
    return { protocol, users, labels: catalogue.labels, results, storeSeconds };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the run's recall@k curve to `docs/recommend-recall.svg`; returns the file's path. */
export function writeRecallCurve(run: RecommendRun): string {
  // Compiled to dist/examples/support/: the repository is three folders up.
  const file = fileURLToPath(new URL('../../../docs/recommend-recall.svg', import.meta.url));
  const { users, items } = run.protocol;
  writeFileSync(
    file,
    recallCurvePlot(run.results, CUTOFFS, `Recall@k, ${users} simulated users, ${items} Fashion-MNIST items`),
  );
  return file;
}

/** The result of the method named `name`. @throws Error when there is none */
export function methodNamed(run: RecommendRun, name: string): MethodResult {
  const found = run.results.find((m) => m.name === name);
  if (!found) throw new Error(`no method named '${name}'`);
  return found;
}

/** The protocol in one paragraph, shared by the console report and the Markdown. */
export function protocolText(p: RecommendProtocol): string {
  return (
    `Catalogue: the first ${p.items.toLocaleString('en-US')} images of Fashion-MNIST's test split (Debian ` +
    '`dataset-fashion-mnist`), each item its 784 raw pixels, in a cosine collection with the default HNSW index. ' +
    'No package here ships real user–item interactions, so the users are simulated (examples/support/recommend-data.ts): ' +
    `${p.users.toLocaleString('en-US')} users (seed ${p.seed}), each with hidden tastes — two liked categories, ` +
    'a preferred tone (dark or light items: mean pixel value, which the cosine vectors do not encode directly) and ' +
    'a disliked category — and items drawn by a Zipf popularity (exponent 0.8) × tone preference within the chosen ' +
    `category, 10% of draws from any category but the disliked one. Each user has ${p.train} interactions the ` +
    `recommender sees (positive examples), ${p.heldOut} held out (the relevant items), and ${p.negatives} skipped ` +
    'items of the disliked category (negative examples). Every list excludes the items the user has seen (a ' +
    '`must_not has_id` filter for Quiver); recall@k and nDCG@k (binary relevance) are averaged over users.'
  );
}

/**
 * What the table shows, in words, with the ratios computed from this run: the hybrid against
 * popularity, and `average` with negatives against without.
 */
export function findingsText(run: RecommendRun): string {
  const hybrid = methodNamed(run, 'recommend + popularity');
  const popular = methodNamed(run, 'popularity');
  const content = methodNamed(run, 'recommend average');
  const positivesOnly = methodNamed(run, 'recommend average, no negatives');
  const at10 = cutoffIndex(10);
  const at100 = cutoffIndex(100);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  return (
    'Visual similarity can find the categories a user likes but cannot see which of their ' +
    `~${Math.round(run.protocol.items / 10).toLocaleString('en-US')} items the user picks, which popularity ` +
    `largely decides in this protocol: recommend (average) reaches recall@10 ${content.recall[at10].toFixed(4)}, ` +
    `${content.recall[at10] < popular.recall[at10] ? 'below' : 'above'} popularity's ${popular.recall[at10].toFixed(4)} and far above ` +
    `random. Fusing the two (recommend's candidates, ranked also by popularity) gives recall@10 ` +
    `${ratio(hybrid.recall[at10], popular.recall[at10])}, nDCG@10 ${ratio(hybrid.ndcg[at10], popular.ndcg[at10])} ` +
    `and recall@100 ${ratio(hybrid.recall[at100], popular.recall[at100])} the popularity baseline's. Negative ` +
    `examples (skipped items) move recall@10 of recommend (average) from ${positivesOnly.recall[at10].toFixed(4)} ` +
    `to ${content.recall[at10].toFixed(4)}.`
  );
}

/** The console report: protocol, a few users, the table, the times. */
export function consoleReport(run: RecommendRun, svgFile: string | undefined): string {
  const lines = [
    'Quiver recommendation example',
    '',
    protocolText(run.protocol),
    '',
    'a few users (hidden tastes):',
  ];
  for (const user of run.users.slice(0, 3)) {
    const liked = user.liked.map((c) => FASHION_MNIST_CLASSES[c]).join(' + ');
    const seen = user.train.map((i) => FASHION_MNIST_CLASSES[run.labels[i]]);
    lines.push(
      `  likes ${liked}, ${user.tone} tones; dislikes ${FASHION_MNIST_CLASSES[user.disliked]}; ` +
        `first liked items: ${seen.slice(0, 5).join(', ')}, …`,
    );
  }
  lines.push('', methodTable(run, 'console'), '', findingsText(run), '');
  for (const m of run.results) lines.push(`  ${m.name}: ${m.description}`);
  lines.push(
    '',
    `time: store and index ${run.protocol.items} items ${run.storeSeconds.toFixed(1)} s; ` +
      run.results.map((m) => `${m.name} ${m.seconds.toFixed(1)} s`).join(', '),
    `seen items returned by any method: ${run.results.reduce((s, m) => s + m.seenReturned, 0)}`,
  );
  if (svgFile) lines.push(`recall@k curve: ${svgFile}`);
  return lines.join('\n');
}

/** The Markdown section of `docs/benchmarks.md`. */
export function markdownSection(run: RecommendRun, command: string): string {
  return [
    '## Recommendation: simulated users over the Fashion-MNIST catalogue',
    '',
    `${protocolText(run.protocol)} Command: \`${command}\`; the curve is in [recommend-recall.svg](recommend-recall.svg).`,
    '',
    methodTable(run, 'markdown'),
    '',
    findingsText(run),
    '',
    `Store and index ${run.protocol.items.toLocaleString('en-US')} items: ${run.storeSeconds.toFixed(1)} s. ` +
      `Seen items returned by any method: ${run.results.reduce((s, m) => s + m.seenReturned, 0)}.`,
  ].join('\n');
}

const TABLE_CUTOFFS = [10, 20, 100] as const;

function methodTable(run: RecommendRun, style: 'console' | 'markdown'): string {
  const header = [
    'method',
    'users',
    ...TABLE_CUTOFFS.map((k) => `recall@${k}`),
    ...TABLE_CUTOFFS.slice(0, 2).map((k) => `nDCG@${k}`),
    'users/s',
  ];
  const rows = run.results.map((m) => [
    m.name,
    m.users.toLocaleString('en-US'),
    ...TABLE_CUTOFFS.map((k) => m.recall[cutoffIndex(k)].toFixed(4)),
    ...TABLE_CUTOFFS.slice(0, 2).map((k) => m.ndcg[cutoffIndex(k)].toFixed(4)),
    m.seconds > 0 ? Math.round(m.users / m.seconds).toLocaleString('en-US') : '—',
  ]);
  return reportTable(header, rows, style);
}
