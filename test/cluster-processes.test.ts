/**
 * Clusters of `quiver serve --cluster` processes on a real PostgreSQL and an S3-compatible
 * server, used through `quiverdb/client` as a user would: a node killed with SIGKILL during
 * writes loses no acknowledged write; with two replicas per shard, a node killed during a
 * search load fails no search (the router tries the next replica); and a node killed while its
 * replicas seal every 30 points and checkpoints are uploaded every 3 log rows (so the kill
 * lands during a seal or an upload most of the time) loses nothing either, its shard taken over
 * from its last checkpoint and the log; a `quiver worker` killed the same way leaves no object
 * behind once the uploads nobody committed are swept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../src/client/index.js';
import { SeededRandom } from '../src/index.js';
import { PgCatalog } from '../src/storage/pg-catalog.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { ClusterProcesses } from './support/cluster-nodes.js';
import { clusterServices } from './support/cluster-services.js';

const services = clusterServices();

const vectorOf = (rng: SeededRandom) => Array.from({ length: 16 }, () => Math.fround(rng.gaussian()));

test('SIGKILL of a node during writes loses no acknowledged write; with two replicas a killed node fails no search', async () => {
  const cluster = new ClusterProcesses(services.pg, services.s3, 'procs');
  const nodes = [await cluster.start(), await cluster.start(), await cluster.start()];
  const clients = await Promise.all(nodes.map((n) => connect(n.url)));
  try {
    const col = await clients[0].createCollection('faces', { dimension: 16, shards: 3, replicas: 2 });
    const info = await col.info();
    assert.equal(info.shards, 3);
    // Each client learns the collections its node serves.
    for (const c of clients) assert.deepEqual(await c.listCollections(), ['faces']);
    // Every replica taken (each node holds its share of 6: 2 each).
    const probe = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6];
    for (let i = 0; i < 100; i++) {
      try {
        await clients[2].collection('faces').search(probe, { k: 1 });
        break;
      } catch {
        await sleep(100);
      }
    }

    const rng = new SeededRandom(21);
    const acknowledged = new Map<number, { vector: number[]; payload: { n: number } }>();
    let stop = false;
    let next = 0;
    const writer = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 20 }, () => {
          const id = next++;
          return { id, vector: vectorOf(rng), payload: { n: id } };
        });
        try {
          await clients[0].collection('faces').upsert(batch);
          for (const p of batch) acknowledged.set(p.id, { vector: p.vector, payload: p.payload });
        } catch {
          // not acknowledged: may or may not be there
        }
      }
    })();
    await sleep(800);
    cluster.kill(nodes[1]);
    await sleep(800);
    stop = true;
    await writer;
    assert.ok(acknowledged.size > 100, `writes went on (${acknowledged.size} acknowledged)`);

    // Searches through the survivors while the dead node's leases run out and move.
    const failed: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      try {
        await clients[2].collection('faces').search(vectorOf(rng), { k: 5 });
      } catch (err) {
        failed.push(err);
      }
      await sleep(50);
    }
    assert.deepEqual(failed, [], 'no search failed');

    // Every acknowledged write, read back through another node.
    const ids = [...acknowledged.keys()];
    for (let at = 0; at < ids.length; at += 500) {
      const slice = ids.slice(at, at + 500);
      const points = await clients[2].collection('faces').get(slice, { withVector: true, withPayload: true });
      assert.equal(points.length, slice.length, 'every acknowledged point is there');
      for (const p of points) {
        const want = acknowledged.get(p.id as number)!;
        assert.deepEqual(Array.from(p.vector as ArrayLike<number>), want.vector);
        assert.deepEqual(p.payload, want.payload);
      }
    }

    // The dead node, started again on its cache folder, rejoins and serves.
    const again = await cluster.start(nodes[1].dir);
    const c3 = await connect(again.url);
    await c3.listCollections();
    assert.ok((await c3.collection('faces').count()) >= acknowledged.size);
    await c3.close();
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await cluster.stopAll();
    for (const n of nodes) n.dir.cleanup();
  }
});

test('SIGKILL of a node while it seals and uploads checkpoints loses no acknowledged write', async () => {
  const cluster = new ClusterProcesses(services.pg, services.s3, 'sealing', [
    '--checkpoint-rows',
    '3',
    '--garbage-grace-seconds',
    '0',
  ]);
  const nodes = [await cluster.start(), await cluster.start()];
  const workerOptions = ['--checkpoint-rows', '3', '--garbage-grace-seconds', '0'];
  const worker = await cluster.startWorker(workerOptions);
  const clients = await Promise.all(nodes.map((n) => connect(n.url)));
  try {
    // Small segments: each replica seals every 30 points, and a checkpoint is queued every 3
    // log rows; the nodes and a worker claim the checkpoint jobs.
    const col = await clients[0].createCollection('seals', {
      dimension: 16,
      shards: 2,
      replicas: 1,
      segmentSize: 30,
    });
    const rng = new SeededRandom(8);
    const acknowledged = new Map<number, number[]>();
    let next = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 10 }, () => ({ id: next++, vector: vectorOf(rng) }));
        try {
          await col.upsert(batch);
          for (const p of batch) acknowledged.set(p.id, p.vector);
        } catch {
          // not acknowledged
        }
      }
    })();
    await sleep(1200);
    cluster.kill(worker);
    await sleep(300);
    cluster.kill(nodes[1]);
    await sleep(500);
    stop = true;
    await writer;
    assert.ok(acknowledged.size > 100, `writes went on (${acknowledged.size} acknowledged)`);
    // The survivor takes the dead node's shard over (from its checkpoint and the log) once its lease expires.
    const ids = [...acknowledged.keys()];
    for (let at = 0; at < ids.length; at += 500) {
      const slice = ids.slice(at, at + 500);
      const points = await clients[0].collection('seals').get(slice, { withVector: true });
      assert.equal(points.length, slice.length, 'every acknowledged point is there');
      for (const p of points)
        assert.deepEqual(Array.from(p.vector as ArrayLike<number>), acknowledged.get(p.id as number));
    }
    const info = await clients[0].collection('seals').info();
    assert.ok(info.sealedSegments > 0, 'the replicas sealed segments meanwhile');
    const store = new S3ObjectStore({
      bucket: services.s3.bucket,
      prefix: 'sealing',
      endpoint: services.s3.endpoint,
    });
    const snapshots = await store.list('collections/');
    assert.ok(snapshots.length > 0, 'checkpoints were uploaded meanwhile');
    // The dead node, started again on its cache, serves again.
    const again = await cluster.start(nodes[1].dir);
    const c = await connect(again.url);
    await c.listCollections();
    assert.ok((await c.collection('seals').count()) >= acknowledged.size);
    await c.close();

    // Nothing is left behind by the kills: once the writes stopped and a new worker has swept
    // the uploads the dead processes never committed (grace 0), storage holds exactly the
    // snapshots the shards' manifests name.
    await cluster.startWorker(workerOptions, worker.dir);
    const catalog = await PgCatalog.open(services.pg.url, { schema: 'sealing' });
    try {
      const id = (await catalog.listCollections())[0].id;
      let named: string[] = [];
      let stored: string[] = [];
      for (let i = 0; i < 120; i++) {
        named = (await catalog.heads(id)).map((h) => JSON.parse(h.manifest).snapshot as string).sort();
        stored = (await store.list('collections/')).sort();
        if ((await catalog.pendingUploads()).length === 0 && stored.join() === named.join()) break;
        await sleep(500);
      }
      assert.deepEqual(stored, named, 'only the snapshots the manifests name remain');
    } finally {
      await catalog.close();
      await store.close();
    }
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await cluster.stopAll();
    for (const n of [...nodes, worker]) n.dir.cleanup();
  }
});
