/**
 * The `quiver` command line for named vectors, payload indexes, text / hybrid / grouped
 * search and recommendations: `create --vectors --payload-index`, `import` of JSON Lines
 * records with named vectors, `search --using --text --text-field --fusion --group-by
 * --group-size`, `recommend`, `payload-index [--drop]`, and the usage errors (exit 2) of
 * each new option. Runs `bin/quiver.js` as a child process against a temp data folder.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { quiverRunner } from './support/cli.js';

/** Twelve documents: an image vector (one-hot-ish, 4-d), a text vector (2-d, missing on every fourth), a body and an album. */
const BODIES = [
  'tax cuts for working families',
  'the defense budget',
  'tax code reform',
  'roads and bridges',
  'schools and teachers',
  'a balanced budget',
  'clean energy',
  'trade with neighbours',
  'health care for all',
  'tax cuts and more tax cuts',
  'space exploration',
  'farm support',
];

function image(i: number): number[] {
  return [i % 4 === 0 ? 1 : 0.1, i % 4 === 1 ? 1 : 0.1, i % 4 === 2 ? 1 : 0.1, i / 12];
}

function record(i: number): string {
  const vectors: Record<string, number[]> = { image: image(i) };
  if (i % 4 !== 3) vectors.text = [i, 12 - i];
  return JSON.stringify({ id: i, vectors, payload: { body: BODIES[i], album: `a${i % 3}` } });
}

let dir: string;
let data: string;
const { ok, fails } = quiverRunner(() => data);
const json = async (args: string[]) => JSON.parse(await ok([...args, '--json']));
const ids = (hits: { id: unknown }[]) => hits.map((h) => h.id);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-cli-query-'));
  data = join(dir, 'data');
  await writeFile(join(dir, 'named.jsonl'), BODIES.map((_, i) => `${record(i)}\n`).join(''));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quiver CLI: named vectors, payload indexes, text, groups, recommend', () => {
  test('create --vectors --payload-index, then import JSON Lines records with named vectors', async () => {
    assert.match(
      await ok([
        'create',
        'docs',
        '--vectors',
        'image:4:cosine,text:2',
        '--payload-index',
        'body:text:english',
        '--payload-index',
        'album:keyword',
        '--index',
        'flat',
      ]),
      /^created collection 'docs' \(vectors image 4 cosine, text 2 l2, index flat\)\n$/,
    );
    const info = await json(['info', 'docs']);
    assert.deepEqual(
      Object.entries(info.vectors).map(([f, v]) => [f, (v as { dimension: number }).dimension]),
      [
        ['image', 4],
        ['text', 2],
      ],
    );
    assert.deepEqual(info.payloadIndexes, {
      body: { type: 'text', analyzer: 'english' },
      album: { type: 'keyword' },
    });
    assert.match(await ok(['info', 'docs']), /vectors\s+\{"image":\{"dimension":4/);
    assert.match(await ok(['import', 'docs', join(dir, 'named.jsonl')]), /imported 12 points into docs/);
    assert.equal((await json(['info', 'docs'])).count, 12);
    await fails(['import', 'fresh', join(dir, 'named.jsonl'), '--create'], 1, /quiver create --vectors/);
  });

  test('search: --using, --vector-file with --using, --text, hybrid --fusion, --group-by', async () => {
    const byImage = await json([
      'search',
      'docs',
      '--vector',
      '[0, 1, 0, 0.1]',
      '--using',
      'image',
      '-k',
      '3',
    ]);
    assert.ok(
      byImage.every((h: { id: number }) => h.id % 4 === 1),
      JSON.stringify(byImage),
    );
    const fromFile = await json([
      'search',
      'docs',
      '--vector-file',
      join(dir, 'named.jsonl'),
      '--row',
      '2',
      '--using',
      'text',
      '-k',
      '1',
    ]);
    assert.deepEqual(ids(fromFile), [2]);
    await fails(
      ['search', 'docs', '--vector-file', join(dir, 'named.jsonl'), '--row', '2'],
      1,
      /has named vectors \(image, text\): pick one with --using/,
    );
    const text = await json([
      'search',
      'docs',
      '--text',
      'tax cuts',
      '--text-field',
      'body',
      '--with-payload',
    ]);
    assert.equal(text[0].id, 9);
    assert.deepEqual(ids(text).sort(), [0, 2, 9]);
    const hybrid = await json([
      'search',
      'docs',
      '--text',
      'budget',
      '--text-field',
      'body',
      '--vector',
      JSON.stringify(image(4)),
      '--using',
      'image',
      '--fusion',
      'weighted',
      '-k',
      '3',
    ]);
    assert.ok(ids(hybrid).includes(4), JSON.stringify(hybrid));
    assert.ok(ids(hybrid).includes(1) || ids(hybrid).includes(5), JSON.stringify(hybrid));
    const byAlbum = (...args: string[]) => [
      'search',
      'docs',
      '--vector',
      '[1, 0, 0, 0]',
      '--using',
      'image',
      '--group-by',
      'album',
      ...args,
    ];
    const groups = await json(byAlbum('--group-size', '2', '-k', '2'));
    assert.equal(groups.length, 2);
    assert.ok(groups.every((g: { hits: unknown[] }) => g.hits.length === 2));
    assert.notEqual(groups[0].group, groups[1].group);
    const table = await ok(byAlbum('-k', '1'));
    assert.match(table, /^group\s+rank\s+id\s+score\n(a\d\s+\d\s+\d+\s+[\d.]+\n){3}$/);
    await fails(
      ['search', 'docs', '--text-field', 'body', '--vector', '[1, 0, 0, 0]'],
      2,
      /--text-field requires --text/,
    );
    await fails(
      ['search', 'docs', '--text', 'x', '--group-size', '2'],
      2,
      /--group-size requires --group-by/,
    );
    await fails(['search', 'docs', '--vector', '[1, 0, 0, 0]', '--using', 'audio'], 1, /audio/);
  });

  test('recommend --positive --negative --strategy --using', async () => {
    const average = await json(['recommend', 'docs', '--positive', '0,4', '--using', 'image', '-k', '3']);
    assert.equal(average.length, 3);
    assert.ok(!ids(average).includes(0) && !ids(average).includes(4), 'examples are left out');
    assert.equal(average[0].id, 8, 'the other point like both examples comes first');
    const best = await json([
      'recommend',
      'docs',
      '--positive',
      '1',
      '--negative',
      '2',
      '--strategy',
      'best_score',
      '--using',
      'image',
      '-k',
      '2',
      '--with-payload',
    ]);
    assert.ok(best.every((h: { id: number; payload: unknown }) => h.id % 4 === 1 && h.payload !== undefined));
    assert.match(
      await ok(['recommend', 'docs', '--positive', '0', '--using', 'image', '-k', '1']),
      /^rank\s+id\s+score\n\s+1\s+\d+\s+[\d.]+\n$/,
    );
    await fails(['recommend', 'docs'], 2, /required option '--positive <ids>' not specified/);
    await fails(['recommend', 'docs', '--positive', '1,,2'], 2, /--positive <ids>.*is invalid/);
  });

  test('payload-index creates and drops indexes; --payload-index and --vectors refuse bad specs', async () => {
    assert.match(
      await ok(['payload-index', 'docs', 'meta.year', 'integer']),
      /indexed 'meta.year' in 'docs' as integer/,
    );
    assert.match(
      await ok(['payload-index', 'docs', 'title', 'text', '--analyzer', 'simple']),
      /as text \(simple\)/,
    );
    let indexes = (await json(['info', 'docs'])).payloadIndexes;
    assert.deepEqual(
      [indexes['meta.year'], indexes.title],
      [{ type: 'integer' }, { type: 'text', analyzer: 'simple' }],
    );
    assert.match(
      await ok(['payload-index', 'docs', 'meta.year', '--drop']),
      /dropped the index of 'meta.year'/,
    );
    indexes = (await json(['info', 'docs'])).payloadIndexes;
    assert.ok(!('meta.year' in indexes));
    await fails(['payload-index', 'docs', 'x'], 2, /give the index type, or --drop/);
    await fails(['payload-index', 'docs', 'x', 'keyword', '--drop'], 2, /--drop takes no type/);
    await fails(
      ['payload-index', 'docs', 'x', 'hologram'],
      2,
      /value 'hologram' is invalid for argument 'type'/,
    );
    await fails(['payload-index', 'docs', 'x', 'keyword', '--analyzer', 'english'], 2, /text indexes only/);

    await fails(['create', 'x', '--vectors', 'image'], 2, /--vectors <fields>.*name:dimension\[:metric\]/);
    await fails(['create', 'x', '--vectors', 'image:4:manhattan'], 2, /metric of 'image' must be one of/);
    await fails(['create', 'x', '--vectors', 'a:4,a:2'], 2, /field 'a' is given twice/);
    await fails(['create', 'x', '--dim', '4', '--vectors', 'a:4'], 2, /cannot be used with/);
    await fails(
      ['create', 'x', '--dim', '4', '--payload-index', 'tag:hologram'],
      2,
      /index type must be one of/,
    );
    await fails(
      ['create', 'x', '--dim', '4', '--payload-index', 'tag:keyword:english'],
      2,
      /text indexes only/,
    );
    await fails(['create', 'x', '--vectors', 'a b:4'], 1, /a b/);
    assert.deepEqual(
      (await json(['info'])).map((c: { name: string }) => c.name),
      ['docs'],
    );
  });
});
