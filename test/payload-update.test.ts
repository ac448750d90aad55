/**
 * Payload updates (setPayload, overwritePayload, deletePayloadKeys, clearPayload): their
 * semantics by ids and by filter on growing and sealed segments; payload indexes of every
 * kind answering from the index afterwards; persistence through reopen, seal and
 * compaction; no vector bytes written and no vector index rebuilt; typed rejections; and a
 * drop racing an update.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import type { EmbeddedCollection } from '../src/db/collection.js';
import {
  CollectionNotFoundError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { compileFilter, type Filter } from '../src/payload/filter.js';
import { manifestCrc } from '../src/storage/catalog-rows.js';
import { WalKind } from '../src/storage/wal-record.js';
import { tempDir } from './support/reference.js';

const DIM = 16;

type Database = Awaited<ReturnType<typeof Quiver.open>>;

function vectorOf(rng: SeededRandom): number[] {
  return Array.from({ length: DIM }, () => rng.gaussian());
}

async function withDb<T>(work: (db: Database, dir: string) => Promise<T>, dir = tempDir()): Promise<T> {
  const db = await Quiver.open(dir.path);
  try {
    return await work(db, dir.path);
  } finally {
    await db.close();
  }
}

/** A collection of `n` points with ids 0..n-1 and payloads `{ i, tag, meta: { n } }`. */
async function filled(db: Database, n: number, options: { seal?: boolean; segmentSize?: number } = {}) {
  const rng = new SeededRandom(3);
  const col = await db.createCollection('p', {
    dimension: DIM,
    segmentSize: options.segmentSize ?? 1000,
    index: { type: 'flat' },
  });
  await col.upsert(
    Array.from({ length: n }, (_, i) => ({
      id: i,
      vector: vectorOf(rng),
      payload: { i, tag: i % 2 === 0 ? 'even' : 'odd', meta: { n: i } },
    })),
  );
  if (options.seal) await col.flush();
  return col;
}

async function payloadOf(col: EmbeddedCollection, id: number | string): Promise<unknown> {
  const [p] = await col.get([id]);
  return p?.payload;
}

for (const sealed of [false, true]) {
  const where = sealed ? 'sealed' : 'growing';

  test(`setPayload merges keys by ids on a ${where} segment, skipping ids that do not exist`, async () => {
    await withDb(async (db) => {
      const col = await filled(db, 20, { seal: sealed });
      assert.equal(await col.setPayload([1, 2, 2, 999], { tag: 'new', extra: [1, 2] }), 2);
      assert.deepEqual(await payloadOf(col, 1), { i: 1, tag: 'new', meta: { n: 1 }, extra: [1, 2] });
      assert.deepEqual(await payloadOf(col, 3), { i: 3, tag: 'odd', meta: { n: 3 } });
      assert.equal(await col.setPayload([999, 'nope'], { tag: 'x' }), 0);
    });
  });

  test(`setPayload with a key merges into (and creates) the object at that path on a ${where} segment`, async () => {
    await withDb(async (db) => {
      const col = await filled(db, 10, { seal: sealed });
      await col.setPayload([1], { author: 'ann' }, { key: 'meta' });
      assert.deepEqual(await payloadOf(col, 1), { i: 1, tag: 'odd', meta: { n: 1, author: 'ann' } });
      await col.setPayload([2], { deep: true }, { key: 'a.b.c' });
      assert.deepEqual(await payloadOf(col, 2), {
        i: 2,
        tag: 'even',
        meta: { n: 2 },
        a: { b: { c: { deep: true } } },
      });
      // A value on the path that is not an object is replaced by one.
      await col.setPayload([3], { x: 1 }, { key: 'tag' });
      assert.deepEqual(await payloadOf(col, 3), { i: 3, tag: { x: 1 }, meta: { n: 3 } });
    });
  });

  test(`overwritePayload, deletePayloadKeys and clearPayload by filter on a ${where} segment`, async () => {
    await withDb(async (db) => {
      const col = await filled(db, 30, { seal: sealed });
      const odd: Filter = { must: [{ key: 'tag', match: { value: 'odd' } }] };
      assert.equal(await col.overwritePayload({ filter: odd }, { tag: 'odd', only: true }), 15);
      assert.deepEqual(await payloadOf(col, 5), { tag: 'odd', only: true });
      assert.deepEqual(await payloadOf(col, 4), { i: 4, tag: 'even', meta: { n: 4 } });

      const even: Filter = { must: [{ key: 'tag', match: { value: 'even' } }] };
      assert.equal(await col.deletePayloadKeys({ filter: even }, ['meta.n', 'missing', 'i']), 15);
      assert.deepEqual(await payloadOf(col, 4), { tag: 'even', meta: {} });

      assert.equal(
        await col.clearPayload({ filter: { must: [{ key: 'only', match: { value: true } }] } }),
        15,
      );
      assert.deepEqual(await payloadOf(col, 5), {});
      assert.equal(await col.count({ filter: odd }), 0);
      assert.equal(await col.count({ filter: even }), 15);
      assert.equal(await col.clearPayload({ filter: odd }), 0);
    });
  });
}

test('deletePayloadKeys walks through arrays like filters do, and leaves other points alone', async () => {
  await withDb(async (db) => {
    const col = await db.createCollection('a', { dimension: 2, index: { type: 'flat' } });
    const payload = { authors: [{ name: 'x', age: 1 }, { name: 'y' }, 'plain'], keep: 1 };
    await col.upsert([
      { id: 1, vector: [1, 0], payload },
      { id: 2, vector: [0, 1], payload },
    ]);
    assert.equal(await col.deletePayloadKeys([1], ['authors.name']), 1);
    assert.deepEqual(await payloadOf(col, 1), { authors: [{ age: 1 }, {}, 'plain'], keep: 1 });
    assert.deepEqual(await payloadOf(col, 2), payload);
  });
});

test('a point changed, then upserted again, takes the upserted payload; a deleted one is not counted', async () => {
  await withDb(async (db) => {
    const col = await filled(db, 10, { seal: true });
    await col.setPayload([1, 2], { tag: 'changed' });
    await col.upsert([{ id: 1, vector: new Array(DIM).fill(1), payload: { fresh: true } }]);
    await col.delete([2]);
    assert.deepEqual(await payloadOf(col, 1), { fresh: true });
    assert.equal(await col.setPayload([1, 2], { more: 1 }), 1);
    await col.flush();
    await col.compact();
    assert.deepEqual(await payloadOf(col, 1), { fresh: true, more: 1 });
    assert.equal((await col.get([2])).length, 0);
  });
});

/** The ids whose payload matches `filter`, computed from the payloads alone. */
function modelMatches(model: Map<number, Record<string, unknown> | null>, filter: Filter): number[] {
  const predicate = compileFilter(filter);
  return [...model]
    .filter(([, p]) => predicate(p ?? {}))
    .map(([id]) => id)
    .sort((a, b) => a - b);
}

const INDEXED_FILTERS: Filter[] = [
  { must: [{ key: 'color', match: { value: 'red' } }] },
  { must: [{ key: 'color', match: { any: ['blue', 'green'] } }] },
  { must: [{ key: 'tenant', match: { value: 't1' } }] },
  { must: [{ key: 'rank', range: { gte: 10, lt: 40 } }] },
  { must: [{ key: 'score', range: { gt: 0.5 } }] },
  { must: [{ key: 'flag', match: { value: true } }] },
  { must: [{ key: 'when', range: { gte: '2024-06-01T00:00:00Z' } }] },
  { must: [{ key: 'body', match: { text: 'zebra' } }] },
  { must: [{ key: 'meta.author', match: { value: 'ann' } }] },
  { must_not: [{ key: 'color', match: { value: 'red' } }] },
  { must: [{ key: 'rank', exists: true }] },
];

test('payload indexes of every kind answer filters from the index after random updates, through seal, compaction and reopen', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(11);
  const colors = ['red', 'blue', 'green'];
  const words = ['zebra', 'lion', 'tiger', 'otter'];
  const randomPayload = (): Record<string, unknown> => ({
    color: colors[rng.int(3)],
    tenant: `t${rng.int(3)}`,
    rank: rng.int(60),
    score: rng.next(),
    flag: rng.int(2) === 0,
    when: `2024-${String(1 + rng.int(12)).padStart(2, '0')}-15T00:00:00Z`,
    body: `the ${words[rng.int(4)]} and the ${words[rng.int(4)]}`,
    meta: { author: rng.int(2) === 0 ? 'ann' : 'bob' },
  });
  const model = new Map<number, Record<string, unknown> | null>();
  const check = async (col: EmbeddedCollection, step: string) => {
    for (const filter of INDEXED_FILTERS) {
      const expected = modelMatches(model, filter);
      assert.equal(
        await col.count({ filter }),
        expected.length,
        `${step}: count of ${JSON.stringify(filter)}`,
      );
      // Every key here is indexed and every value has the index's type: the indexes alone answer,
      // so a filter evaluation that read a payload would throw.
      for (const view of col.storage.set.views()) {
        view.payloadIndex.filter(filter, view.rows, () => {
          throw new Error(`${step}: a payload was read for ${JSON.stringify(filter)}`);
        });
      }
      const page = await col.scroll({ filter, limit: 1000, withPayload: true });
      assert.deepEqual(
        page.points.map((p) => p.id),
        expected,
        `${step}: scroll of ${JSON.stringify(filter)}`,
      );
      for (const p of page.points) assert.deepEqual(p.payload, model.get(p.id as number) ?? {});
    }
    const hits = await col.search(new Array(DIM).fill(0.1), {
      k: 500,
      filter: INDEXED_FILTERS[0],
      withPayload: true,
    });
    assert.deepEqual(
      hits.map((h) => h.id as number).sort((a, b) => a - b),
      modelMatches(model, INDEXED_FILTERS[0]),
      `${step}: filtered search`,
    );
    const text = await col.search({ text: 'zebra', textField: 'body' }, { k: 500 });
    assert.deepEqual(
      text.map((h) => h.id as number).sort((a, b) => a - b),
      modelMatches(model, INDEXED_FILTERS[7]),
      `${step}: BM25 search`,
    );
  };

  const randomOps = async (col: EmbeddedCollection, count: number) => {
    for (let op = 0; op < count; op++) {
      const ids = Array.from({ length: 1 + rng.int(40) }, () => rng.int(420));
      const byFilter = rng.int(3) === 0;
      const filter = INDEXED_FILTERS[rng.int(INDEXED_FILTERS.length - 1)];
      const selected = byFilter
        ? modelMatches(model, filter)
        : [...new Set(ids)].filter((id) => model.has(id));
      const selector = byFilter ? { filter } : ids;
      const kind = rng.int(5);
      let n: number;
      if (kind === 0 || kind === 1) {
        const change = randomPayload();
        const part = Object.fromEntries(Object.entries(change).filter(() => rng.int(2) === 0));
        n = await col.setPayload(selector, part);
        for (const id of selected) model.set(id, { ...model.get(id), ...part });
      } else if (kind === 2) {
        const author = rng.int(2) === 0 ? 'ann' : 'cat';
        n = await col.setPayload(selector, { author }, { key: 'meta' });
        for (const id of selected) {
          const p = model.get(id) ?? {};
          const meta = typeof p.meta === 'object' && p.meta !== null && !Array.isArray(p.meta) ? p.meta : {};
          model.set(id, { ...p, meta: { ...meta, author } });
        }
      } else if (kind === 3) {
        const payload = randomPayload();
        n = await col.overwritePayload(selector, payload);
        for (const id of selected) model.set(id, { ...payload });
      } else {
        const keys = ['color', 'rank', 'body', 'meta.author', 'when'].filter(() => rng.int(2) === 0);
        if (keys.length === 0) {
          n = await col.clearPayload(selector);
          for (const id of selected) model.set(id, null);
        } else {
          n = await col.deletePayloadKeys(selector, keys);
          for (const id of selected) {
            const p = model.get(id);
            if (!p) continue;
            const next = structuredClone(p);
            for (const key of keys) {
              const [head, tail] = key.split('.');
              if (tail === undefined) delete next[head];
              else if (typeof next[head] === 'object' && next[head] !== null)
                delete (next[head] as Record<string, unknown>)[tail];
            }
            model.set(id, next);
          }
        }
      }
      assert.equal(n, selected.length, `op ${op}: count of points changed`);
    }
  };

  try {
    await withDb(async (db) => {
      const col = await db.createCollection('idx', {
        dimension: DIM,
        segmentSize: 150,
        index: { type: 'flat' },
        payloadIndexes: {
          color: 'keyword',
          tenant: { type: 'keyword', partitioned: true },
          rank: 'integer',
          score: 'float',
          flag: 'bool',
          when: 'datetime',
          body: { type: 'text', analyzer: 'english' },
          'meta.author': 'keyword',
        },
      });
      for (let i = 0; i < 400; i += 50) {
        const batch = Array.from({ length: 50 }, (_, j) => ({
          id: i + j,
          vector: vectorOf(rng),
          payload: randomPayload(),
        }));
        await col.upsert(batch);
        for (const p of batch) model.set(p.id, p.payload);
      }
      assert.ok(col.storage.sealedCount >= 2, 'some points are in sealed segments');
      assert.ok(col.storage.set.growing.rows > 0, 'some points are in the growing segment');
      await randomOps(col, 40);
      await check(col, 'after updates');
      await col.flush();
      await check(col, 'after seal');
      await randomOps(col, 20);
      await col.delete([0, 1, 2, 3, 200]);
      for (const id of [0, 1, 2, 3, 200]) model.delete(id);
      await col.compact();
      await check(col, 'after compaction');
      await randomOps(col, 20);
    }, dir);
    await withDb(async (db) => {
      await check(db.collection('idx'), 'after reopen (WAL replay)');
      await db.collection('idx').flush();
    }, dir);
    await withDb(async (db) => {
      await check(db.collection('idx'), 'after reopen (overlay files)');
    }, dir);
  } finally {
    dir.cleanup();
  }
});

function filesOf(dir: string): string[] {
  const collections = join(dir, 'collections');
  return readdirSync(collections).flatMap((c) =>
    readdirSync(join(collections, c)).map((f) => join(collections, c, f)),
  );
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function walRows(dir: string): { kind: number; bytes: number }[] {
  const db = new Sqlite(join(dir, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT kind, length(body) AS bytes FROM wal ORDER BY seq').all() as {
      kind: number;
      bytes: number;
    }[];
  } finally {
    db.close();
  }
}

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

test('bad input is rejected with typed errors and changes nothing', async () => {
  await withDb(async (db) => {
    const col = await filled(db, 5);
    const call = col as unknown as Record<string, (...args: unknown[]) => Promise<number>>;
    await assert.rejects(call.setPayload([1], ['not', 'an', 'object']), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], 'text'), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], null), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1n }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, { key: '' }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, { key: 'a..b' }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, { key: 7 }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, 'meta'), InvalidArgumentError);
    await assert.rejects(call.overwritePayload([1], 5), InvalidArgumentError);
    await assert.rejects(call.deletePayloadKeys([1], 'a'), InvalidArgumentError);
    await assert.rejects(call.deletePayloadKeys([1], []), InvalidArgumentError);
    await assert.rejects(call.deletePayloadKeys([1], ['ok', '.bad']), InvalidArgumentError);
    await assert.rejects(call.clearPayload('all'), InvalidArgumentError);
    await assert.rejects(call.clearPayload({ ids: [1] }), InvalidArgumentError);
    await assert.rejects(call.clearPayload([1, -2]), InvalidIdError);
    await assert.rejects(
      call.clearPayload({ filter: { must: [{ key: 'a', match: {} }] } }),
      InvalidFilterError,
    );
    assert.deepEqual(await payloadOf(col, 1), { i: 1, tag: 'odd', meta: { n: 1 } });
    assert.equal(col.storage.lastSeq, 1, 'nothing was logged');
  });
});

test('an update racing a drop is rejected with CollectionNotFoundError and leaves nothing behind', async () => {
  const dir = tempDir();
  try {
    await withDb(async (db) => {
      const col = await filled(db, 100, { seal: true });
      await col.setPayload([1], { before: true });
      const updates = [
        col.setPayload({ filter: { must: [{ key: 'tag', match: { value: 'odd' } }] } }, { x: 1 }),
        col.overwritePayload([2, 3], { y: 1 }),
        col.deletePayloadKeys([4], ['i']),
        col.clearPayload([5]),
      ].map((p) => assert.rejects(p, CollectionNotFoundError));
      await Promise.all([...updates, db.dropCollection('p')]);
      await assert.rejects(col.setPayload([1], { after: true }), CollectionNotFoundError);
    }, dir);
    assert.deepEqual(walRows(dir.path), []);
    await withDb(async (db) => {
      await db.createCollection('p', { dimension: DIM });
    }, dir);
    await withDb(async (db) => {
      assert.equal(await db.collection('p').count(), 0);
    }, dir);
  } finally {
    dir.cleanup();
  }
});

const crashWriter = fileURLToPath(new URL('./fixtures/payload-crash-writer.js', import.meta.url));
const CRASH_POINTS = 9000;

/** Runs the writer until it has acknowledged `afterAcks` generations, kills it, returns the last acknowledged one. */
function runAndKill(dir: string, afterAcks: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [crashWriter, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1;
    let acks = 0;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const m = /^ack (\d+)$/.exec(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (!m) continue;
        acked = Number(m[1]);
        if (++acks === afterAcks) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

test('SIGKILL during large payload updates: after restart each call is all-or-nothing and every acknowledged one is there', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(21);
  let lastAcked = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const acked = await runAndKill(dir.path, 1 + rng.int(4), rng.int(20));
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

test('value partitions of a partitioned keyword key stop being used when its values change, and are rebuilt from the new values', async () => {
  await withDb(async (db) => {
    const rng = new SeededRandom(9);
    const rows = 10_000;
    const col = await db.createCollection('tenants', {
      dimension: 8,
      segmentSize: rows,
      index: { type: 'hnsw', M: 16, efConstruction: 64 },
      payloadIndexes: { tenant: { type: 'keyword', partitioned: true } },
    });
    const vectors = Array.from({ length: rows }, () => Array.from({ length: 8 }, () => rng.gaussian()));
    await col.upsert(vectors.map((vector, i) => ({ id: i, vector, payload: { tenant: `t${i % 9}` } })));
    await col.flush();
    const segment = () => col.storage.set.sealed[0].segment;
    assert.equal(segment().partition(0, 'tenant', 't0')?.size, 1112);
    assert.equal(segment().partition(0, 'tenant', 't1')?.size, 1111);

    // 100 points of t1 move to t0: t0 then holds 1,212 rows, t1 1,011 (too few for a partition).
    const moved = Array.from({ length: 100 }, (_, j) => 1 + 9 * j);
    assert.equal(await col.setPayload(moved, { tenant: 't0' }), 100);
    assert.equal(segment().partition(0, 'tenant', 't0'), undefined, 'the old partition is out of date');
    const t0 = { must: [{ key: 'tenant', match: { value: 't0' } }] };
    const findsMoved = async () => {
      for (const id of moved.slice(0, 20)) {
        const [hit] = await col.search(vectors[id], { k: 1, filter: t0 });
        assert.equal(hit.id, id);
      }
    };
    await findsMoved();
    await col.flush();
    assert.equal(segment().partition(0, 'tenant', 't0')?.size, 1212, 'rebuilt from the new values');
    assert.equal(segment().partition(0, 'tenant', 't1'), undefined);
    assert.equal(segment().partition(0, 'tenant', 't2')?.size, 1111, 'the other values have theirs again');
    await findsMoved();
  });
});
