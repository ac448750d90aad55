/**
 * Collection snapshots in the embedded API: a snapshot restores the collection exactly (ids,
 * vectors, payloads, payload indexes, named fields with an HNSW and an IVF index, sealed
 * segments with tombstones and the growing segment), in the same database or another, and
 * across a reopen; it is consistent while writes continue; a foreign, truncated, damaged or
 * wrong-checksum file is refused with `SnapshotError` and changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PinningObjectStore } from '../src/db/snapshot-pins.js';
import { sha256File } from '../src/db/snapshots.js';
import {
  type CollectionInfo,
  CollectionNotFoundError,
  type EmbeddedCollection,
  type FieldEmbedder,
  gaussianMixture,
  InvalidArgumentError,
  Quiver,
  SnapshotError,
  SnapshotNotFoundError,
} from '../src/index.js';
import { SqliteCatalog } from '../src/storage/catalog.js';
import { emptyManifest } from '../src/storage/manifest.js';
import { FsObjectStore } from '../src/storage/object-store.js';
import { SnapshotReader, SnapshotWriter } from '../src/storage/snapshot-file.js';
import { tempDir } from './support/reference.js';

/** The collection folders of a database (none before anything is sealed). */
function folders(db: string): string[] {
  const path = join(db, 'collections');
  return existsSync(path) ? readdirSync(path).sort() : [];
}

const N = 2500;
const IMG = 16;
const TXT = 8;
const images = gaussianMixture(N + 300, IMG, 20, 31);
const texts = gaussianMixture(N + 300, TXT, 20, 32);
const row = (data: Float32Array, dim: number, i: number) => Array.from(data.subarray(i * dim, (i + 1) * dim));
const WORDS = ['red', 'green', 'blue', 'cat', 'dog', 'tax', 'river', 'stone'];

function points(from: number, to: number) {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    const vectors: Record<string, number[]> = { text: row(texts, TXT, i) };
    if (i % 4 !== 0) vectors.image = row(images, IMG, i);
    return {
      id: i % 7 === 0 ? `p-${i}` : i,
      vectors,
      payload: { i, label: `l${i % 5}`, body: `${WORDS[i % 8]} ${WORDS[(i * 3) % 8]} ${WORDS[(i * 5) % 7]}` },
    };
  });
}

const CONFIG = {
  vectors: {
    image: { dimension: IMG, metric: 'l2' as const, index: 'HNSW16' },
    text: { dimension: TXT, metric: 'cosine' as const, index: 'IVF16,Flat' },
  },
  segmentSize: 1000,
  payloadIndexes: { label: 'keyword' as const, i: 'integer' as const, body: { type: 'text' as const } },
};

/** A collection with 2 indexed sealed segments (one with a tombstone file), WAL deletes and a growing segment. */
async function populate(db: Quiver, name: string): Promise<EmbeddedCollection> {
  const c = await db.createCollection(name, CONFIG);
  for (let from = 0; from < N - 500; from += 500) await c.upsert(points(from, from + 500));
  await c.flush();
  await c.delete([1, 2, 3, 'p-14', 500]);
  // Payload updates of sealed rows: one sealed into an overlay file, later ones in the WAL.
  await c.setPayload([30, 31, 'p-35'], { label: 'set', extra: { deep: true } });
  await c.flush();
  await c.delete([600, 601, 'p-700', 1999]);
  await c.upsert(points(N - 500, N));
  await c.upsert(points(10, 20).map((p) => ({ ...p, payload: { ...p.payload, label: 'updated' } })));
  await c.overwritePayload([40], { label: 'over', body: 'red river' });
  await c.deletePayloadKeys({ filter: { must: [{ key: 'i', range: { gte: 50, lt: 60 } }] } }, ['label']);
  await c.clearPayload([61]);
  return c;
}

/**
 * `info()` without its memory figures (and name): an index loaded from its file holds less
 * memory than the same index freshly built, which is no difference in what it answers.
 */
function comparableInfo(info: CollectionInfo) {
  const { memory: _memory, name: _name, indexingSegments: _indexing, loading: _loading, ...rest } = info;
  const vectors = rest.vectors
    ? Object.fromEntries(Object.entries(rest.vectors).map(([k, { memory: _m, ...f }]) => [k, f]))
    : undefined;
  return { ...rest, vectors };
}

/** Everything observable about a collection, for deep comparison. */
async function observe(c: EmbeddedCollection) {
  await c.loaded();
  const info = await c.info();
  const scrolled = [];
  let page = await c.scroll({ limit: 500, withVector: true });
  scrolled.push(...page.points);
  while (page.nextCursor !== undefined) {
    page = await c.scroll({ limit: 500, withVector: true, cursor: page.nextCursor });
    scrolled.push(...page.points);
  }
  const searches = [];
  for (let q = 0; q < 8; q++) {
    const filter = q % 2 === 0 ? undefined : { must: [{ key: 'label', match: { value: `l${q % 5}` } }] };
    for (const using of ['image', 'text']) {
      const vector = using === 'image' ? row(images, IMG, N + q) : row(texts, TXT, N + q);
      const hits = await c.search(vector, { k: 10, using, filter, withPayload: true });
      searches.push(hits.map((h) => [h.id, h.score, h.payload]));
    }
  }
  const text = await c.search({ text: 'red tax', textField: 'body' }, { k: 10 });
  const hybrid = await c.search(
    { text: 'river cat', textField: 'body', vector: row(images, IMG, N + 9), using: 'image' },
    { k: 10 },
  );
  return {
    info: comparableInfo(info),
    scrolled,
    searches,
    text: text.map((h) => [h.id, h.score]),
    hybrid: hybrid.map((h) => [h.id, h.score]),
    count: await c.count({ filter: { must: [{ key: 'i', range: { gte: 100, lt: 900 } }] } }),
  };
}

describe('collection snapshots (embedded)', () => {
  test('a snapshot restores the collection exactly, in another database, under another name, and after reopening', async () => {
    const a = tempDir();
    const b = tempDir();
    const db = await Quiver.open(a.path);
    const db2 = await Quiver.open(b.path);
    try {
      const source = await populate(db, 'docs');
      const info = await source.info();
      assert.equal(info.sealedSegments, 2);
      assert.equal(info.indexedSegments, 2);
      assert.ok(info.growingPoints > 0);
      const expected = await observe(source);

      const snap = await db.createSnapshot('docs');
      assert.match(snap.name, /^docs-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f]{8}\.snapshot$/);
      assert.match(snap.creationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const file = await db.snapshotPath('docs', snap.name);
      assert.equal(snap.checksum, await sha256File(file));
      assert.equal(snap.size, readFileSync(file).length);
      assert.deepEqual(await db.listSnapshots('docs'), [snap]);
      // It holds every kind of file and WAL row the collection has.
      const reader = await SnapshotReader.open(file, 'docs');
      const kinds = new Set(
        reader.directory.files.map((f) => f.key.replace(/^seg-\d+(\.[\w-]+)?(\.v\d+)?\./, '')),
      );
      assert.deepEqual([...kinds].sort(), ['qidx', 'qpay', 'qseg', 'qtmb']);
      assert.deepEqual([...new Set(reader.directory.wal.map((w) => w.kind))].sort(), [2, 3, 4]);
      await reader.close();

      // Writes after the snapshot are not in it.
      await source.upsert(points(N, N + 10));
      await source.delete([5]);

      const restored = await db2.recoverSnapshot('docs', file, { checksum: snap.checksum });
      assert.deepEqual(await observe(restored), expected);

      const copy = await db.recoverSnapshot('docs-copy', file);
      assert.deepEqual(await observe(copy), expected);
      assert.equal(await source.count(), expected.info.count + 10 - 1);

      await db2.close();
      const reopened = await Quiver.open(b.path);
      try {
        assert.deepEqual(await observe(reopened.collection('docs')), expected);
      } finally {
        await reopened.close();
      }
    } finally {
      await db.close();
      await db2.close();
      a.cleanup();
      b.cleanup();
    }
  });

  test('provider fields keep their provider, options and stored inputs, and vectorize after a restore', async () => {
    const seen: [string, Record<string, unknown>][] = [];
    const fake: FieldEmbedder = {
      kind: 'text',
      dimension: 3,
      metric: 'cosine',
      embed: async (inputs) =>
        inputs.map((t) => Float32Array.from([String(t).length, 1, String(t).charCodeAt(0)])),
    };
    const embedders = async (name: string, options: Record<string, unknown>) => {
      seen.push([name, options]);
      return fake;
    };
    const a = tempDir();
    const b = tempDir();
    const db = await Quiver.open(a.path, { embedders });
    const db2 = await Quiver.open(b.path, { embedders });
    try {
      const c = await db.createCollection('captions', {
        vectors: { caption: { provider: 'fake-text', providerOptions: { lang: 'en' }, storeInput: true } },
      });
      const texts = ['hello', 'a longer text', 'zebra', 'hi', 'another caption here'];
      await c.upsert(texts.map((caption, id) => ({ id, caption })));
      const file = await db.snapshotPath('captions', (await db.createSnapshot('captions')).name);
      seen.length = 0;
      const restored = await db2.recoverSnapshot('captions', file);
      assert.deepEqual((await restored.info()).vectors, (await c.info()).vectors);
      assert.deepEqual(await restored.get([0, 4]), await c.get([0, 4]));
      assert.deepEqual((await restored.get([2]))[0].payload, { caption: 'zebra' });
      const hits = await restored.search({ caption: 'hullo' }, { k: 3 });
      assert.deepEqual(hits, await c.search({ caption: 'hullo' }, { k: 3 }));
      assert.deepEqual(seen, [['fake-text', { lang: 'en' }]]);
    } finally {
      await db.close();
      await db2.close();
      a.cleanup();
      b.cleanup();
    }
  });

  test('a snapshot taken while writes, seals and compactions go on holds a prefix of the writes', async () => {
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const c = await db.createCollection('live', {
        dimension: 4,
        segmentSize: 300,
        index: { type: 'flat' },
      });
      const batch = (b: number) =>
        Array.from({ length: 100 }, (_, j) => ({ id: b * 100 + j, vector: [b, j, 1, 2], payload: { b } }));
      for (let b = 0; b < 6; b++) await c.upsert(batch(b));
      await c.delete(Array.from({ length: 50 }, (_, j) => j * 2));
      const writes: Promise<unknown>[] = [];
      const snapshots: Promise<{ name: string }>[] = [];
      for (let b = 6; b < 30; b++) {
        writes.push(c.upsert(batch(b)));
        if (b % 6 === 0) snapshots.push(db.createSnapshot('live'));
        if (b % 5 === 0) writes.push(c.compact());
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(writes);
      const taken = await Promise.all(snapshots);
      assert.equal(taken.length, 4);
      for (const [n, snap] of taken.entries()) {
        const restored = await db.recoverSnapshot(`r${n}`, await db.snapshotPath('live', snap.name));
        const ids = [];
        let page = await restored.scroll({ limit: 10_000 });
        ids.push(...page.points.map((p) => p.id as number));
        while (page.nextCursor !== undefined) {
          page = await restored.scroll({ limit: 10_000, cursor: page.nextCursor });
          ids.push(...page.points.map((p) => p.id as number));
        }
        // Ids 0..98 even were deleted before any snapshot; the rest is whole batches, in order.
        const batches = (ids.length + 50) / 100;
        assert.ok(Number.isInteger(batches) && batches >= 6, `snapshot ${n} holds ${ids.length} points`);
        const expected = [];
        for (let id = 0; id < batches * 100; id++) if (id >= 100 || id % 2 === 1) expected.push(id);
        assert.deepEqual(ids, expected);
      }
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('a compaction committed while a snapshot copies its files defers deleting them until the copy is done', async () => {
    const dir = tempDir();
    /** Holds reads of segment files while `gate` is set. */
    class GatedStore extends FsObjectStore {
      gate: Promise<void> | undefined;
      held = 0;
      override async get(key: string): Promise<Uint8Array> {
        if (this.gate && key.endsWith('.qseg')) {
          this.held++;
          await this.gate;
        }
        return super.get(key);
      }
    }
    const store = new GatedStore(dir.path);
    const db = await Quiver.open(dir.path, { objectStore: store });
    try {
      const c = await db.createCollection('c', { dimension: 2, segmentSize: 100, index: { type: 'flat' } });
      await c.upsert(Array.from({ length: 300 }, (_, i) => ({ id: i, vector: [i, 1], payload: { i } })));
      await c.flush();
      await c.delete([0, 150, 299]);
      const state = await c.scroll({ limit: 1000, withVector: true });
      const before = await store.list('collections/');
      let open!: () => void;
      store.gate = new Promise((resolve) => (open = resolve));
      const taking = db.createSnapshot('c');
      while (store.held === 0) await new Promise((resolve) => setImmediate(resolve));
      // The snapshot has read its manifest and waits on a segment file: compact them all away.
      await c.compact();
      const kept = await store.list('collections/');
      for (const key of before) assert.ok(kept.includes(key), `${key} was deleted while pinned`);
      store.gate = undefined;
      open();
      const snap = await taking;
      const after = await store.list('collections/');
      assert.ok(before.filter((key) => key.endsWith('.qseg')).every((key) => !after.includes(key)));
      const restored = await db.recoverSnapshot('r', await db.snapshotPath('c', snap.name));
      assert.deepEqual(await restored.scroll({ limit: 1000, withVector: true }), state);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('listing, deleting and naming snapshots', async () => {
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const c = await db.createCollection('small', { dimension: 3 });
      await c.upsert([{ id: 1, vector: [1, 2, 3] }]);
      const first = await db.createSnapshot('small');
      await c.upsert([{ id: 2, vector: [1, 2, 4] }]);
      const second = await db.createSnapshot('small');
      assert.notEqual(first.checksum, second.checksum);
      assert.deepEqual(
        (await db.listSnapshots('small')).map((s) => s.name).sort(),
        [first.name, second.name].sort(),
      );
      // A snapshot whose checksum file is gone (a crash between the two renames) gets it back.
      const path = await db.snapshotPath('small', first.name);
      writeFileSync(`${path}.checksum`, 'garbage');
      assert.equal(
        (await db.listSnapshots('small')).find((s) => s.name === first.name)?.checksum,
        first.checksum,
      );

      await db.deleteSnapshot('small', first.name);
      assert.deepEqual(await db.listSnapshots('small'), [second]);
      await assert.rejects(db.deleteSnapshot('small', first.name), SnapshotNotFoundError);
      await assert.rejects(db.snapshotPath('small', '../catalog.sqlite'), InvalidArgumentError);
      await assert.rejects(db.snapshotPath('../x', second.name), InvalidArgumentError);
      await assert.rejects(db.createSnapshot('missing'), CollectionNotFoundError);
      assert.deepEqual(await db.listSnapshots('missing'), []);

      // Snapshots outlive their collection, which can be recovered from them.
      await db.dropCollection('small');
      assert.deepEqual(await db.listSnapshots('small'), [second]);
      const back = await db.recoverSnapshot('small', await db.snapshotPath('small', second.name));
      assert.deepEqual(
        (await back.get([1, 2], { withVector: true })).map((p) => p.id),
        [1, 2],
      );
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('recovering onto an existing collection replaces it', async () => {
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const c = await db.createCollection('x', { dimension: 2, payloadIndexes: { k: 'keyword' } });
      await c.upsert([{ id: 'a', vector: [1, 0], payload: { k: 'v' } }]);
      await c.flush();
      const snap = await db.createSnapshot('x');
      await db.dropCollection('x');
      const other = await db.createCollection('x', { dimension: 5 });
      await other.upsert([{ id: 'z', vector: [1, 2, 3, 4, 5] }]);
      await other.flush();
      const replaced = folders(dir.path);
      assert.equal(replaced.length, 1);
      const restored = await db.recoverSnapshot('x', await db.snapshotPath('x', snap.name));
      await assert.rejects(other.count(), CollectionNotFoundError);
      assert.equal(db.collection('x'), restored);
      assert.equal(restored.dimension, 2);
      assert.deepEqual((await restored.info()).payloadIndexes, { k: { type: 'keyword' } });
      assert.deepEqual(await restored.get(['a', 'z']), [{ id: 'a', payload: { k: 'v' } }]);
      // The replaced collection's folder is gone; only the restored one's is left.
      assert.equal(folders(dir.path).length, 1);
      assert.notDeepEqual(folders(dir.path), replaced);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('a restored collection never names a new file as one it still uses (its head restarts at version 2)', async () => {
    // A snapshot keeps its files' names, which carry the source's manifest versions (here
    // seg-000001.vV.qtmb and .qpay), while the restored head starts again at version 2. A seal
    // that reached version V and wrote seg-000001.vV.qtmb again deleted it as superseded, and
    // the collection no longer opened.
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const c = await db.createCollection('src', { dimension: 2 });
      await c.upsert(Array.from({ length: 10 }, (_, i) => ({ id: i, vector: [i, 1], payload: { n: i } })));
      await c.flush();
      for (let i = 0; i < 4; i++) {
        await c.upsert([{ id: 50 + i, vector: [2, i] }]);
        await c.flush();
      }
      await c.upsert(Array.from({ length: 20 }, (_, i) => ({ id: 100 + i, vector: [3, i] })));
      await c.flush();
      await c.delete([1]);
      await c.setPayload([3], { n: -3 });
      await c.flush();
      const snap = await db.createSnapshot('src');
      const restored = await db.recoverSnapshot('r', await db.snapshotPath('src', snap.name));
      const files = () => readdirSync(join(dir.path, 'collections', folders(dir.path).at(-1) as string));
      const named = files().find((f) => f.startsWith('seg-000001.') && f.endsWith('.qtmb')) as string;
      const version = Number(/\.v(\d+)\./.exec(named)?.[1]);
      assert.ok(version > 3 && version < 23, `${named}: the source's version`);
      // Seals touching only the 20-point segment (one version each), from version 3 up to
      // version - 1; then one touching segment 1 at `version`.
      for (let v = 3; v < version; v++) {
        await restored.delete([100 + v]);
        await restored.flush();
      }
      await restored.delete([2]);
      await restored.setPayload([4], { n: -4 });
      await restored.flush();
      const live = 10 + 4 + 20 - 1 - (version - 3) - 1;
      assert.equal(await restored.count(), live);
      await db.close();
      const again = await Quiver.open(dir.path);
      try {
        const r = again.collection('r');
        assert.equal(await r.count(), live);
        assert.deepEqual(await r.get([1, 2, 3, 4]), [
          { id: 3, payload: { n: -3 } },
          { id: 4, payload: { n: -4 } },
        ]);
      } finally {
        await again.close();
      }
    } finally {
      await db.close().catch(() => undefined);
      dir.cleanup();
    }
  });

  test('a foreign, truncated, damaged or wrong-checksum snapshot is refused and changes nothing', async () => {
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const c = await db.createCollection('keep', { dimension: 3, segmentSize: 10 });
      await c.upsert(Array.from({ length: 25 }, (_, i) => ({ id: i, vector: [i, 1, 2], payload: { i } })));
      const snap = await db.createSnapshot('keep');
      const good = readFileSync(await db.snapshotPath('keep', snap.name));
      // The target holds other data, which must survive every refused recovery.
      await c.delete([0, 1, 2]);
      const before = await c.scroll({ limit: 100, withVector: true });
      const foldersBefore = folders(dir.path);

      const bad = (name: string, bytes: Uint8Array) => {
        const path = join(dir.path, name);
        writeFileSync(path, bytes);
        return path;
      };
      const flipped = Uint8Array.from(good);
      flipped[Math.floor(flipped.length / 2)] ^= 0x10;
      const cases: [string, () => Promise<unknown>][] = [
        [
          'truncated',
          () => db.recoverSnapshot('keep', bad('t.snapshot', good.subarray(0, good.length - 100))),
        ],
        ['half', () => db.recoverSnapshot('keep', bad('h.snapshot', good.subarray(0, good.length >> 1)))],
        ['flipped', () => db.recoverSnapshot('keep', bad('f.snapshot', flipped))],
        [
          'foreign',
          () =>
            db.recoverSnapshot(
              'keep',
              bad('x.snapshot', new TextEncoder().encode('{"not":"a snapshot"}'.repeat(10))),
            ),
        ],
        ['empty', () => db.recoverSnapshot('keep', bad('e.snapshot', new Uint8Array(0)))],
        ['missing', () => db.recoverSnapshot('keep', join(dir.path, 'nope.snapshot'))],
        ['directory', () => db.recoverSnapshot('keep', dir.path)],
        ['checksum', () => db.recoverSnapshot('keep', bad('g.snapshot', good), { checksum: '0'.repeat(64) })],
        ['new name', () => db.recoverSnapshot('fresh', bad('f2.snapshot', flipped))],
      ];
      for (const [what, recover] of cases) {
        await assert.rejects(recover, SnapshotError, what);
      }
      await assert.rejects(
        db.recoverSnapshot('keep', bad('g.snapshot', good), { checksum: 'xyz' }),
        InvalidArgumentError,
      );
      assert.deepEqual(await db.listCollections(), ['keep']);
      assert.equal(db.collection('keep'), c);
      assert.deepEqual(await c.scroll({ limit: 100, withVector: true }), before);
      assert.deepEqual(folders(dir.path), foldersBefore);

      // The good file with the right checksum is accepted.
      await db.recoverSnapshot('keep', bad('g.snapshot', good), { checksum: snap.checksum.toUpperCase() });
      assert.equal(await db.collection('keep').count(), 25);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('a well-formed snapshot whose segment file does not verify is refused and leaves no trace', async () => {
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const c = await db.createCollection('seg', { dimension: 3, segmentSize: 10, index: { type: 'flat' } });
      await c.upsert(Array.from({ length: 15 }, (_, i) => ({ id: i, vector: [i, 1, 2] })));
      const original = await db.snapshotPath('seg', (await db.createSnapshot('seg')).name);
      // Re-pack it with a byte of the segment file changed: the snapshot's own checksums verify.
      const reader = await SnapshotReader.open(original, 'original');
      const forged = join(dir.path, 'forged.snapshot');
      const writer = await SnapshotWriter.create(forged);
      const directory = structuredClone(reader.directory);
      directory.files = [];
      for (const f of reader.directory.files) {
        const bytes = await reader.read(f);
        if (f.key.endsWith('.qseg')) bytes[bytes.length - 20] ^= 1;
        directory.files.push({ key: f.key, ...(await writer.addBlob(bytes)) });
      }
      directory.wal = [];
      for (const w of reader.directory.wal)
        directory.wal.push({ kind: w.kind, ...(await writer.addBlob(await reader.read(w))) });
      await writer.finish(directory);
      await reader.close();

      const foldersBefore = folders(dir.path);
      await assert.rejects(db.recoverSnapshot('seg', forged), (err: Error) => {
        assert.ok(err instanceof SnapshotError);
        assert.match(err.message, /holds data that does not verify: seg-000001\.qseg: /);
        assert.ok(!err.message.includes('collections/') && !err.message.includes('catalog'), err.message);
        return true;
      });
      await assert.rejects(db.recoverSnapshot('other', forged), SnapshotError);
      assert.deepEqual(await db.listCollections(), ['seg']);
      assert.equal(await c.count(), 15);
      assert.deepEqual(folders(dir.path), foldersBefore);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('opening drops a restore that a crash interrupted', async () => {
    const dir = tempDir();
    await (await Quiver.open(dir.path)).close();
    const catalog = SqliteCatalog.open(join(dir.path, 'catalog.sqlite'));
    const pending = catalog.createCollection(
      '.restore-crashed',
      JSON.stringify({ dimension: 2, metric: 'l2', segmentSize: 10, index: { type: 'flat' } }),
      () => JSON.stringify(emptyManifest()),
    );
    catalog.close();
    const db = await Quiver.open(dir.path);
    try {
      assert.deepEqual(await db.listCollections(), []);
      assert.equal(pending.id > 0, true);
    } finally {
      await db.close();
    }
    const check = SqliteCatalog.open(join(dir.path, 'catalog.sqlite'));
    try {
      assert.deepEqual(check.listCollections(), []);
    } finally {
      check.close();
      dir.cleanup();
    }
  });

  test('a pinned object outlives its deletion until the pin is released', async () => {
    const deleted: string[] = [];
    const inner = {
      put: async () => undefined,
      get: async () => new Uint8Array(),
      list: async () => [],
      delete: async (key: string) => {
        deleted.push(key);
      },
      deletePrefix: async () => undefined,
      folders: async () => [],
      removeTemporary: async () => undefined,
    };
    const store = new PinningObjectStore(inner);
    const releaseA = store.pin(['a', 'b']);
    const releaseB = store.pin(['b']);
    await store.delete('a');
    await store.delete('b');
    await store.delete('c');
    assert.deepEqual(deleted, ['c']);
    await releaseA();
    assert.deepEqual(deleted, ['c', 'a']);
    await releaseA();
    assert.deepEqual(deleted, ['c', 'a']);
    await releaseB();
    assert.deepEqual(deleted, ['c', 'a', 'b']);
  });
});
