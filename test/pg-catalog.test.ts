/**
 * The cluster catalog against a real PostgreSQL server (Debian's, started by the test): schema
 * creation racing between nodes, collections, the shards' write-ahead logs with group commit
 * and LISTEN/NOTIFY, compare-and-set of shard heads, leases, jobs claimed with SKIP LOCKED,
 * uploads and garbage, migration from schema version 1, and a server stopped and restarted
 * under writes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectGarbage } from '../src/cluster/garbage.js';
import {
  CollectionExistsError,
  CollectionNotFoundError,
  type QuiverError,
  UnavailableError,
} from '../src/index.js';
import { ManifestConflictError } from '../src/storage/catalog.js';
import { FsObjectStore } from '../src/storage/object-store.js';
import { PgCatalog, UploadSweptError } from '../src/storage/pg-catalog.js';
import { WalListener } from '../src/storage/pg-wal.js';
import { type PostgresServer, startPostgres } from './support/postgres.js';
import { tempDir } from './support/reference.js';

let pg: PostgresServer;
const opened: PgCatalog[] = [];
let schemas = 0;
/** A catalog in a schema of its own, so the tests do not see each other's rows. */
async function catalog(schema = `t${++schemas}`): Promise<PgCatalog> {
  const c = await PgCatalog.open(pg.url, { schema, connectTimeoutMs: 1000 });
  opened.push(c);
  return c;
}
const MANIFEST = '{"formatVersion":2,"walCheckpoint":0,"nextSegmentId":1,"segments":[]}';
const body = (n: number) => Uint8Array.from({ length: 16 + (n % 7) }, (_, i) => (n * 13 + i) & 255);

before(async () => {
  pg = await startPostgres();
});
after(async () => {
  for (const c of opened) await c.close().catch(() => undefined);
  pg.stop();
});

test('nodes opening the catalog together create its schema once; a newer schema version is refused', async () => {
  const racing = await Promise.all([catalog('shared'), catalog('shared'), catalog('shared')]);
  await racing[0].createCollection('c', '{}', 2, 1, MANIFEST);
  assert.deepEqual(
    (await racing[2].listCollections()).map((c) => c.name),
    ['c'],
  );
  await racing[1].db.query('test', `UPDATE "shared".meta SET value = '99' WHERE key = 'schema_version'`);
  await assert.rejects(
    PgCatalog.open(pg.url, { schema: 'shared' }),
    (err: QuiverError) => err.code === 'UNSUPPORTED_VERSION' && /version 99/.test(err.message),
  );
});

test('a version-1 catalog opens as version 2 and keeps its collections and logs', async () => {
  const old = await catalog('v1');
  const { id } = await old.createCollection('kept', '{}', 2, 1, MANIFEST);
  await old.wal.append(id, 1, { kind: 1, body: body(1) });
  // What a version-1 node left: no `uploads` table, version 1 in `meta`.
  await old.db.query('test', 'DROP TABLE "v1".uploads');
  await old.db.query('test', `UPDATE "v1".meta SET value = '1' WHERE key = 'schema_version'`);
  const now = await catalog('v1');
  const version = await now.db.query<{ value: string }>(
    'test',
    `SELECT value FROM "v1".meta WHERE key = 'schema_version'`,
  );
  assert.equal(version.rows[0].value, '2');
  assert.deepEqual(
    (await now.listCollections()).map((c) => c.name),
    ['kept'],
  );
  assert.deepEqual(
    (await now.wal.after(id, 1, 0)).map((r) => r.seq),
    [1],
  );
  await now.beginUpload('collections/1/x', 'node-a');
  assert.deepEqual(await now.pendingUploads(), ['collections/1/x']);
});

test('uploads leave with the commit naming them, or become garbage: a commit never names a swept one', async () => {
  const c = await catalog();
  const { id } = await c.createCollection('up', '{}', 1, 1, MANIFEST);
  for (let i = 0; i < 4; i++) await c.wal.append(id, 0, { kind: 1, body: body(i) });
  const dir = tempDir();
  const store = new FsObjectStore(dir.path);
  try {
    const key = (name: string) => `collections/${id}/${name}`;
    await c.beginUpload(key('a'), 'node-a');
    await store.put(key('a'), body(1));
    assert.equal(
      await c.commitHead({
        collectionId: id,
        shard: 0,
        expectedVersion: 1,
        manifest: '{"a":1}',
        walCheckpoint: 2,
        uploads: [key('a')],
      }),
      2,
    );
    assert.deepEqual(await c.pendingUploads(), [], 'the commit took the upload');

    // A node that died after uploading: its upload is swept into garbage once older than the
    // grace period, then deleted; a late commit naming it is refused and changes nothing.
    await c.beginUpload(key('orphan'), 'node-b');
    await store.put(key('orphan'), body(2));
    assert.equal(await c.sweepUploads(3600), 0, 'a recent upload is left alone');
    assert.equal(await collectGarbage(c, store, 3600), 0);
    assert.equal(await c.sweepUploads(0), 1);
    assert.deepEqual(await c.pendingUploads(), []);
    await assert.rejects(
      c.commitHead({
        collectionId: id,
        shard: 0,
        expectedVersion: 2,
        manifest: '{"orphan":1}',
        walCheckpoint: 3,
        uploads: [key('orphan')],
      }),
      UploadSweptError,
    );
    const [head] = await c.heads(id);
    assert.equal(head.version, 2);
    assert.equal(head.manifest, '{"a":1}');
    assert.equal(head.walCheckpoint, 2);

    // A failed upload is given up at once.
    await c.beginUpload(key('failed'), 'node-a');
    await c.abandonUploads([key('failed')]);
    assert.deepEqual(await c.pendingUploads(), []);
    assert.equal(await collectGarbage(c, store, 0), 2);
    assert.deepEqual(await store.list(`collections/${id}/`), [key('a')]);
  } finally {
    dir.cleanup();
  }
});

test('collections have shards with heads; names are unique; unknown ones are CollectionNotFoundError', async () => {
  const c = await catalog();
  const row = await c.createCollection('photos', '{"dimension":4}', 4, 2, MANIFEST);
  assert.deepEqual(
    { ...row, id: 0 },
    { id: 0, name: 'photos', config: '{"dimension":4}', shards: 4, replicas: 2 },
  );
  await assert.rejects(c.createCollection('photos', '{}', 1, 1, MANIFEST), CollectionExistsError);
  assert.deepEqual(await c.collection('photos'), row);
  const heads = await c.heads(row.id);
  assert.deepEqual(
    heads.map((h) => [h.shard, h.version, h.lastSeq]),
    [0, 1, 2, 3].map((s) => [s, 1, 0]),
  );
  await assert.rejects(c.collection('nope'), CollectionNotFoundError);
  await assert.rejects(c.dropCollection('nope'), CollectionNotFoundError);
});

test('appends commit in order with no gaps, many to a transaction, and wake listeners', async () => {
  const c = await catalog();
  const { id } = await c.createCollection('log', '{}', 2, 1, MANIFEST);
  const listener = await WalListener.start(pg.url, c.schema);
  const heard: number[] = [];
  listener.on('append', (collectionId: number, shard: number, seq: number) => {
    if (collectionId === id && shard === 0) heard.push(seq);
  });
  try {
    const commits = async () =>
      Number(
        (
          await c.db.query<{ n: string }>(
            'test',
            'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0].n,
      );
    const before = await commits();
    const seqs = await Promise.all(
      Array.from({ length: 300 }, (_, i) => c.wal.append(id, i % 2, { kind: 1, body: body(i) })),
    );
    const used = (await commits()) - before;
    assert.ok(used < 60, `300 appends committed in ${used} transactions (group commit)`);
    const shard0 = seqs.filter((_, i) => i % 2 === 0);
    assert.deepEqual(
      shard0,
      Array.from({ length: 150 }, (_, i) => i + 1),
      'shard 0: 1..150 in the order of the calls',
    );
    assert.deepEqual(
      seqs.filter((_, i) => i % 2 === 1),
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    assert.deepEqual(await c.wal.lastSeqs(id), [150, 150]);
    const rows = await c.wal.after(id, 0, 100, 1000);
    assert.deepEqual(
      rows.map((r) => r.seq),
      Array.from({ length: 50 }, (_, i) => 101 + i),
    );
    for (const [k, r] of rows.entries()) assert.deepEqual(new Uint8Array(r.body), body(2 * (100 + k)));
    for (let wait = 0; wait < 100 && !heard.includes(150); wait++) await sleep(20);
    assert.ok(heard.includes(150), `a listener heard the last commit (${heard.join(',')})`);
  } finally {
    await listener.close();
  }
});

test('of two commits on the same head exactly one wins; its log rows go and its garbage is collected', async () => {
  const c = await catalog();
  const { id } = await c.createCollection('race', '{}', 1, 1, MANIFEST);
  for (let i = 0; i < 10; i++) await c.wal.append(id, 0, { kind: 1, body: body(i) });
  const dir = tempDir();
  const store = new FsObjectStore(dir.path);
  try {
    await store.put('collections/x/old.qseg', body(1));
    await store.put('collections/x/a.qseg', body(2));
    await store.put('collections/x/b.qseg', body(3));
    const attempt = (name: string) =>
      c.commitHead({
        collectionId: id,
        shard: 0,
        expectedVersion: 1,
        manifest: `{"winner":"${name}"}`,
        walCheckpoint: 6,
        garbage: ['collections/x/old.qseg'],
      });
    const outcomes = await Promise.allSettled([attempt('a'), attempt('b')]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok((lost[0] as PromiseRejectedResult).reason instanceof ManifestConflictError);
    const winner = outcomes[0].status === 'fulfilled' ? 'a' : 'b';
    const loser = winner === 'a' ? 'b' : 'a';
    await c.addGarbage([`collections/x/${loser}.qseg`]);

    const [head] = await c.heads(id);
    assert.equal(head.version, 2);
    assert.equal(head.manifest, `{"winner":"${winner}"}`);
    assert.deepEqual(
      (await c.wal.after(id, 0, 0)).map((r) => r.seq),
      [7, 8, 9, 10],
    );
    assert.equal(
      await c.wal.append(id, 0, { kind: 1, body: body(11) }),
      11,
      'the log goes on after a checkpoint',
    );
    await assert.rejects(
      c.commitHead({ collectionId: id, shard: 0, expectedVersion: 2, manifest: '{}', walCheckpoint: 99 }),
      /past the log's end/,
    );

    assert.equal(await collectGarbage(c, store, 3600), 0, 'nothing is collected within the grace period');
    assert.equal(await collectGarbage(c, store, 0), 2);
    assert.deepEqual(await store.list('collections/'), [`collections/x/${winner}.qseg`]);
    assert.deepEqual(await c.dueGarbage(0), []);

    await c.dropCollection('race');
    await assert.rejects(c.wal.append(id, 0, { kind: 1, body: body(1) }), CollectionNotFoundError);
    await assert.rejects(c.heads(id), CollectionNotFoundError);
    await collectGarbage(c, store, 0);
    assert.deepEqual(
      await store.list('collections/'),
      [`collections/x/${winner}.qseg`],
      'only its own prefix went',
    );
  } finally {
    dir.cleanup();
  }
});

test('a replica has one live holder; a node holds one replica per shard; expired leases pass on', async () => {
  const c = await catalog();
  const { id } = await c.createCollection('leased', '{}', 2, 2, MANIFEST);
  await c.leases.registerNode('n1', 'http://127.0.0.1:1');
  await c.leases.registerNode('n2', 'http://127.0.0.1:2');
  assert.equal((await c.leases.vacant()).length, 4);
  const lease = (shard: number, replica: number, nodeId: string) => ({
    collectionId: id,
    shard,
    replica,
    nodeId,
  });

  const racing = await Promise.all([
    c.leases.acquire(lease(0, 0, 'n1'), 30),
    c.leases.acquire(lease(0, 0, 'n2'), 30),
  ]);
  assert.deepEqual(racing.filter(Boolean).length, 1, 'one of two racing nodes takes a free lease');
  const holder = racing[0] ? 'n1' : 'n2';
  const other = holder === 'n1' ? 'n2' : 'n1';
  assert.equal(
    await c.leases.acquire(lease(0, 1, holder), 30),
    false,
    'not two replicas of a shard on one node',
  );
  assert.equal(await c.leases.acquire(lease(0, 1, other), 30), true);
  assert.equal(await c.leases.acquire(lease(0, 0, holder), 30), true, 'the holder extends its own lease');
  assert.equal(await c.leases.acquire(lease(1, 0, holder), 0.3), true);
  assert.deepEqual(
    (await c.leases.live(id)).map((l) => [l.shard, l.replica, l.nodeId, l.url.endsWith(l.nodeId.slice(1))]),
    [
      [0, 0, holder, true],
      [0, 1, other, true],
      [1, 0, holder, true],
    ],
  );
  await sleep(500);
  const kept = await c.leases.renew(holder, 30);
  assert.deepEqual(
    kept.map((l) => [l.shard, l.replica]),
    [[0, 0]],
    'an expired lease is not renewed',
  );
  assert.equal(await c.leases.acquire(lease(1, 0, other), 30), true, 'another node takes the expired lease');
  assert.deepEqual(
    (await c.leases.vacant()).map((v) => [v.shard, v.replica]),
    [[1, 1]],
  );
  assert.deepEqual(
    (await c.leases.liveNodes(30)).map((n) => n.id),
    ['n1', 'n2'],
  );
  await c.leases.release(lease(0, 0, other));
  assert.equal((await c.leases.live(id)).length, 3, 'releasing a lease one does not hold changes nothing');
});

test('jobs: one pending per kind and shard, distinct claims under SKIP LOCKED, expired claims taken over', async () => {
  const c = await catalog();
  const { id } = await c.createCollection('jobs', '{}', 6, 1, MANIFEST);
  for (let shard = 0; shard < 6; shard++)
    assert.equal(await c.jobs.enqueue('seal', id, shard, { upTo: shard }), true);
  assert.equal(await c.jobs.enqueue('seal', id, 0), false, 'already pending');
  assert.equal(await c.jobs.enqueue('build', id, 0), true, 'another kind');

  const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => c.jobs.claim(`n${i}`, ['seal'], 30)));
  const got = claims.filter((j) => j !== undefined);
  assert.equal(got.length, 6, 'eight claimants, six jobs');
  assert.equal(new Set(got.map((j) => j.id)).size, 6, 'no job claimed twice');
  assert.deepEqual(got.map((j) => (j.args as { upTo: number }).upTo).sort(), [0, 1, 2, 3, 4, 5]);

  const build = await c.jobs.claim('slow', ['build'], 0.3);
  assert.ok(build);
  await sleep(500);
  const taken = await c.jobs.claim('fast', ['build'], 30);
  assert.equal(taken?.id, build.id, 'a claim that expired is claimable again');
  assert.equal(taken?.attempts, 2);
  assert.equal(await c.jobs.finish(build.id, 'slow'), false, 'the old claimant can no longer finish it');
  assert.equal(await c.jobs.extend(build.id, 'slow', 30), false);
  assert.equal(await c.jobs.finish(build.id, 'fast'), true);
  assert.equal(await c.jobs.enqueue('build', id, 0), true, 'a finished job no longer blocks a new one');

  const first = got[0];
  await c.jobs.fail(first.id, claims.indexOf(first) >= 0 ? `n${claims.indexOf(first)}` : '', 'boom', 0, 2);
  const again = await c.jobs.claim('n9', ['seal'], 30);
  assert.equal(again?.id, first.id, 'a failed run is queued again');
  await c.jobs.fail(first.id, 'n9', 'boom twice', 0, 2);
  const pending = await c.jobs.pending(id);
  const failed = pending.find((j) => j.id === first.id);
  assert.equal(failed?.state, 'failed', 'after maxAttempts it stays failed');
  assert.equal(failed?.lastError, 'boom twice');

  // A head commit finishes its job in the same transaction, and only for the current claimant.
  const seal = got[1];
  const owner = `n${claims.indexOf(seal)}`;
  await assert.rejects(
    c.commitHead({
      collectionId: id,
      shard: seal.shard,
      expectedVersion: 1,
      manifest: '{}',
      walCheckpoint: 0,
      job: { id: seal.id, nodeId: 'intruder' },
    }),
    ManifestConflictError,
  );
  assert.equal((await c.heads(id))[seal.shard].version, 1, 'the refused commit changed nothing');
  await c.commitHead({
    collectionId: id,
    shard: seal.shard,
    expectedVersion: 1,
    manifest: '{}',
    walCheckpoint: 0,
    job: { id: seal.id, nodeId: owner },
  });
  assert.equal(
    (await c.jobs.pending(id)).some((j) => j.id === seal.id),
    false,
  );
});

test('PostgreSQL stopped under writes: typed retryable errors, nothing acknowledged lost, service resumes', async () => {
  const c = await catalog();
  const { id } = await c.createCollection('outage', '{}', 1, 1, MANIFEST);
  const listener = await WalListener.start(pg.url, c.schema);
  let reconnected = false;
  listener.on('reconnect', () => {
    reconnected = true;
  });
  const acknowledged = new Map<number, number>();
  const failures: unknown[] = [];
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        acknowledged.set(await c.wal.append(id, 0, { kind: 1, body: body(i) }), i);
      } catch (err) {
        failures.push(err);
        await sleep(20);
      }
    }
  })();
  try {
    await sleep(300);
    pg.halt();
    await sleep(500);
    await assert.rejects(c.heads(id), UnavailableError);
    await assert.rejects(c.wal.append(id, 0, { kind: 1, body: body(0) }), UnavailableError);
    pg.start();
    for (let wait = 0; wait < 200 && !reconnected; wait++) await sleep(50);
    await sleep(300);
  } finally {
    stop = true;
    await writer;
  }
  try {
    assert.ok(failures.length > 0, 'writes failed while the server was down');
    for (const err of failures) assert.ok(err instanceof UnavailableError, `typed: ${err}`);
    assert.ok(reconnected, 'the listener came back');
    const rows = new Map<number, Uint8Array>();
    for (let at = 0; ; ) {
      const page = await c.wal.after(id, 0, at, 500);
      if (page.length === 0) break;
      for (const r of page) rows.set(r.seq, new Uint8Array(r.body));
      at = page[page.length - 1].seq;
    }
    assert.ok(acknowledged.size > 0);
    for (const [seq, i] of acknowledged)
      assert.deepEqual(rows.get(seq), body(i), `acknowledged seq ${seq} is there`);
    const seqs = [...rows.keys()];
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, k) => k + 1),
      'no gap in the log',
    );
    assert.equal(await c.wal.append(id, 0, { kind: 1, body: body(1) }), seqs.length + 1);
  } finally {
    await listener.close();
  }
});
