/**
 * What a newcomer meets on a first run of the `quiver` command line (issue 14, item 13):
 * - a mistyped `--data` is refused by commands that only use what exists (exit 1, and no
 *   folder is created), while `create` makes a new database and says so on stderr;
 * - a JSON Lines import that fails part way says how many points were stored and the
 *   `--skip` that resumes, and resuming with it completes the import;
 * - a missing file is named, without Node's `ENOENT` text, and creates no database;
 * - out-of-range `-k`, `--group-size` and the other numbers the engine bounds are usage
 *   errors (exit 2), like `-k 0`;
 * - the server's 415 tells a client to send `Content-Type: application/json`.
 * Needs a build (`dist/`), as `npm test` does.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { quiverRunner } from './support/cli.js';
import { http, startTestServer } from './support/server.js';

let dir: string;
let data: string;
const cli = quiverRunner(() => data);

/** `rows` JSON Lines records of 2-d points with ids 0…rows−1, line `badLine` (1-based) broken. */
function jsonl(rows: number, badLine?: number): string {
  return Array.from({ length: rows }, (_, i) =>
    i + 1 === badLine ? '{"id": ' : JSON.stringify({ id: i, vector: [i, 1] }),
  ).join('\n');
}

describe('quiver on a first run', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-first-run-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('commands that read refuse a folder without a database and create nothing', async () => {
    data = join(dir, 'typo');
    const noDatabase = /no Quiver database in .*typo .*check --data/;
    await cli.fails(['info'], 1, noDatabase);
    await cli.fails(['info', 'c'], 1, noDatabase);
    await cli.fails(['search', 'c', '--vector', '[1, 2]'], 1, noDatabase);
    await cli.fails(['recommend', 'c', '--positive', '1'], 1, noDatabase);
    await cli.fails(['payload-index', 'c', 'label', 'keyword'], 1, noDatabase);
    await cli.fails(['drop', 'c', '--yes'], 1, noDatabase);
    await cli.fails(['import', 'c', join(dir, 'none.jsonl')], 1, /none\.jsonl: no such file or folder/);
    assert.equal(existsSync(data), false);
  });

  test('create makes a new database and says so on stderr, once', async () => {
    data = join(dir, 'db');
    const first = await cli.run(['create', 'c', '--dim', '2', '--index', 'flat']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^quiver: created a new database in .*db\n$/);
    const second = await cli.run(['create', 'd', '--dim', '2']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, '');
    assert.match(await cli.ok(['info']), /^collection/);
  });

  test('an import that fails at line 1001 says 1000 points are stored and how to resume', async () => {
    data = join(dir, 'db');
    const file = join(dir, 'points.jsonl');
    await writeFile(file, jsonl(1500, 1001));
    const failed = await cli.run(['import', 'c', file]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^error: .*points\.jsonl: line 1001: invalid JSON/);
    assert.match(
      failed.stderr,
      /1000 points \(records 1–1000 of .*points\.jsonl\) were imported before the error/,
    );
    assert.match(failed.stderr, /resume with --skip 1000/);
    assert.equal(JSON.parse(await cli.ok(['info', 'c', '--json'])).count, 1000);

    await writeFile(file, jsonl(1500));
    assert.match(await cli.ok(['import', 'c', file, '--skip', '1000']), /^imported 500 points into c/);
    const info = JSON.parse(await cli.ok(['info', 'c', '--json']));
    assert.equal(info.count, 1500);
    const [last] = JSON.parse(await cli.ok(['search', 'c', '--vector', '[1499, 1]', '-k', '1', '--json']));
    assert.deepEqual([last.id, last.score], [1499, 0]);
  });

  test('--skip is refused for raw inputs (they skip the ids already stored)', async () => {
    data = join(dir, 'db');
    await cli.fails(
      ['import', 'c', '--text', join(dir, 'points.jsonl'), '--field', 'body', '--skip', '3'],
      2,
      /--skip applies to vector files/,
    );
  });

  test('missing files are named without ENOENT, and create no database', async () => {
    data = join(dir, 'fresh');
    const missing = /nope\.\w+: no such file or folder\n$/;
    await cli.fails(['import', 'c', join(dir, 'nope.jsonl'), '--create'], 1, missing);
    await cli.fails(
      ['import', '--text', join(dir, 'nope.jsonl'), '--field', 'b', '--collection', 't'],
      1,
      missing,
    );
    await cli.fails(['import', '--images', join(dir, 'nope.d'), '--collection', 't'], 1, missing);
    assert.equal(existsSync(data), false);
    data = join(dir, 'db');
    await cli.fails(['search', 'c', '--vector-file', join(dir, 'nope.npy')], 1, missing);
    await cli.fails(['serve', '--port', '0', '--config', join(dir, 'nope.json')], 1, missing);
    for (const args of [
      ['import', 'c', join(dir, 'nope.jsonl')],
      ['search', 'c', '--vector-file', join(dir, 'nope.npy')],
    ]) {
      assert.doesNotMatch((await cli.run(args)).stderr, /ENOENT/);
    }
  });

  test('out-of-range -k, --group-size and every other bounded number are usage errors (exit 2), like -k 0', async () => {
    data = join(dir, 'db');
    for (const k of ['0', '10001', '20000']) {
      await cli.fails(['search', 'c', '--vector', '[1, 2]', '-k', k], 2, /argument '\d+' is invalid/);
      await cli.fails(['recommend', 'c', '--positive', '1', '-k', k], 2, /argument '\d+' is invalid/);
    }
    await cli.fails(
      ['search', 'c', '--vector', '[1, 2]', '--group-by', 'g', '--group-size', '101'],
      2,
      /from 1 to 100/,
    );
    for (const [flag, value] of [
      ['--ef', '100001'],
      ['--nprobe', String((1 << 20) + 1)],
      ['--search-k', '100000001'],
      ['--rerank', '100001'],
    ]) {
      await cli.fails(
        ['search', 'c', '--vector', '[1, 2]', flag, value],
        2,
        /is invalid\. expected an integer from/,
      );
    }
    for (const args of [
      ['--dim', '65537'],
      ['--dim', '2', '--m', '257'],
      ['--dim', '2', '--ef-construction', '100001'],
      ['--dim', '2', '--segment-size', '10000001'],
      ['--vectors', 'image:65537'],
    ]) {
      await cli.fails(['create', 'big', ...args], 2, /expected an integer from/);
    }
    await cli.fails(['serve', '--port', '65536'], 2, /expected an integer from 0 to 65535/);
    assert.equal(
      JSON.parse(await cli.ok(['search', 'c', '--vector', '[1, 2]', '-k', '10000', '--json'])).length,
      1500,
    );
  });
});

test('a body without a JSON content type gets 415 saying to send application/json', async () => {
  const server = await startTestServer();
  try {
    // What `curl -d '{…}'` sends without -H: application/x-www-form-urlencoded.
    const result = await http(server.url, 'PUT', '/collections/c', '{"dimension": 3}', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(result.status, 415);
    const { status } = result.body as { status: { code: string; error: string } };
    assert.equal(status.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match(status.error, /send a JSON body with Content-Type: application\/json/);
  } finally {
    await server.stop();
  }
});
