/**
 * `onDisk` over the REST API and the HTTP client: Qdrant's `on_disk: true` in the vector
 * params (through `@qdrant/js-client-rest`) creates a collection whose vectors are kept on
 * disk, reported back in Qdrant's config and in Quiver's info (`quiver.on_disk`, memory and
 * disk bytes per vector); `quiverdb/client`'s `onDisk` (single and named vectors) travels
 * as `on_disk` and comes back in `info()`; `on_disk: false` or null keep vectors in memory.
 * Qdrant's search `params.quantization` maps to `rerank`: `rescore: false` is `rerank: 0`,
 * `oversampling: 3` with limit 5 is `rerank: 15`, and an explicit `rerank` wins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from '../src/client/index.js';
import { gaussianMixture } from '../src/index.js';
import { qdrantClient } from './support/qdrant-data.js';
import { startTestServer, type TestServer } from './support/server.js';

const DIM = 16;
const N = 1_200;
const data = gaussianMixture(N, DIM, 10, 3);
const vector = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));

describe('onDisk over REST', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server?.stop();
  });

  test("Qdrant's on_disk: true keeps vectors on disk and is reported back", async () => {
    const client = qdrantClient(server.url);
    await client.createCollection('qd', {
      vectors: { size: DIM, distance: 'Euclid', on_disk: true },
      optimizers_config: { max_segment_size: 20 },
    });
    await client.upsert('qd', {
      wait: true,
      points: Array.from({ length: N }, (_, i) => ({ id: i, vector: vector(i) })),
    });
    const remote = (await connect(server.url)).collection('qd');
    await remote.flush();
    const info = await client.getCollection('qd');
    assert.equal((info.config.params.vectors as { on_disk?: boolean }).on_disk, true);
    const quiver = (info as unknown as { quiver: Record<string, unknown> }).quiver;
    assert.equal(quiver.on_disk, true);
    const mine = await remote.info();
    assert.equal(mine.onDisk, true);
    assert.ok(mine.sealedSegments >= 1);
    assert.equal(mine.memory?.vectors, 0);
    assert.ok((mine.memory?.bytesPerVector ?? 0) > 0, 'memory bytes per vector');
    assert.ok((mine.disk?.bytesPerVector ?? 0) >= 4 * DIM, 'disk bytes per vector');
    const [p] = await client.retrieve('qd', { ids: [17], with_vector: true });
    assert.deepEqual(p.vector, Array.from(Float32Array.from(vector(17))));
    const hits = await client.search('qd', { vector: vector(17), limit: 3 });
    assert.equal(hits[0].id, 17);
    const search = (params: Record<string, unknown>) =>
      client.search('qd', { vector: vector(5), limit: 5, params: params as never });
    const scores = (hits: { id: unknown; score: number }[]) => hits.map((h) => [h.id, h.score]);
    assert.deepEqual(
      scores(await search({ quantization: { rescore: false } })),
      scores(await search({ rerank: 0 })),
    );
    assert.notDeepEqual(
      scores(await search({ rerank: 0 })),
      scores(await search({})),
      'SQ8 distances differ',
    );
    assert.deepEqual(
      scores(await search({ quantization: { oversampling: 3 } })),
      scores(await search({ rerank: 15 })),
    );
    assert.deepEqual(
      scores(await search({ quantization: { rescore: false }, rerank: 15 })),
      scores(await search({ rerank: 15 })),
      'rerank wins over quantization',
    );
    await client.createCollection('qd-memory', {
      vectors: { size: DIM, distance: 'Euclid', on_disk: false },
    });
    assert.equal((await remote.info()).onDisk, true);
    assert.equal((await (await connect(server.url)).collection('qd-memory').info()).onDisk, undefined);
  });

  test("quiverdb/client's onDisk travels as on_disk, single and named", async () => {
    const db = await connect(server.url);
    const single = await db.createCollection('single', { dimension: DIM, onDisk: true });
    assert.equal((await single.info()).onDisk, true);
    const named = await db.createCollection('named', {
      vectors: { a: { dimension: DIM, onDisk: true }, b: { dimension: 4 } },
    });
    const info = await named.info();
    assert.equal(info.vectors?.a.onDisk, true);
    assert.equal(info.vectors?.b.onDisk, undefined);
    await db.close();
  });
});
