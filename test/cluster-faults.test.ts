/**
 * Faults of the services a cluster stands on, through a node's REST API: object storage out of
 * reach (writes still acknowledged, reads still answered from the node's cache, checkpoints
 * failing and retried until storage is back), and PostgreSQL stopped under writes (503
 * UNAVAILABLE with Retry-After, the typed retryable error, while it is down; nothing
 * acknowledged lost; writes succeed again once it is back).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveClusterNode } from '../src/cli/cluster-node.js';
import { connect } from '../src/client/index.js';
import { ClusterDatabase } from '../src/cluster/cluster-database.js';
import { SeededRandom, UnavailableError } from '../src/index.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { clusterServices } from './support/cluster-services.js';
import { tempDir } from './support/reference.js';

const services = clusterServices();

async function startNode(schema: string) {
  const dir = tempDir('quiver-node-');
  const objects = new S3ObjectStore({
    bucket: services.s3.bucket,
    prefix: schema,
    endpoint: services.s3.endpoint,
    maxAttempts: 1,
    connectTimeoutMs: 1000,
  });
  const db = await ClusterDatabase.open({
    catalog: services.pg.url,
    schema,
    data: dir.path,
    leaseSeconds: 1,
    pollMs: 100,
    objects,
    checkpointRows: 5,
    garbageGraceSeconds: 0,
  });
  const { server, url } = await serveClusterNode(db, { logLevel: 'silent' }, '127.0.0.1', 0);
  return {
    db,
    url,
    async stop() {
      await server.close();
      await db.close();
      await objects.close();
      dir.cleanup();
    },
  };
}

const point = (rng: SeededRandom, id: number) => ({
  id,
  vector: Array.from({ length: 4 }, () => Math.fround(rng.gaussian())),
  payload: { id },
});

test('object storage out of reach: writes acknowledged, reads answered, checkpoints retried until it is back', async () => {
  const node = await startNode('s3down');
  const client = await connect(node.url);
  const rng = new SeededRandom(4);
  try {
    const col = await client.createCollection('c', { dimension: 4, shards: 1 });
    await services.s3.pause();
    let written = 0;
    try {
      for (let i = 0; i < 20; i++) {
        await col.upsert(Array.from({ length: 5 }, () => point(rng, written++)));
      }
      assert.equal(await col.count(), written, 'reads are answered from the cache');
      const { id } = node.db.collection('c');
      let failed: { attempts: number; lastError: string | null } | undefined;
      for (let i = 0; i < 100 && !failed; i++) {
        await node.db.balance();
        failed = (await node.db.catalog.jobs.pending(id)).find((j) => j.lastError !== null);
        if (!failed) await sleep(50);
      }
      assert.ok(failed, 'a checkpoint was tried and failed');
      assert.match(failed.lastError ?? '', /object storage is unreachable/);
      assert.equal((await node.db.catalog.heads(id))[0].walCheckpoint, 0, 'no checkpoint was committed');
    } finally {
      await services.s3.resume();
    }
    const { id } = node.db.collection('c');
    for (let i = 0; i < 300 && (await node.db.catalog.heads(id))[0].walCheckpoint === 0; i++) {
      await node.db.balance();
      await sleep(50);
    }
    assert.ok((await node.db.catalog.heads(id))[0].walCheckpoint > 0, 'the retried checkpoint was committed');
    assert.equal(await col.count(), written);
  } finally {
    await client.close();
    await node.stop();
  }
});

test('PostgreSQL stopped under writes: 503 UNAVAILABLE, nothing acknowledged lost, writes resume', async () => {
  const node = await startNode('pgdown');
  const client = await connect(node.url);
  const rng = new SeededRandom(5);
  try {
    const col = await client.createCollection('c', { dimension: 4, shards: 2 });
    const acknowledged = new Map<number, ReturnType<typeof point>>();
    const failures: unknown[] = [];
    let next = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 3 }, () => point(rng, next++));
        try {
          await col.upsert(batch);
          for (const p of batch) acknowledged.set(p.id, p);
        } catch (err) {
          failures.push(err);
          await sleep(20);
        }
      }
    })();
    await sleep(300);
    services.pg.halt();
    const response = await fetch(`${node.url}/collections/c/points?wait=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: [point(rng, 1_000_000)] }),
    });
    assert.equal(response.status, 503);
    assert.ok(response.headers.get('retry-after'), 'with Retry-After');
    assert.equal(((await response.json()) as { status: { code: string } }).status.code, 'UNAVAILABLE');
    await sleep(300);
    services.pg.start();
    await sleep(500);
    stop = true;
    await writer;
    assert.ok(failures.length > 0, 'writes failed while PostgreSQL was down');
    for (const err of failures) assert.ok(err instanceof UnavailableError, `typed and retryable: ${err}`);
    await col.upsert([point(rng, next++)]);
    const ids = [...acknowledged.keys()];
    const got = await col.get(ids, { withVector: true, withPayload: true });
    assert.equal(got.length, ids.length, 'every acknowledged point is there');
    for (const p of got) {
      const want = acknowledged.get(p.id as number)!;
      assert.deepEqual(Array.from(p.vector as ArrayLike<number>), want.vector);
      assert.deepEqual(p.payload, want.payload);
    }
  } finally {
    await client.close();
    await node.stop();
  }
});
