/**
 * A model-based test of cluster mode: 2,000 random operations (seeded) — upserts, deletes,
 * payload changes, gets, counts, exact searches, node deaths and restarts — through random
 * nodes of a three-node cluster (in this process, each with its own catalog connections, cache
 * and HTTP server), checked against an in-memory model after every read. Collections have 3
 * shards × 2 replicas; checkpoints go to an S3-compatible server every few log rows, so
 * replicas also restart from checkpoints. A dead node keeps its leases until they expire (1 s),
 * as a killed process would; at most one node is down at a time, so every shard keeps a
 * replica. Writes that fail (a node going down under them) are repeated until acknowledged
 * (writes are idempotent), so the model stays exact; strong reads must then match it exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serveClusterNode } from '../src/cli/cluster-node.js';
import { ClusterDatabase } from '../src/cluster/cluster-database.js';
import { type PointId, SeededRandom, UnavailableError } from '../src/index.js';
import type { QuiverServer } from '../src/server/server.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { clusterServices } from './support/cluster-services.js';
import { tempDir } from './support/reference.js';

const OPERATIONS = 2000;
const DIM = 4;
const IDS = 200;

interface Node {
  db: ClusterDatabase;
  server: QuiverServer;
  dir: { path: string; cleanup(): void };
}

const services = clusterServices();

async function startNode(dir: { path: string; cleanup(): void }): Promise<Node> {
  const db = await ClusterDatabase.open({
    catalog: services.pg.url,
    schema: 'model',
    data: dir.path,
    leaseSeconds: 1,
    pollMs: 100,
    readTimeoutMs: 20_000,
    objects: new S3ObjectStore({
      bucket: services.s3.bucket,
      prefix: 'model',
      endpoint: services.s3.endpoint,
    }),
    checkpointRows: 15,
    garbageGraceSeconds: 1,
  });
  const { server } = await serveClusterNode(db, { logLevel: 'silent' }, '127.0.0.1', 0);
  return { db, server, dir };
}

/** Repeats a write until it is acknowledged (a node may go down under it). */
async function acknowledged<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof UnavailableError) || attempt > 50) throw err;
    }
  }
}

test(`${OPERATIONS} random operations with node deaths and restarts agree with a model`, async () => {
  const rng = new SeededRandom(2026);
  const dirs = [tempDir('quiver-m1-'), tempDir('quiver-m2-'), tempDir('quiver-m3-')];
  const nodes: (Node | undefined)[] = [];
  for (const d of dirs) nodes.push(await startNode(d));
  const model = new Map<PointId, { vector: number[]; payload: Record<string, unknown> }>();
  const counts: Record<string, number> = {};
  const live = () => nodes.filter((n): n is Node => n !== undefined);
  const anyNode = () => {
    const up = live();
    return up[rng.int(up.length)].db.collection('m');
  };
  const l2 = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + (x - b[i]) ** 2, 0);
  try {
    await nodes[0]!.db.createCollection('m', { dimension: DIM, shards: 3, replicas: 2, segmentSize: 40 });
    for (const n of live()) await n.db.balance();
    let op = 0;
    let kind = '';
    try {
      for (; op < OPERATIONS; op++) {
        const dice = rng.next();
        kind =
          dice < 0.35
            ? 'upsert'
            : dice < 0.47
              ? 'delete'
              : dice < 0.55
                ? 'payload'
                : dice < 0.7
                  ? 'get'
                  : dice < 0.76
                    ? 'count'
                    : dice < 0.94
                      ? 'search'
                      : dice < 0.97
                        ? 'kill'
                        : 'restart';
        counts[kind] = (counts[kind] ?? 0) + 1;
        if (kind === 'upsert') {
          const points = Array.from({ length: 1 + rng.int(5) }, () => ({
            id: rng.int(IDS),
            vector: Array.from({ length: DIM }, () => Math.fround(rng.gaussian())),
            payload: { tag: rng.int(3), op },
          }));
          await acknowledged(() => anyNode().upsert(points));
          for (const p of points) model.set(p.id, { vector: p.vector, payload: p.payload });
        } else if (kind === 'delete') {
          const ids = Array.from({ length: 1 + rng.int(4) }, () => rng.int(IDS));
          await acknowledged(() => anyNode().delete(ids));
          for (const id of ids) model.delete(id);
        } else if (kind === 'payload') {
          const ids = Array.from({ length: 1 + rng.int(3) }, () => rng.int(IDS));
          await acknowledged(() => anyNode().setPayload(ids, { seen: op }));
          for (const id of ids) {
            const p = model.get(id);
            if (p) p.payload = { ...p.payload, seen: op };
          }
        } else if (kind === 'get') {
          const ids = Array.from({ length: 1 + rng.int(6) }, () => rng.int(IDS));
          const got = await anyNode().get(ids, { withVector: true, withPayload: true });
          const want = ids.filter((id, i) => model.has(id) && ids.indexOf(id) === i);
          assert.deepEqual(
            got.map((p) => p.id),
            ids.filter((id) => model.has(id)),
            `op ${op}: get ${ids}`,
          );
          for (const p of got) {
            assert.deepEqual(
              Array.from(p.vector as ArrayLike<number>),
              model.get(p.id)!.vector,
              `op ${op}: vector of ${p.id}`,
            );
            assert.deepEqual(p.payload, model.get(p.id)!.payload, `op ${op}: payload of ${p.id}`);
          }
          assert.ok(want.length <= got.length);
        } else if (kind === 'count') {
          assert.equal(await anyNode().count(), model.size, `op ${op}: count`);
        } else if (kind === 'search') {
          const q = Array.from({ length: DIM }, () => rng.gaussian());
          const hits = await anyNode().search(q, { k: 5, exact: true });
          const want = [...model]
            .map(([id, p]) => ({ id, d: l2(q, p.vector) }))
            .sort((a, b) => a.d - b.d)
            .slice(0, 5);
          assert.deepEqual(
            hits.map((h) => h.id),
            want.map((w) => w.id),
            `op ${op}: search`,
          );
        } else if (kind === 'kill') {
          const up = nodes.map((n, i) => (n ? i : -1)).filter((i) => i >= 0);
          if (up.length < 3) continue;
          const victim = up[rng.int(up.length)];
          const node = nodes[victim]!;
          nodes[victim] = undefined;
          await node.server.close();
          await node.db.close({ releaseLeases: false });
        } else {
          const down = nodes.indexOf(undefined);
          if (down < 0) continue;
          nodes[down] = await startNode(dirs[down]);
        }
      }
    } catch (err) {
      throw new Error(`operation ${op} (${kind}) failed: ${(err as Error).message}`, { cause: err });
    }
    assert.ok((counts.kill ?? 0) >= 10 && (counts.search ?? 0) >= 100, JSON.stringify(counts));
    const heads = await live()[0].db.catalog.heads(live()[0].db.collection('m').id);
    assert.ok(
      heads.some((h) => h.walCheckpoint > 0),
      'checkpoints were written during the run',
    );
  } finally {
    for (const n of live()) {
      await n.server.close();
      await n.db.close();
    }
    for (const d of dirs) d.cleanup();
  }
});
