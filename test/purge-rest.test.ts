/**
 * Verified erasure over REST: Quiver's `purge` flag on `POST /collections/{name}/points/delete`
 * (query `?purge=true` or body `"purge": true`) answers with `result.purge` once no file of
 * the server's database holds the points; without it the bytes stay (and the scan finds
 * them); `quiverdb/client`'s `delete(…, { purge: true })` and `purge(…)` use the flag; the
 * CLI's `purge-report` lists the tombstoned segment before and reports the collection clean after.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect } from '../src/client/index.js';
import { Quiver } from '../src/index.js';
import { holders, PURGE_DIM, purgePoint } from './support/purge-data.js';
import { tempDir } from './support/reference.js';
import { http, startTestServer, type TestServer } from './support/server.js';

const N = 400;
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

describe('purge over REST and the client', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    const col = await server.db.createCollection('faces', {
      dimension: PURGE_DIM,
      metric: 'l2',
      segmentSize: 200,
    });
    await col.upsert(Array.from({ length: N }, (_, i) => purgePoint(i)));
    await col.flush();
  });

  after(async () => {
    await server?.stop();
  });

  test('a plain delete leaves the bytes; ?purge=true and body purge erase them', async () => {
    const plain = await http(server.url, 'POST', '/collections/faces/points/delete', { points: [1] });
    assert.equal(plain.status, 200);
    assert.equal((plain.body as { result: { purge?: unknown } }).result.purge, undefined);
    assert.ok(holders(server.dir, 1).length > 0, 'without purge the bytes are found');

    const byQuery = await http(server.url, 'POST', '/collections/faces/points/delete?purge=true', {
      points: [2],
    });
    assert.equal(byQuery.status, 200, JSON.stringify(byQuery.body));
    const result = (byQuery.body as { result: { deleted: number; purge: { segments_rewritten: number } } })
      .result;
    assert.equal(result.deleted, 1);
    assert.ok(result.purge.segments_rewritten >= 1);
    for (const i of [1, 2]) assert.deepEqual(holders(server.dir, i), [], `point ${i} is erased`);

    const byBody = await http(server.url, 'POST', '/collections/faces/points/delete', {
      points: [3],
      purge: true,
    });
    assert.equal(byBody.status, 200, JSON.stringify(byBody.body));
    assert.deepEqual(holders(server.dir, 3), []);
    assert.ok(holders(server.dir, 4).length > 0);

    const bad = await http(server.url, 'POST', '/collections/faces/points/delete', {
      points: [5],
      purge: 'yes',
    });
    assert.equal(bad.status, 400);
    assert.equal(await server.db.collection('faces').count(), N - 3);
  });

  test("the client's purge option and purge method", async () => {
    const remote = (await connect(server.url)).collection('faces');
    assert.equal(await remote.delete([10, 11], { purge: true }), 2);
    const done = await remote.purge({ filter: { must: [{ key: 'group', match: { value: 9 } }] } });
    assert.equal(done.deleted, N / 10);
    assert.deepEqual(done.snapshotsDeleted, []);
    for (const i of [10, 11, 19, 399]) assert.deepEqual(holders(server.dir, i), [], `point ${i} is erased`);
    assert.equal(await remote.count(), N - 3 - 2 - N / 10);
  });
});

test('quiver purge-report lists tombstoned segments, then reports the collection clean', async () => {
  const dir = tempDir();
  try {
    const db = await Quiver.open(dir.path);
    const col = await db.createCollection('faces', { dimension: PURGE_DIM, metric: 'l2', segmentSize: 200 });
    await col.upsert(Array.from({ length: N }, (_, i) => purgePoint(i)));
    await col.flush();
    await col.delete([5, 6]);
    await col.flush();
    await db.close();
    const run = promisify(execFile);
    const before = JSON.parse(
      (await run(process.execPath, [cli, '--data', dir.path, 'purge-report', '--json'])).stdout,
    );
    assert.equal(before.collections[0].clean, false);
    assert.equal(before.collections[0].segments[0].deletedRows, 2);
    const text = (await run(process.execPath, [cli, '--data', dir.path, 'purge-report', 'faces'])).stdout;
    assert.match(text, /holds deleted data/);
    assert.match(text, /seg-000001\.qseg\s+2 of 200 rows deleted/);

    const again = await Quiver.open(dir.path);
    await again.collection('faces').purge([]);
    await again.close();
    const cleanText = (await run(process.execPath, [cli, '--data', dir.path, 'purge-report'])).stdout;
    assert.match(cleanText, /collection 'faces': clean/);
    assert.match(cleanText, /catalog: 0 free pages, 0 bytes in catalog.sqlite-wal/);
    for (const i of [5, 6]) assert.deepEqual(holders(dir.path, i), []);
  } finally {
    dir.cleanup();
  }
});
