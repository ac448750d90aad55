/**
 * `quiver snapshot` and `quiver restore`, run as child processes: a snapshot written to
 * `--out` (or the database's snapshot folder) restores the collection exactly into another
 * database folder, under its own name or `--collection`; a damaged file or a wrong
 * `--checksum` is refused with exit code 1 and leaves the database as it was.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256File } from '../src/db/snapshots.js';
import { gaussianVectors, Quiver } from '../src/index.js';
import { quiverRunner } from './support/cli.js';
import { tempDir } from './support/reference.js';

const DIM = 6;
const ROWS = 300;
const DATA = gaussianVectors(ROWS + 1, DIM, 99);
const row = (i: number) => Array.from(DATA.subarray(i * DIM, (i + 1) * DIM));

/** Every point with its vector, and one search, of a collection in a (closed) database folder. */
async function contents(folder: string, name: string) {
  const db = await Quiver.open(folder);
  try {
    const c = db.collection(name);
    return {
      points: (await c.scroll({ limit: 1000, withVector: true })).points,
      hits: await c.search(row(ROWS), { k: 5, withPayload: true }),
      payloadIndexes: (await c.info()).payloadIndexes,
    };
  } finally {
    await db.close();
  }
}

describe('quiver snapshot / quiver restore', () => {
  const source = tempDir('quiver-snap-cli-a-');
  const target = tempDir('quiver-snap-cli-b-');
  let data = source.path;
  const { ok, fails } = quiverRunner(() => data);
  let expected: Awaited<ReturnType<typeof contents>>;

  before(async () => {
    const db = await Quiver.open(source.path);
    const c = await db.createCollection('docs', {
      dimension: DIM,
      segmentSize: 100,
      payloadIndexes: { n: 'integer' },
    });
    await c.upsert(
      Array.from({ length: ROWS }, (_, i) => ({ id: `d${i}`, vector: row(i), payload: { n: i } })),
    );
    await c.delete(['d7', 'd150']);
    await db.close();
    expected = await contents(source.path, 'docs');
  });
  after(() => {
    source.cleanup();
    target.cleanup();
  });

  test('snapshot to --out, restore into another folder under its own name and another', async () => {
    data = source.path;
    const out = join(source.path, 'docs.snapshot');
    const info = JSON.parse(await ok(['snapshot', 'docs', '--out', out, '--json']));
    assert.equal(info.path, out);
    assert.equal(info.checksum, await sha256File(out));
    assert.equal(info.size, readFileSync(out).length);

    data = join(target.path, 'fresh');
    assert.match(await ok(['restore', out]), /restored collection 'docs' \(298 points\)/);
    assert.match(await ok(['restore', out, '--collection', 'copy', '--checksum', info.checksum]), /'copy'/);
    assert.deepEqual(await contents(data, 'docs'), expected);
    assert.deepEqual(await contents(data, 'copy'), expected);
  });

  test('snapshot into the database folder by default', async () => {
    data = source.path;
    const printed = await ok(['snapshot', 'docs']);
    const match = /: (.*\.snapshot) \((\d+) bytes, sha256 ([0-9a-f]{64})\)/.exec(printed);
    assert.ok(match, printed);
    assert.ok(match[1].startsWith(join(source.path, 'snapshots', 'docs')));
    assert.ok(existsSync(match[1]));
    await fails(['snapshot', 'missing'], 1, /collection 'missing' does not exist/);
    await fails(['snapshot', 'docs', '--out', join(source.path, 'docs.snapshot')], 1, /--out: .* exists/);
  });

  test('a damaged file or a wrong checksum is refused with exit code 1 and changes nothing', async () => {
    data = source.path;
    const good = readFileSync(join(source.path, 'docs.snapshot'));
    const damaged = join(source.path, 'damaged.snapshot');
    writeFileSync(damaged, good.subarray(0, good.length - 10));
    data = join(target.path, 'fresh');
    await fails(['restore', damaged], 1, /snapshot .*damaged\.snapshot: SHA-256 mismatch/);
    await fails(['restore', damaged, '--collection', 'docs'], 1, /truncated or damaged/);
    await fails(
      ['restore', join(source.path, 'docs.snapshot'), '--checksum', '0'.repeat(64)],
      1,
      /SHA-256 is [0-9a-f]{64}, expected 0{64}/,
    );
    assert.deepEqual(await contents(data, 'docs'), expected);
  });
});
