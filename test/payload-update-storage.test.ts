/**
 * Payload updates on disk: no vector bytes in the WAL or segment files and no vector index
 * rebuilt; overlay files written at seal and folded in at compaction; manifests of the
 * previous format still opening; damaged overlay files refused; a seal that cannot write an
 * overlay file losing nothing; and SIGKILL during large updates leaving each call
 * all-or-nothing with every acknowledged one kept.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { CorruptDataError, Quiver, SeededRandom } from '../src/index.js';
import { manifestCrc } from '../src/storage/catalog-rows.js';
import { FsObjectStore } from '../src/storage/object-store.js';
import { WalKind } from '../src/storage/wal-record.js';
import { killAfterAcks } from './support/crash-child.js';
import { FaultyObjectStore, InjectedFault } from './support/faulty-object-store.js';
import { DIM, filesOf, filled, payloadOf, sha, walRows, withDb } from './support/payload-update.js';
import { tempDir } from './support/reference.js';

test('a payload change writes no vector bytes and rebuilds no vector index; overlays fold in at compaction', async () => {
  const dir = tempDir();
  const segmentFiles = () => filesOf(dir.path).filter((f) => f.endsWith('.qseg') || f.endsWith('.qidx'));
  let before = new Map<string, string>();
  try {
    await withDb(async (db) => {
      const rng = new SeededRandom(5);
      const col = await db.createCollection('h', {
        dimension: 64,
        segmentSize: 500,
        index: { type: 'hnsw', M: 8, efConstruction: 40 },
        payloadIndexes: { tag: 'keyword' },
      });
      await col.upsert(
        Array.from({ length: 1000 }, (_, i) => ({
          id: i,
          vector: Array.from({ length: 64 }, () => rng.gaussian()),
          payload: { tag: `t${i % 10}` },
        })),
      );
      await col.flush();
      before = new Map(segmentFiles().map((f) => [f, sha(f)]));
      const indexes = col.storage.set.sealed.map((p) => p.segment.index(0));
      assert.equal(indexes.length, 2);

      assert.equal(
        await col.setPayload(
          { filter: { must: [{ key: 'tag', match: { value: 't3' } }] } },
          { tag: 'moved', note: 'x'.repeat(10) },
        ),
        100,
      );
      assert.deepEqual(
        col.storage.set.sealed.map((p) => p.segment.index(0)),
        indexes,
        'vector indexes kept',
      );
    }, dir);
    const rows = walRows(dir.path);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].kind, WalKind.PAYLOAD);
    // 100 ids and the payload: far less than one 64-d vector per point (256 bytes each).
    assert.ok(rows[0].bytes < 100 * 16, `WAL row of ${rows[0].bytes} bytes`);
    await withDb(async (db) => {
      const col = db.collection('h');
      await col.flush();
      assert.deepEqual(
        new Map(segmentFiles().map((f) => [f, sha(f)])),
        before,
        'segment and index files unchanged',
      );
      assert.equal(
        filesOf(dir.path).filter((f) => f.endsWith('.qpay')).length,
        2,
        'one overlay file per changed segment',
      );
      assert.equal(await col.count({ filter: { must: [{ key: 'tag', match: { value: 'moved' } }] } }), 100);

      // A small overlay stays beside its segment at compaction; a large one is folded in.
      await col.compact();
      assert.equal(filesOf(dir.path).filter((f) => f.endsWith('.qpay')).length, 2);
      await col.setPayload(
        { filter: { must: [{ key: 'tag', match: { value: 'moved' } }] } },
        { tag: 'back' },
      );
      await col.setPayload(
        Array.from({ length: 200 }, (_, i) => i),
        { big: true },
      );
      await col.compact();
      const overlays = filesOf(dir.path).filter((f) => f.endsWith('.qpay'));
      assert.equal(overlays.length, 1, 'the segment whose overlay held 40% of its rows was rewritten');
      assert.equal(await col.count({ filter: { must: [{ key: 'big', match: { value: true } }] } }), 200);
      assert.equal(await col.count({ filter: { must: [{ key: 'tag', match: { value: 'back' } }] } }), 100);
    }, dir);
    await withDb(async (db) => {
      const col = db.collection('h');
      assert.equal(await col.count({ filter: { must: [{ key: 'big', match: { value: true } }] } }), 200);
      assert.equal(await col.count({ filter: { must: [{ key: 'tag', match: { value: 'back' } }] } }), 100);
      assert.deepEqual(await payloadOf(col, 3), { tag: 'back', note: 'xxxxxxxxxx', big: true });
      assert.deepEqual(await payloadOf(col, 503), { tag: 'back', note: 'xxxxxxxxxx' });
    }, dir);
  } finally {
    dir.cleanup();
  }
});

test('a catalog whose manifest is format version 1 still opens, and its next manifest is version 2', async () => {
  const dir = tempDir();
  try {
    await withDb(async (db) => {
      const col = await filled(db, 50, { seal: true });
      await col.upsert([{ id: 100, vector: new Array(DIM).fill(0.5), payload: { late: true } }]);
    }, dir);
    const catalog = new Sqlite(join(dir.path, 'catalog.sqlite'));
    const head = catalog.prepare('SELECT collection_id, version, body FROM manifests').get() as {
      collection_id: number;
      version: number;
      body: string;
    };
    const body = JSON.stringify({ ...JSON.parse(head.body), formatVersion: 1 });
    catalog
      .prepare('UPDATE manifests SET body = ?, crc = ? WHERE collection_id = ? AND version = ?')
      .run(body, manifestCrc(head.collection_id, head.version, body), head.collection_id, head.version);
    catalog.close();
    await withDb(async (db) => {
      const col = db.collection('p');
      assert.equal(await col.count(), 51);
      assert.equal(await col.setPayload([7, 100], { v: 2 }), 2);
      await col.flush();
    }, dir);
    await withDb(async (db) => {
      assert.deepEqual(await payloadOf(db.collection('p'), 7), { i: 7, tag: 'odd', meta: { n: 7 }, v: 2 });
      assert.deepEqual(await payloadOf(db.collection('p'), 100), { late: true, v: 2 });
    }, dir);
    const check = new Sqlite(join(dir.path, 'catalog.sqlite'), { readonly: true });
    const { body: latest } = check.prepare('SELECT body FROM manifests').get() as { body: string };
    check.close();
    assert.equal(JSON.parse(latest).formatVersion, 2);
  } finally {
    dir.cleanup();
  }
});

const crashWriter = fileURLToPath(new URL('./fixtures/payload-crash-writer.js', import.meta.url));
const CRASH_POINTS = 9000;

test('SIGKILL during large payload updates: after restart each call is all-or-nothing and every acknowledged one is there', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(21);
  let lastAcked = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const acked = await killAfterAcks(crashWriter, [dir.path], 1 + rng.int(4), rng.int(20));
      assert.ok(acked >= lastAcked, `round ${round} acknowledged generation ${acked}`);
      await withDb(async (db) => {
        const col = db.collection('pc');
        assert.equal(await col.count(), CRASH_POINTS);
        const page = await col.scroll({ limit: CRASH_POINTS, withPayload: true });
        const generations = new Set(page.points.map((p) => (p.payload as { gen: number }).gen));
        assert.equal(
          generations.size,
          1,
          `round ${round}: one generation everywhere, got ${[...generations]}`,
        );
        const [gen] = generations;
        assert.ok(gen >= acked, `round ${round}: acknowledged generation ${acked} lost (found ${gen})`);
        assert.ok(gen <= acked + 1, `round ${round}: generation ${gen} was never started`);
        for (const p of page.points) assert.deepEqual(p.payload, { gen, tag: `t${gen % 5}` });
        // The indexes agree with the payloads after replay.
        assert.equal(
          await col.count({ filter: { must: [{ key: 'gen', match: { value: gen } }] } }),
          CRASH_POINTS,
        );
        assert.equal(
          await col.count({ filter: { must: [{ key: 'tag', match: { value: `t${gen % 5}` } }] } }),
          CRASH_POINTS,
        );
        lastAcked = gen;
      }, dir);
    }
  } finally {
    dir.cleanup();
  }
});

test('a damaged or truncated overlay file makes its collection unavailable with CorruptDataError naming it', async () => {
  for (const damage of ['flip', 'truncate'] as const) {
    const dir = tempDir();
    try {
      await withDb(async (db) => {
        const col = await filled(db, 40, { seal: true });
        await col.setPayload([3], { changed: true });
        await col.flush();
      }, dir);
      const [file] = filesOf(dir.path).filter((f) => f.endsWith('.qpay'));
      const bytes = readFileSync(file);
      if (damage === 'flip') bytes[30] ^= 1;
      writeFileSync(file, damage === 'flip' ? bytes : bytes.subarray(0, bytes.length - 3));
      await withDb(async (db) => {
        await assert.rejects(
          async () => db.collection('p').loaded(),
          (err: unknown) => err instanceof CorruptDataError && err.message.includes(basename(file)),
        );
      }, dir);
    } finally {
      dir.cleanup();
    }
  }
});

test('a seal that cannot write its overlay file fails without losing the update; a later seal or a reopen recovers it', async () => {
  const dir = tempDir();
  const store = new FaultyObjectStore(new FsObjectStore(dir.path));
  try {
    let db = await Quiver.open(dir.path, { objectStore: store });
    try {
      const col = await filled(db, 40, { seal: true });
      assert.equal(await col.setPayload([5], { failed: 'seal' }), 1);
      store.failPuts = true;
      await assert.rejects(col.flush(), InjectedFault);
      assert.deepEqual(
        filesOf(dir.path).filter((f) => f.endsWith('.qpay')),
        [],
        'no stray overlay file',
      );
      assert.deepEqual(await payloadOf(col, 5), { i: 5, tag: 'odd', meta: { n: 5 }, failed: 'seal' });
      assert.equal(await col.count({ filter: { must: [{ key: 'failed', match: { value: 'seal' } }] } }), 1);
      store.failPuts = false;
      assert.equal(await col.setPayload([6], { failed: 'later' }), 1);
    } finally {
      await db.close();
    }
    db = await Quiver.open(dir.path);
    try {
      const col = db.collection('p');
      assert.deepEqual(await payloadOf(col, 5), { i: 5, tag: 'odd', meta: { n: 5 }, failed: 'seal' });
      await col.flush();
      assert.equal(filesOf(dir.path).filter((f) => f.endsWith('.qpay')).length, 1);
    } finally {
      await db.close();
    }
    await withDb(async (db) => {
      const col = db.collection('p');
      assert.deepEqual(await payloadOf(col, 6), { i: 6, tag: 'even', meta: { n: 6 }, failed: 'later' });
      assert.equal(await col.count({ filter: { must: [{ key: 'failed', exists: true }] } }), 2);
    }, dir);
  } finally {
    dir.cleanup();
  }
});
