/**
 * Cluster mode with three nodes in this process (each its own catalog connections, cache
 * folder and HTTP server for node-to-node calls) on a real PostgreSQL: shards and replicas
 * spread over the nodes by lease; writes through any node are read through any other
 * (strong consistency); results equal an embedded database holding the same data; a node
 * leaving hands its replicas to the others, which catch up from the log; two nodes racing to
 * checkpoint one shard head leave one winner and no object behind; a worker checkpoints
 * shards it holds no replica of.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { serveClusterNode } from '../src/cli/cluster-node.js';
import { writeCheckpoint } from '../src/cluster/checkpoint.js';
import { ClusterDatabase, type ClusterNodeOptions } from '../src/cluster/cluster-database.js';
import { ClusterWorker } from '../src/cluster/cluster-worker.js';
import { collectGarbage } from '../src/cluster/garbage.js';
import { shardOf } from '../src/cluster/shard-of.js';
import { gaussianMixture, InvalidArgumentError, Quiver, SeededRandom } from '../src/index.js';
import type { QuiverServer } from '../src/server/server.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { clusterServices } from './support/cluster-services.js';
import { tempDir } from './support/reference.js';

interface Node {
  db: ClusterDatabase;
  server: QuiverServer;
  url: string;
  dir: { path: string; cleanup(): void };
}

const nodes: Node[] = [];
let schemas = 0;

async function startNode(schema: string, extra: Partial<ClusterNodeOptions> = {}): Promise<Node> {
  const dir = tempDir('quiver-node-');
  const db = await ClusterDatabase.open({
    catalog: services.pg.url,
    schema,
    data: dir.path,
    leaseSeconds: 2,
    pollMs: 200,
    ...extra,
  });
  const { server, url } = await serveClusterNode(db, { logLevel: 'silent' }, '127.0.0.1', 0);
  const node = { db, server, url, dir };
  nodes.push(node);
  return node;
}

async function stopNode(node: Node): Promise<void> {
  nodes.splice(nodes.indexOf(node), 1);
  await node.server.close();
  await node.db.close();
  node.dir.cleanup();
}

/** Waits until the nodes together hold every replica of the collection. */
async function settled(cluster: Node[], collectionId: number, replicas: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await Promise.all(cluster.map((n) => n.db.balance()));
    const held = cluster.flatMap((n) => n.db.heldReplicas().filter((r) => r.collectionId === collectionId));
    if (held.length === replicas) return;
    await sleep(50);
  }
  assert.fail('the replicas were not all taken');
}

const services = clusterServices();
after(async () => {
  for (const n of [...nodes]) await stopNode(n).catch(() => undefined);
});

const point = (rng: SeededRandom, id: number, dimension: number) => ({
  id,
  vector: Array.from({ length: dimension }, () => rng.gaussian()),
  payload: { group: id % 5, name: `p${id}` },
});

test('shards spread over three nodes; any node reads what any node wrote; results equal an embedded database', async () => {
  const schema = `c${++schemas}`;
  const [a, b, c] = [await startNode(schema), await startNode(schema), await startNode(schema)];
  const dir = tempDir();
  const reference = await Quiver.open(dir.path);
  try {
    const config = { dimension: 8, metric: 'l2' as const };
    const created = await a.db.createCollection('items', { ...config, shards: 4, replicas: 2 });
    await assert.rejects(a.db.createCollection('bad', { ...config, shards: 0 }), InvalidArgumentError);
    await settled([a, b, c], created.id, 8);
    for (const n of [a, b, c]) {
      const mine = n.db.heldReplicas().map((r) => r.shard);
      assert.ok(mine.length >= 2 && mine.length <= 3, `each node holds its share: ${mine}`);
      assert.equal(new Set(mine).size, mine.length, 'never two replicas of a shard on one node');
    }
    const ref = await reference.createCollection('items', config);

    const rng = new SeededRandom(5);
    const points = Array.from({ length: 600 }, (_, i) => point(rng, i, 8));
    for (let at = 0; at < points.length; at += 200) {
      await b.db.collection('items').upsert(points.slice(at, at + 200));
      await ref.upsert(points.slice(at, at + 200));
    }
    assert.ok(new Set(points.map((p) => shardOf(p.id, 4))).size === 4, 'the points reach every shard');

    // Strong reads right after the write, on every node.
    for (const n of [a, b, c]) assert.equal(await n.db.collection('items').count(), 600);
    const got = await c.db.collection('items').get([5, 599, 1000, 42], { withVector: true });
    assert.deepEqual(
      got.map((p) => p.id),
      [5, 599, 42],
    );
    assert.deepEqual(
      Array.from(got[0].vector as ArrayLike<number>),
      Array.from(Float32Array.from(points[5].vector)),
    );
    assert.deepEqual(got[1].payload, { group: 4, name: 'p599' });

    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: 8 }, () => rng.gaussian());
      const want = await ref.search(query, { k: 10 });
      for (const n of [a, c]) {
        const hits = await n.db.collection('items').search(query, { k: 10 });
        assert.deepEqual(
          hits.map((h) => h.id),
          want.map((h) => h.id),
        );
        for (const [i, h] of hits.entries()) assert.ok(Math.abs(h.score - want[i].score) < 1e-4);
      }
      const paged = await b.db
        .collection('items')
        .search(query, { k: 5, offset: 3, filter: { must: [{ key: 'group', match: { value: 2 } }] } });
      const wantPaged = await ref.search(query, {
        k: 5,
        offset: 3,
        filter: { must: [{ key: 'group', match: { value: 2 } }] },
      });
      assert.deepEqual(
        paged.map((h) => h.id),
        wantPaged.map((h) => h.id),
      );
    }
    const batch = await a.db.collection('items').searchBatch([points[7].vector, points[8].vector], { k: 3 });
    assert.deepEqual(
      batch.map((hits) => hits[0].id),
      [7, 8],
    );

    // Grouped searches, recommendations and range searches merge across shards into the embedded answers.
    for (let q = 0; q < 5; q++) {
      const query = Array.from({ length: 8 }, () => rng.gaussian());
      const groups = await a.db.collection('items').search(query, { k: 3, groupBy: 'group', groupSize: 2 });
      const wantGroups = await ref.search(query, { k: 3, groupBy: 'group', groupSize: 2 });
      assert.deepEqual(
        groups.map((g) => [g.group, g.hits.map((h) => h.id)]),
        wantGroups.map((g) => [g.group, g.hits.map((h) => h.id)]),
      );
      const ranged = await c.db.collection('items').rangeSearch(query, { radius: 6, limit: 4 });
      const wantRanged = await ref.rangeSearch(query, { radius: 6, limit: 4 });
      assert.deepEqual(
        ranged.map((h) => h.id),
        wantRanged.map((h) => h.id),
      );
    }
    for (const strategy of ['average', 'best_score'] as const) {
      const example = { positive: [6, 7, points[20].vector], negative: [8] };
      const recommended = await c.db.collection('items').recommend(example, { k: 5, strategy });
      const wantRecommended = await ref.recommend(example, { k: 5, strategy });
      assert.deepEqual(
        recommended.map((h) => h.id),
        wantRecommended.map((h) => h.id),
        strategy,
      );
    }
    await b.db.collection('items').createPayloadIndex('group', 'integer');
    const indexed = await a.db.collection('items').info();
    assert.deepEqual(Object.keys(indexed.payloadIndexes), ['group']);
    assert.equal(
      await c.db.collection('items').count({ filter: { must: [{ key: 'group', match: { value: 3 } }] } }),
      120,
    );

    // Writes by id and by filter, through different nodes.
    assert.equal(await a.db.collection('items').delete([1, 2, 3, 10_000]), 3);
    await ref.delete([1, 2, 3]);
    assert.equal(
      await c.db.collection('items').delete({ filter: { must: [{ key: 'group', match: { value: 4 } }] } }),
      120,
    );
    await ref.delete({ filter: { must: [{ key: 'group', match: { value: 4 } }] } });
    assert.equal(await b.db.collection('items').setPayload([10, 11], { tag: 'x' }), 2);
    await ref.setPayload([10, 11], { tag: 'x' });
    for (const n of [a, b, c]) {
      assert.equal(await n.db.collection('items').count(), await ref.count());
      assert.equal(
        await n.db.collection('items').count({ filter: { must: [{ key: 'tag', match: { value: 'x' } }] } }),
        2,
      );
    }
    const pages: number[] = [];
    let cursor: number | string | undefined;
    do {
      const page = await c.db
        .collection('items')
        .scroll({ limit: 97, withPayload: false, ...(cursor === undefined ? {} : { cursor }) });
      pages.push(...page.points.map((p) => p.id as number));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const wantIds: number[] = [];
    cursor = undefined;
    do {
      const page = await ref.scroll({
        limit: 1000,
        withPayload: false,
        ...(cursor === undefined ? {} : { cursor }),
      });
      wantIds.push(...page.points.map((p) => p.id as number));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    assert.deepEqual(pages, wantIds, 'scrolling through the cluster lists the points in id order, once each');

    // Eventual reads skip the wait, and still answer.
    assert.ok((await a.db.collection('items').count({ consistency: 'eventual' })) <= 600);
    await assert.rejects(
      a.db.collection('items').count({ consistency: 'sometimes' as 'strong' }),
      InvalidArgumentError,
    );

    // The same collection over REST, through another node.
    const response = await fetch(`${c.url}/collections/items/points/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vector: points[6].vector, limit: 1 }),
    });
    const body = (await response.json()) as { result: { id: number }[] };
    assert.equal(response.status, 200);
    assert.equal(body.result[0].id, 6);
    const counted = await fetch(`${b.url}/collections/items/points/count?consistency=eventual`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(((await counted.json()) as { result: { count: number } }).result.count, await ref.count());
    const described = (await (await fetch(`${a.url}/collections/items`)).json()) as {
      result: { config: { params: { shard_number: number; replication_factor: number } } };
    };
    assert.deepEqual(
      [described.result.config.params.shard_number, described.result.config.params.replication_factor],
      [4, 2],
    );

    // A node leaving hands its replicas over; the others catch up from the log.
    await stopNode(a);
    await settled([b, c], created.id, 8);
    const late = point(rng, 5000, 8);
    await b.db.collection('items').upsert([late]);
    await ref.upsert([late]);
    for (const n of [b, c]) assert.equal(await n.db.collection('items').count(), await ref.count());

    await b.db.dropCollection('items');
    await sleep(100);
    assert.deepEqual(await c.db.listCollections(), []);
  } finally {
    await reference.close();
    dir.cleanup();
    for (const n of [...nodes]) await stopNode(n);
  }
});

test('checkpoints go to object storage and bound the log; a node with an empty cache starts from one', async () => {
  const schema = `c${++schemas}`;
  const objects = () =>
    new S3ObjectStore({ bucket: services.s3.bucket, prefix: schema, endpoint: services.s3.endpoint });
  const options = { objects: objects(), checkpointRows: 5, garbageGraceSeconds: 0 };
  const [a, b] = [
    await startNode(schema, options),
    await startNode(schema, { ...options, objects: objects() }),
  ];
  const rng = new SeededRandom(9);
  const dir = tempDir();
  const reference = await Quiver.open(dir.path);
  try {
    const created = await a.db.createCollection('ck', { dimension: 4, shards: 2, replicas: 1 });
    await settled([a, b], created.id, 2);
    const ref = await reference.createCollection('ck', { dimension: 4 });
    const write = async (from: number, batches: number) => {
      for (let i = 0; i < batches; i++) {
        const batch = Array.from({ length: 10 }, (_, j) => point(rng, from + i * 10 + j, 4));
        await b.db.collection('ck').upsert(batch);
        await ref.upsert(batch);
      }
    };
    await write(0, 20);
    await a.db.collection('ck').delete([3, 4, 5]);
    await ref.delete([3, 4, 5]);
    const checkpointed = async (least: number) => {
      for (let i = 0; i < 300; i++) {
        await Promise.all([a, b].map((n) => n.db.balance()));
        const heads = await a.db.catalog.heads(created.id);
        if (heads.every((h) => h.walCheckpoint >= least)) return heads;
        await sleep(50);
      }
      assert.fail('no checkpoint was written');
    };
    const first = await checkpointed(5);
    const keys = await objects().list(`collections/${created.id}/`);
    assert.ok(keys.length >= 2, `snapshots uploaded: ${keys.join(', ')}`);
    for (const h of first) {
      const rows = await a.db.catalog.wal.after(created.id, h.shard, 0);
      assert.ok(
        rows.every((r) => r.seq > h.walCheckpoint),
        'rows a checkpoint covers are gone from the log',
      );
    }

    // More writes, a second checkpoint: the first snapshots become garbage and are deleted.
    await write(1000, 20);
    await checkpointed(Math.max(...first.map((h) => h.walCheckpoint)) + 1);
    // The heads are read with the listing, each time: a balance may checkpoint a shard again
    // (its log still holds rows past its checkpoint), which replaces that shard's snapshot.
    const snapshotsOf = (heads: { manifest: string }[]) =>
      heads.map((h) => JSON.parse(h.manifest).snapshot as string).sort();
    let left: string[] = [];
    let named: string[] = [];
    for (let i = 0; i < 100; i++) {
      await Promise.all([a, b].map((n) => n.db.balance()));
      named = snapshotsOf(await a.db.catalog.heads(created.id));
      left = (await objects().list(`collections/${created.id}/`)).sort();
      if (isDeepStrictEqual(left, named)) break;
      await sleep(100);
    }
    assert.deepEqual(left, named, 'only the current snapshots remain');
    for (const key of snapshotsOf(first)) assert.ok(!left.includes(key), `${key} was deleted`);

    // A node with an empty cache takes over from one that leaves: it starts from the checkpoint.
    await write(2000, 3);
    const c = await startNode(schema, { ...options, objects: objects() });
    await stopNode(a);
    await settled([b, c], created.id, 2);
    for (const n of [b, c]) assert.equal(await n.db.collection('ck').count(), await ref.count());
    const query = [0.1, 0.2, 0.3, 0.4];
    const want = await ref.search(query, { k: 5 });
    const hits = await c.db.collection('ck').search(query, { k: 5 });
    assert.deepEqual(
      hits.map((h) => h.id),
      want.map((h) => h.id),
    );
  } finally {
    await reference.close();
    dir.cleanup();
    for (const n of [...nodes]) await stopNode(n);
  }
});

test('HNSW across shards: recall@10 within 0.01 of one database holding the same points', async () => {
  const schema = `c${++schemas}`;
  const [a, b] = [await startNode(schema), await startNode(schema)];
  const dir = tempDir();
  const reference = await Quiver.open(dir.path);
  try {
    const config = {
      dimension: 16,
      metric: 'l2' as const,
      segmentSize: 2000,
      index: { type: 'hnsw' as const },
    };
    const created = await a.db.createCollection('hnsw', { ...config, shards: 3, replicas: 1 });
    await settled([a, b], created.id, 3);
    const ref = await reference.createCollection('hnsw', config);
    const data = gaussianMixture(9000, 16, 50, 3);
    const points = Array.from({ length: 9000 }, (_, i) => ({
      id: i,
      vector: data.subarray(i * 16, (i + 1) * 16),
    }));
    for (let at = 0; at < points.length; at += 1000) {
      await b.db.collection('hnsw').upsert(points.slice(at, at + 1000));
      await ref.upsert(points.slice(at, at + 1000));
    }
    await b.db.collection('hnsw').flush();
    await ref.flush();
    assert.ok(
      (await a.db.collection('hnsw').info()).indexedSegments >= 3,
      'every shard searched through its HNSW index',
    );
    const queries = gaussianMixture(200, 16, 50, 4);
    let cluster = 0;
    let single = 0;
    for (let q = 0; q < 200; q++) {
      const query = queries.subarray(q * 16, (q + 1) * 16);
      const exact = new Set((await ref.search(query, { k: 10, exact: true })).map((h) => h.id));
      for (const h of await a.db.collection('hnsw').search(query, { k: 10, ef: 16 }))
        if (exact.has(h.id)) cluster++;
      for (const h of await ref.search(query, { k: 10, ef: 16 })) if (exact.has(h.id)) single++;
    }
    const recallCluster = cluster / 2000;
    const recallSingle = single / 2000;
    assert.ok(
      recallCluster >= recallSingle - 0.01,
      `recall@10: cluster ${recallCluster.toFixed(3)}, one database ${recallSingle.toFixed(3)}`,
    );
  } finally {
    await reference.close();
    dir.cleanup();
    for (const n of [...nodes]) await stopNode(n);
  }
});

test("two nodes racing to checkpoint one shard head: exactly one wins; the loser's upload, and a dead node's, are collected", async () => {
  const schema = `c${++schemas}`;
  // No object storage for the nodes themselves: they write no checkpoint of their own, so the
  // race below is the only one.
  const [a, b] = [await startNode(schema), await startNode(schema)];
  const store = new S3ObjectStore({
    bucket: services.s3.bucket,
    prefix: schema,
    endpoint: services.s3.endpoint,
  });
  const rng = new SeededRandom(21);
  try {
    const created = await a.db.createCollection('race', { dimension: 4, shards: 1, replicas: 2 });
    await settled([a, b], created.id, 2);
    const write = (from: number, n: number) =>
      a.db.collection('race').upsert(Array.from({ length: n }, (_, i) => point(rng, from + i, 4)));
    await write(0, 40);
    /** Node `n`'s replica of the shard, once it has applied the whole log. */
    const replica = async (n: Node) => {
      const lastSeq = (await n.db.catalog.heads(created.id))[0].lastSeq;
      for (let i = 0; i < 200 && n.db.heldReplicas()[0]?.applied !== lastSeq; i++) await sleep(25);
      const applied = n.db.heldReplicas()[0].applied;
      assert.equal(applied, lastSeq);
      const collection = n.db.local.collection(`c${created.id}s0`);
      return {
        collectionId: created.id,
        shard: 0,
        paused: <T>(work: (c: typeof collection, at: number) => Promise<T>) => work(collection, applied),
      };
    };
    const context = (n: Node, objects: ObjectStore) => ({
      catalog: n.db.catalog,
      local: n.db.local,
      objects,
    });

    // Node a claims the job and stalls past its claim; node b takes the job over. Both then
    // checkpoint the same head at once.
    await a.db.catalog.jobs.enqueue('checkpoint', created.id, 0);
    const jobA = await a.db.catalog.jobs.claim(a.db.nodeId, ['checkpoint'], 0.5);
    assert.ok(jobA);
    await sleep(800);
    const jobB = await b.db.catalog.jobs.claim(b.db.nodeId, ['checkpoint'], 60);
    assert.equal(jobB?.id, jobA.id, 'the expired claim was taken over');
    const outcomes = await Promise.all([
      writeCheckpoint(context(a, store), await replica(a), { id: jobA.id, nodeId: a.db.nodeId }),
      writeCheckpoint(context(b, store), await replica(b), { id: jobB.id, nodeId: b.db.nodeId }),
    ]);
    assert.equal(outcomes.filter((o) => o !== undefined).length, 1, `one winner: ${outcomes}`);
    const head = (await a.db.catalog.heads(created.id))[0];
    assert.equal(head.version, 2);
    const snapshot = JSON.parse(head.manifest).snapshot as string;
    const prefix = `collections/${created.id}/`;
    assert.equal((await store.list(prefix)).length, 2, 'both uploaded');
    assert.deepEqual(await a.db.catalog.pendingUploads(), []);
    assert.equal(await collectGarbage(a.db.catalog, store, 0), 1, "the loser's snapshot is collected");
    assert.deepEqual(await store.list(prefix), [snapshot]);

    // A node that dies between its upload and its commit: the upload outlives the grace
    // period, is swept into garbage and deleted; the committed snapshot stays.
    await write(100, 10);
    await a.db.catalog.jobs.enqueue('checkpoint', created.id, 0);
    const jobC = await b.db.catalog.jobs.claim(b.db.nodeId, ['checkpoint'], 60);
    assert.ok(jobC);
    let uploaded = false;
    const dying: ObjectStore = Object.assign(Object.create(store), {
      put: async (key: string, bytes: Uint8Array) => {
        await store.put(key, bytes);
        uploaded = true;
        return new Promise<never>(() => undefined); // the node is gone before it commits
      },
    });
    void writeCheckpoint(context(b, dying), await replica(b), { id: jobC.id, nodeId: b.db.nodeId });
    for (let i = 0; i < 200 && !uploaded; i++) await sleep(25);
    assert.ok(uploaded);
    assert.equal((await a.db.catalog.pendingUploads()).length, 1);
    assert.equal((await store.list(prefix)).length, 2);
    assert.equal(await collectGarbage(a.db.catalog, store, 3600), 0, 'not within the grace period');
    assert.equal(await collectGarbage(a.db.catalog, store, 0), 1);
    assert.deepEqual(await store.list(prefix), [snapshot]);
    assert.deepEqual(await a.db.catalog.pendingUploads(), []);
  } finally {
    for (const n of [...nodes]) await stopNode(n);
  }
});

test('a worker checkpoints shards it holds no replica of; a node with an empty cache starts from its checkpoint', async () => {
  const schema = `c${++schemas}`;
  const objects = () =>
    new S3ObjectStore({ bucket: services.s3.bucket, prefix: schema, endpoint: services.s3.endpoint });
  // The serving nodes have no object storage: only the worker writes checkpoints.
  const [a, b] = [await startNode(schema), await startNode(schema)];
  const workerDir = tempDir('quiver-worker-');
  const worker = await ClusterWorker.open({
    catalog: services.pg.url,
    schema,
    data: workerDir.path,
    objects: objects(),
    checkpointRows: 5,
    garbageGraceSeconds: 0,
    intervalMs: 60_000, // rounds are run by the test
  });
  const rng = new SeededRandom(33);
  const dir = tempDir();
  const reference = await Quiver.open(dir.path);
  try {
    const created = await a.db.createCollection('w', { dimension: 4, shards: 2, replicas: 1 });
    await settled([a, b], created.id, 2);
    const ref = await reference.createCollection('w', { dimension: 4 });
    const write = async (from: number, batches: number) => {
      for (let i = 0; i < batches; i++) {
        const batch = Array.from({ length: 10 }, (_, j) => point(rng, from + i * 10 + j, 4));
        await a.db.collection('w').upsert(batch);
        await ref.upsert(batch);
      }
    };
    await write(0, 10);
    await b.db.collection('w').delete([1, 2, 3]);
    await ref.delete([1, 2, 3]);
    await worker.round();
    const first = await a.db.catalog.heads(created.id);
    for (const h of first) {
      assert.equal(h.walCheckpoint, h.lastSeq, `shard ${h.shard}: checkpointed up to the log's end`);
      assert.equal((await a.db.catalog.wal.after(created.id, h.shard, 0)).length, 0);
    }
    const prefix = `collections/${created.id}/`;
    assert.equal((await objects().list(prefix)).length, 2);

    // A second round after more writes: new snapshots, the first ones collected.
    await write(500, 5);
    await worker.round();
    assert.equal(await worker.collectGarbage(), 2, 'the first snapshots (grace 0)');
    const second = await a.db.catalog.heads(created.id);
    assert.ok(second.every((h, i) => h.walCheckpoint > first[i].walCheckpoint));
    assert.deepEqual(
      (await objects().list(prefix)).sort(),
      second.map((h) => JSON.parse(h.manifest).snapshot as string).sort(),
    );

    // The nodes never needed the rows the checkpoints deleted; a new node (with object
    // storage, an empty cache) starts from the worker's checkpoints and answers the same.
    const c = await startNode(schema, { objects: objects() });
    await stopNode(a);
    await settled([b, c], created.id, 2);
    for (const n of [b, c]) assert.equal(await n.db.collection('w').count(), await ref.count());
    const query = [0.4, 0.3, 0.2, 0.1];
    assert.deepEqual(
      (await c.db.collection('w').search(query, { k: 7 })).map((h) => h.id),
      (await ref.search(query, { k: 7 })).map((h) => h.id),
    );
  } finally {
    await worker.close();
    workerDir.cleanup();
    await reference.close();
    dir.cleanup();
    for (const n of [...nodes]) await stopNode(n);
  }
});
