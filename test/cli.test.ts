/**
 * The `quiver` command line, run as a child process (`node bin/quiver.js`) against a temp
 * data folder: create, import of each file format, exact-match search, info, drop, and the
 * exit codes (0 success, 1 Quiver error or bad file with `error: <message>` on stderr and no
 * stack trace, 2 usage error). Needs a build (`dist/`), as `npm test` does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gaussianVectors } from '../src/eval/random.js';
import { quiverRunner } from './support/cli.js';

const ROWS = 200;
const DIM = 16;
const DATA = gaussianVectors(ROWS, DIM, 2024);

let dir: string;
let data: string;
const { run: quiver, ok, fails } = quiverRunner(() => data);

function row(i: number): number[] {
  return Array.from(DATA.subarray(i * DIM, (i + 1) * DIM));
}

function npyBytes(vectors: Float32Array, rows: number, dim: number): Buffer {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const text = header.padEnd(64 * Math.ceil((10 + header.length + 1) / 64) - 10 - 1) + '\n';
  const preamble = Buffer.from([
    0x93,
    0x4e,
    0x55,
    0x4d,
    0x50,
    0x59,
    1,
    0,
    text.length & 0xff,
    text.length >> 8,
  ]);
  return Buffer.concat([
    preamble,
    Buffer.from(text, 'latin1'),
    Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength),
  ]);
}

function fvecsBytes(vectors: Float32Array, rows: number, dim: number): Buffer {
  const out = Buffer.alloc(rows * (4 + 4 * dim));
  for (let r = 0; r < rows; r++) {
    out.writeInt32LE(dim, r * (4 + 4 * dim));
    for (let i = 0; i < dim; i++) out.writeFloatLE(vectors[r * dim + i], r * (4 + 4 * dim) + 4 + 4 * i);
  }
  return out;
}

function jsonlText(rows: number): string {
  return Array.from(
    { length: rows },
    (_, i) =>
      JSON.stringify({ id: `p${i}`, vector: row(i), payload: { i, parity: i % 2 === 0 ? 'even' : 'odd' } }) +
      '\n',
  ).join('');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-cli-'));
  data = join(dir, 'data');
  await writeFile(join(dir, 'points.npy'), npyBytes(DATA, ROWS, DIM));
  await writeFile(join(dir, 'points.fvecs'), fvecsBytes(DATA, ROWS, DIM));
  await writeFile(join(dir, 'points.jsonl'), jsonlText(ROWS));
  const bytes = fvecsBytes(DATA, ROWS, DIM);
  await writeFile(join(dir, 'truncated.fvecs'), bytes.subarray(0, bytes.length - 5));
  await writeFile(join(dir, 'malformed.jsonl'), `${jsonlText(1)}{"id": "x", "vector": [1, 2,\n`);
  await writeFile(join(dir, 'narrow.npy'), npyBytes(DATA.subarray(0, 10 * 8), 10, 8));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quiver CLI', () => {
  test('create, then info lists the collection', async () => {
    assert.match(
      await ok(['create', 'docs', '--dim', String(DIM)]),
      /created collection 'docs' \(dimension 16, metric l2, index hnsw\)/,
    );
    const infos = JSON.parse(await ok(['info', '--json']));
    assert.deepEqual(
      infos.map((i: { name: string; dimension: number; metric: string; count: number }) => [
        i.name,
        i.dimension,
        i.metric,
        i.count,
      ]),
      [['docs', DIM, 'l2', 0]],
    );
    assert.match(
      await ok(['info']),
      /^collection\s+dimension\s+metric\s+count\s+memory\s+disk\ndocs\s+16\s+l2\s+0\s+0 B\s+0 B\n$/,
    );
    await fails(['create', 'docs', '--dim', '4'], 1, /already exists/);
  });

  test('create takes the index and its parameters; search takes --ef and --exact', async () => {
    assert.match(
      await ok(['create', 'tuned', '--dim', '4', '--m', '8', '--ef-construction', '50', '--ef', '20']),
      /index hnsw/,
    );
    const info = JSON.parse(await ok(['info', 'tuned', '--json']));
    assert.deepEqual(info.index, { type: 'hnsw', M: 8, efConstruction: 50, ef: 20 });
    assert.match(await ok(['create', 'plain', '--dim', '4', '--index', 'flat']), /index flat/);
    await fails(
      ['create', 'bad', '--dim', '4', '--index', 'flat', '--m', '8'],
      2,
      /only apply to --index hnsw/,
    );
    await fails(['create', 'bad', '--dim', '4', '--m', '1'], 2, /--m/);
    assert.match(await ok(['create', 'ivf', '--dim', '4', '--index', 'ivf16,pq2']), /index ivf16,pq2/);
    assert.deepEqual(JSON.parse(await ok(['info', 'ivf', '--json'])).index, {
      type: 'factory',
      factory: 'IVF16,PQ2',
    });
    await fails(['create', 'bad', '--dim', '4', '--index', 'IVF,Flat'], 1, /IVF<nlist>,PQ<m>/);
    const probed = await ok([
      'search',
      'ivf',
      '--vector',
      '[1, 2, 3, 4]',
      '--nprobe',
      '4',
      '--rerank',
      '0',
      '--json',
    ]);
    assert.deepEqual(JSON.parse(probed), []);
    await ok(['drop', 'ivf', '--yes']);
    const exact = await ok(['search', 'tuned', '--vector', '[1, 2, 3, 4]', '--exact', '--ef', '5', '--json']);
    assert.deepEqual(JSON.parse(exact), []);
    await ok(['drop', 'tuned', '--yes']);
    await ok(['drop', 'plain', '--yes']);
  });

  test('import npy with --create; a query equal to a row finds that row first', async () => {
    const summary = await ok(['import', 'npy', join(dir, 'points.npy'), '--create', '--batch', '64']);
    assert.match(summary, /^imported 200 points into npy in \d+\.\d\d s \(\d+ points\/s\)\n$/);
    assert.equal(JSON.parse(await ok(['info', 'npy', '--json'])).count, ROWS);
    const hits = JSON.parse(
      await ok([
        'search',
        'npy',
        '--vector-file',
        join(dir, 'points.npy'),
        '--row',
        '17',
        '-k',
        '3',
        '--json',
      ]),
    );
    assert.equal(hits.length, 3);
    assert.deepEqual([hits[0].id, hits[0].score], [17, 0]);
    const table = await ok(['search', 'npy', '--vector', JSON.stringify(row(42)), '-k', '2']);
    assert.match(table, /^rank\s+id\s+score\n\s+1\s+42\s+0\n\s+2\s+\d+\s+[\d.]+\n$/);
  });

  test('import fvecs into an existing collection with --id-start', async () => {
    await ok(['create', 'fvecs', '--dim', String(DIM), '--metric', 'ip']);
    assert.match(
      await ok(['import', 'fvecs', join(dir, 'points.fvecs'), '--id-start', '1000']),
      /imported 200 points/,
    );
    const info = JSON.parse(await ok(['info', 'fvecs', '--json']));
    assert.deepEqual([info.metric, info.count], ['ip', ROWS]);
    const [best] = JSON.parse(
      await ok(['search', 'fvecs', '--vector-file', join(dir, 'points.fvecs'), '--row', '5', '--json']),
    );
    const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);
    const scores = Array.from({ length: ROWS }, (_, j) => dot(row(5), row(j)));
    const expected = scores.indexOf(Math.max(...scores));
    assert.equal(best.id, 1000 + expected);
    assert.ok(Math.abs(best.score - scores[expected]) < 1e-4);
  });

  test('import jsonl with payloads; filtered search with payloads', async () => {
    assert.match(
      await ok(['import', 'json', join(dir, 'points.jsonl'), '--create', '--metric', 'l2']),
      /imported 200 points/,
    );
    const [best] = JSON.parse(
      await ok(['search', 'json', '--vector', JSON.stringify(row(9)), '--with-payload', '--json']),
    );
    assert.deepEqual(best, { id: 'p9', score: 0, payload: { i: 9, parity: 'odd' } });
    const filter = JSON.stringify({ must: [{ key: 'parity', match: { value: 'even' } }] });
    const hits = JSON.parse(
      await ok([
        'search',
        'json',
        '--vector',
        JSON.stringify(row(9)),
        '--filter',
        filter,
        '--with-payload',
        '-k',
        '5',
        '--json',
      ]),
    );
    assert.equal(hits.length, 5);
    assert.ok(hits.every((hit: { payload: { parity: string } }) => hit.payload.parity === 'even'));
    assert.match(
      await ok(['search', 'json', '--vector', JSON.stringify(row(9)), '-k', '1', '--with-payload']),
      /p9\s+0\s+\{"i":9,"parity":"odd"\}/,
    );
  });

  test('the data folder defaults to $QUIVER_DATA', async () => {
    const result = await quiver(['info', '--json'], { QUIVER_DATA: data }, false);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout)
        .map((i: { name: string }) => i.name)
        .sort(),
      ['docs', 'fvecs', 'json', 'npy'],
    );
  });

  test('a Quiver error or a bad file exits 1 with the message on stderr', async () => {
    await fails(['search', 'nope', '--vector', '[1, 2]'], 1, /collection 'nope' does not exist/);
    await fails(['import', 'nope', join(dir, 'points.npy')], 1, /collection 'nope' does not exist/);
    await fails(['search', 'npy', '--vector', '[1, 2]'], 1, /expected dimension 16, got 2/);
    await fails(['import', 'npy', join(dir, 'narrow.npy')], 1, /narrow\.npy .*expected dimension 16, got 8/);
    await fails(
      ['import', 'npy', join(dir, 'truncated.fvecs')],
      1,
      /truncated\.fvecs: truncated \.fvecs file/,
    );
    await fails(
      ['import', 'new', join(dir, 'malformed.jsonl'), '--create'],
      1,
      /malformed\.jsonl: line 2: invalid JSON/,
    );
    await fails(['import', 'npy', join(dir, 'missing.npy')], 1, /no such file/);
    await fails(
      ['import', 'npy', join(dir, 'points.npy'), '--create', '--metric', 'cosine'],
      1,
      /exists with metric l2/,
    );
    await fails(
      ['search', 'npy', '--vector-file', join(dir, 'points.npy'), '--row', '200'],
      1,
      /--row 200 is out of range/,
    );
    const filter = JSON.stringify({ must: [{ key: 'parity', match: {} }] });
    await fails(['search', 'json', '--vector', JSON.stringify(row(0)), '--filter', filter], 1, /filter/);
  });

  test('a usage error exits 2', async () => {
    await fails(['frobnicate'], 2, /unknown command 'frobnicate'/);
    await fails(
      ['create', 'x'],
      2,
      /give the vector dimension with --dim <n>, or named vectors with --vectors/,
    );
    await fails(['create', 'x', '--dim', 'ten'], 2, /--dim <n>.*is invalid/);
    await fails(['create', 'x', '--dim', '4', '--metric', 'manhattan'], 2, /--metric/);
    await fails(['search', 'npy', '-k', '0', '--vector', '[1]'], 2, /-k, --k <n>.*is invalid/);
    await fails(['search', 'npy'], 2, /--vector <json>, --vector-file <path> or --text <query>/);
    await fails(['search', 'npy', '--vector', '[1, 2'], 2, /invalid JSON/);
    await fails(['worker', '--objects', 's3://b/p'], 2, /required option '--cluster <postgres-url>'/);
    await fails(
      ['serve', '--cluster', 'postgres://q@127.0.0.1:1/q'],
      2,
      /--cluster and --objects go together/,
    );
    // Nothing listens on port 1: a typed error, not a crash.
    await fails(
      ['worker', '--cluster', 'postgres://q@127.0.0.1:1/q', '--objects', 's3://b/p'],
      1,
      /the catalog is unreachable/,
    );
    await fails(
      ['import', 'npy', join(dir, 'points.npy'), '--metric', 'ip'],
      2,
      /--metric requires --create/,
    );
    await fails(
      ['import', 'json', join(dir, 'points.jsonl'), '--id-start', '5'],
      2,
      /--id-start applies to npy and fvecs/,
    );
    const help = await quiver(['import', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: quiver import \[options\] \[collection\] \[file\]/);
    assert.match(help.stdout, /--images <dir>/);
  });

  test('drop needs --yes without a terminal, then removes the collection', async () => {
    await fails(['drop', 'docs'], 2, /refusing to drop 'docs' without --yes/);
    assert.match(await ok(['drop', 'docs', '--yes']), /^dropped collection 'docs'\n$/);
    assert.ok(!JSON.parse(await ok(['info', '--json'])).some((i: { name: string }) => i.name === 'docs'));
    await fails(['drop', 'docs', '--yes'], 1, /collection 'docs' does not exist/);
  });
});
