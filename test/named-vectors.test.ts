/**
 * Collections with named vectors at the engine level: each field has its own dimension,
 * metric and index; points may lack fields; searches with `using` return only points that
 * have the field, exactly like a brute-force search over them; and all of it survives WAL
 * replay, sealing (segment format v2, one index file per field), reopen and compaction.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  CorruptDataError,
  DimensionMismatchError,
  gaussianMixture,
  InvalidArgumentError,
  Quiver,
} from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 3000;
const IMG = 24;
const TXT = 8;
const images = gaussianMixture(N + 20, IMG, 30, 11);
const texts = gaussianMixture(N + 20, TXT, 30, 12);
const row = (data: Float32Array, dim: number, i: number) => Array.from(data.subarray(i * dim, (i + 1) * dim));

/** Point i has an image vector unless i % 3 == 0, a text vector unless i % 5 == 0. */
function points(from: number, to: number) {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    const vectors: Record<string, number[]> = {};
    if (i % 3 !== 0) vectors.image = row(images, IMG, i);
    if (i % 5 !== 0) vectors.text = row(texts, TXT, i);
    return { id: i, vectors, payload: { i, even: i % 2 === 0 } };
  });
}

/** Brute force over the points that have the field: ids of the k nearest (L2 for image, cosine for text). */
function truth(field: 'image' | 'text', q: number[], k: number, upTo = N): number[] {
  const scored: [number, number][] = [];
  for (let i = 0; i < upTo; i++) {
    if (field === 'image' ? i % 3 === 0 : i % 5 === 0) continue;
    if (field === 'image') {
      const v = row(images, IMG, i);
      scored.push([i, v.reduce((s, x, d) => s + (x - q[d]) ** 2, 0)]);
    } else {
      const v = row(texts, TXT, i);
      const dot = v.reduce((s, x, d) => s + x * q[d], 0);
      const norm = Math.hypot(...v) * Math.hypot(...q);
      scored.push([i, -dot / norm]);
    }
  }
  return scored
    .sort((a, b) => a[1] - b[1])
    .slice(0, k)
    .map(([i]) => i);
}

const config = {
  vectors: {
    image: { dimension: IMG, metric: 'l2' as const },
    text: { dimension: TXT, metric: 'cosine' as const, index: 'Flat' },
  },
  segmentSize: 1000,
};

describe('named vectors', () => {
  test('search with using is exact over the points that have the field, growing and sealed, before and after reopen', async () => {
    const dir = tempDir('named').path;
    let db = await Quiver.open(dir);
    const c = await db.createCollection('multi', config);
    await c.upsert(points(0, 2500));
    await c.flush();
    await c.upsert(points(2500, N));
    const check = async (coll: typeof c) => {
      for (let q = 0; q < 5; q++) {
        const qi = row(images, IMG, N + q);
        const qt = row(texts, TXT, N + q);
        const img = await coll.search(qi, { k: 10, using: 'image', exact: true });
        assert.deepEqual(
          img.map((h) => h.id),
          truth('image', qi, 10),
        );
        const txt = await coll.search({ vector: qt, using: 'text' }, { k: 10 });
        assert.deepEqual(
          txt.map((h) => h.id),
          truth('text', qt, 10),
        );
      }
    };
    await check(c);
    const info = await c.info();
    assert.deepEqual(Object.keys(info.vectors ?? {}), ['image', 'text']);
    assert.equal(info.count, N);
    await db.close();
    db = await Quiver.open(dir);
    const again = db.collection('multi');
    await check(again);
    await again.compact();
    await check(again);
    const folder = join(dir, 'collections', '1');
    assert.ok(
      readdirSync(folder).some((f) => f.endsWith('.image.qidx')),
      'the image field has index files',
    );
    assert.ok(!readdirSync(folder).some((f) => f.endsWith('.text.qidx')), 'the Flat text field has none');
    const [p] = await again.get([3], { withVector: true });
    assert.deepEqual(Object.keys(p.vectors ?? {}), ['text'], 'point 3 lacks an image vector');
    assert.equal(p.vector, undefined);
    await db.close();
  });

  test('approximate search on the indexed field keeps recall@10 >= 0.9 and never returns points lacking it', async () => {
    const dir = tempDir('named-hnsw').path;
    const db = await Quiver.open(dir);
    const c = await db.createCollection('multi', config);
    await c.upsert(points(0, N));
    await c.flush();
    let hits = 0;
    for (let q = 0; q < 20; q++) {
      const qi = row(images, IMG, N + (q % 20));
      const got = await c.search(qi, { k: 10, using: 'image' });
      assert.equal(got.length, 10);
      for (const h of got) assert.notEqual((h.id as number) % 3, 0);
      const want = new Set(truth('image', qi, 10));
      hits += got.filter((h) => want.has(h.id as number)).length;
    }
    assert.ok(hits / 200 >= 0.9, `recall ${hits / 200}`);
    await db.close();
  });

  test('a flipped byte in a version-2 segment file is reported as corrupt data naming the file', async () => {
    const dir = tempDir('named-corrupt').path;
    let db = await Quiver.open(dir);
    const c = await db.createCollection('multi', {
      ...config,
      vectors: { ...config.vectors, image: { dimension: IMG, index: 'Flat' } },
    });
    await c.upsert(points(0, 200));
    await c.flush();
    await db.close();
    const folder = join(dir, 'collections', '1');
    const file = join(folder, readdirSync(folder).find((f) => f.endsWith('.qseg'))!);
    const bytes = readFileSync(file);
    assert.equal(bytes.readUInt32LE(8), 2, 'named vectors are written as format version 2');
    bytes[bytes.length - 40] ^= 0xff;
    writeFileSync(file, bytes);
    db = await Quiver.open(dir);
    await assert.rejects(
      async () => db.collection('multi').loaded(),
      (err: unknown) => err instanceof CorruptDataError && err.message.includes('.qseg'),
    );
    await db.close();
  });

  test('bad input is rejected with typed errors and stores nothing', async () => {
    const db = await Quiver.open(tempDir('named-bad').path);
    const c = await db.createCollection('multi', config);
    await assert.rejects(c.upsert([{ id: 1, vectors: { image: [1, 2] } }]), DimensionMismatchError);
    await assert.rejects(c.upsert([{ id: 1, vectors: { sound: [1] } }]), InvalidArgumentError);
    await assert.rejects(c.upsert([{ id: 1, vector: row(images, IMG, 0) }]), InvalidArgumentError);
    await assert.rejects(
      c.search(row(images, IMG, 0)),
      InvalidArgumentError,
      'two fields: using is required',
    );
    await assert.rejects(c.search(row(images, IMG, 0), { using: 'sound' }), InvalidArgumentError);
    await assert.rejects(
      db.createCollection('both', { dimension: 4, vectors: { a: { dimension: 4 } } }),
      InvalidArgumentError,
    );
    await assert.rejects(
      db.createCollection('badfield', { vectors: { 'a b': { dimension: 4 } } }),
      InvalidArgumentError,
    );
    assert.equal(await c.count(), 0);
    await db.close();
  });

  test('a collection with one vector rejects using and vectors', async () => {
    const db = await Quiver.open(tempDir('single-using').path);
    const c = await db.createCollection('one', { dimension: 2 });
    await c.upsert([{ id: 1, vector: [1, 2] }]);
    await assert.rejects(c.search([1, 2], { using: 'image' }), InvalidArgumentError);
    await assert.rejects(c.upsert([{ id: 2, vectors: { image: [1, 2] } }]), InvalidArgumentError);
    await db.close();
  });
});
