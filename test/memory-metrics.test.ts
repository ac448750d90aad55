/**
 * Memory made visible: `info()` reports bytes in memory (vectors, index, payload, arenas)
 * and on disk per collection and per named vector field, consistent with each other, and
 * `/metrics` exposes them as `quiver_collection_memory_bytes`, `quiver_collection_disk_bytes`
 * and the database's `quiver_arenas` / `quiver_memory_bytes{kind}` gauges.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianMixture, Quiver } from '../src/index.js';
import { ServerMetrics } from '../src/server/metrics.js';
import { tempDir } from './support/reference.js';

test('info() and /metrics report memory and disk bytes per collection and field', async () => {
  const dir = tempDir('quiver-memory-');
  const db = await Quiver.open(dir.path, { arenaBytes: 1 << 20 });
  try {
    const n = 3000;
    const data = gaussianMixture(n, 24, 8, 5);
    const col = await db.createCollection('pics', {
      vectors: {
        image: { dimension: 16, metric: 'cosine', index: { type: 'hnsw', M: 8, efConstruction: 32 } },
        caption: { dimension: 8, metric: 'l2', index: { type: 'flat' } },
      },
    });
    await col.upsert(
      Array.from({ length: n }, (_, i) => ({
        id: i,
        vectors: {
          image: data.subarray(i * 24, i * 24 + 16),
          caption: data.subarray(i * 24 + 16, (i + 1) * 24),
        },
        payload: { title: `picture ${i}` },
      })),
    );
    await col.flush();
    const info = await col.info();
    const memory = info.memory!;
    const image = info.vectors!.image;
    const caption = info.vectors!.caption;
    assert.equal(image.memory!.vectors, n * 16 * 4, 'sealed vectors of image');
    assert.equal(caption.memory!.vectors, n * 8 * 4, 'sealed vectors of caption');
    assert.ok(image.memory!.index > 0, 'the HNSW graph of image');
    assert.equal(caption.memory!.index, 0, 'a flat field has no index bytes');
    assert.equal(memory.vectors, image.memory!.vectors + caption.memory!.vectors);
    assert.equal(memory.index, image.memory!.index + caption.memory!.index);
    assert.ok(memory.payload > 0);
    assert.equal(memory.bytes, memory.vectors + memory.index + memory.payload);
    assert.ok(memory.arenas >= 2, `${memory.arenas} arenas`);
    assert.ok(info.disk!.bytes > n * 24 * 4, 'segment files hold every vector');
    assert.ok(image.disk!.bytes > caption.disk!.bytes, 'the index file and longer vectors of image');

    const text = await new ServerMetrics(db).scrape();
    assert.match(
      text,
      new RegExp(`quiver_collection_memory_bytes\\{collection="pics"\\} ${memory.bytes}\\b`),
    );
    assert.match(
      text,
      new RegExp(`quiver_collection_disk_bytes\\{collection="pics"\\} ${info.disk!.bytes}\\b`),
    );
    assert.match(text, new RegExp(`quiver_arenas ${db.memory.arenas}\\b`));
    assert.match(
      text,
      new RegExp(`quiver_memory_bytes\\{kind="committed"\\} ${db.memory.committedBytes}\\b`),
    );
    assert.match(text, /quiver_memory_bytes\{kind="allocated"\} \d+/);
    assert.doesNotMatch(text, /kind="budget"/, 'no budget, no budget sample');
    db.setMemoryBudget(2 ** 30);
    assert.match(await new ServerMetrics(db).scrape(), /quiver_memory_bytes\{kind="budget"\} 1073741824\b/);
  } finally {
    await db.close();
    dir.cleanup();
  }
});
