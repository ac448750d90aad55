/**
 * Operations racing a drop of their collection: each either completes before the drop or
 * fails with `CollectionNotFoundError`; nothing is acknowledged that is not kept, and no
 * WAL row, manifest or folder of the dropped collection survives (at drop, and at open for
 * what older versions left behind).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { CollectionNotFoundError, Quiver, SeededRandom } from '../src/index.js';
import { tempDir } from './support/reference.js';

const DIM = 8;

function points(rng: SeededRandom, from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: from + i,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: { i: from + i },
  }));
}

/** Settles `p`: 'ok', or 'gone' for `CollectionNotFoundError`; any other failure is rethrown. */
async function outcome(p: Promise<unknown>): Promise<'ok' | 'gone'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof CollectionNotFoundError) return 'gone';
    throw err;
  }
}

function catalogRows(dir: string): { wal: number; manifests: number; collections: number } {
  const db = new Sqlite(join(dir, 'catalog.sqlite'), { readonly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { wal: count('wal'), manifests: count('manifests'), collections: count('collections') };
  } finally {
    db.close();
  }
}

test("the issue's reproduction: upsert, drop and compact sent together", async () => {
  const dir = tempDir();
  const rng = new SeededRandom(5);
  const db = await Quiver.open(dir.path);
  const r = await db.createCollection('r', { dimension: DIM, segmentSize: 1000, index: { type: 'flat' } });
  await r.upsert(points(rng, 0, 200));
  await r.flush();
  await r.delete([0, 1, 2]);
  // Not yet committed when the drop is asked for: rejected, never acknowledged.
  const upsert = assert.rejects(r.upsert(points(rng, 1000, 3000)), CollectionNotFoundError);
  const drop = db.dropCollection('r');
  const compact = assert.rejects(r.compact(), CollectionNotFoundError);
  await Promise.all([upsert, drop, compact]);
  await assert.rejects(r.flush(), CollectionNotFoundError);
  await assert.rejects(r.upsert(points(rng, 9000, 1)), CollectionNotFoundError);
  await assert.rejects(r.delete([5]), CollectionNotFoundError);
  await assert.rejects(r.createPayloadIndex('i', 'integer'), CollectionNotFoundError);
  await db.close();
  assert.deepEqual(catalogRows(dir.path), { wal: 0, manifests: 0, collections: 0 });
  assert.deepEqual(readdirSync(join(dir.path, 'collections')), []);
  dir.cleanup();
});

test('writes queued behind a drop are rejected and leave no WAL rows', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(6);
  const db = await Quiver.open(dir.path);
  const c = await db.createCollection('c', { dimension: DIM, segmentSize: 1000 });
  await c.upsert(points(rng, 0, 10));
  const drop = db.dropCollection('c');
  // Submitted after the drop, in the same turn: they join a commit group behind it.
  const writes = [c.upsert(points(rng, 100, 5)), c.delete([1, 2]), c.upsert(points(rng, 200, 5))];
  await Promise.all([drop, ...writes.map((w) => assert.rejects(w, CollectionNotFoundError))]);
  const other = await db.createCollection('other', { dimension: DIM });
  await other.upsert(points(rng, 0, 3));
  await db.close();
  const rows = catalogRows(dir.path);
  assert.equal(rows.collections, 1);
  assert.equal(rows.wal, 1, "only the other collection's row");
  dir.cleanup();
});

test('random interleavings of writes, seals, compactions and drops: nothing orphaned, nothing acknowledged lost', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(7);
  let db = await Quiver.open(dir.path);
  const acknowledged = new Map<string, Set<number>>();
  const outcomes = { ok: 0, gone: 0 };
  for (let round = 0; round < 30; round++) {
    const name = `n${round % 3}`;
    const col = await db
      .createCollection(name, {
        dimension: DIM,
        segmentSize: 50,
        index: { type: 'flat' },
      })
      .catch(() => db.collection(name));
    const ops: Promise<'ok' | 'gone'>[] = [];
    let dropAt = -1;
    for (let i = 0; i < 12; i++) {
      const pick = rng.next();
      if (pick < 0.4) {
        const batch = points(rng, round * 1000 + i * 20, 1 + Math.floor(rng.next() * 60));
        ops.push(
          outcome(
            col.upsert(batch).then(() => {
              const ids = acknowledged.get(name) ?? new Set<number>();
              for (const p of batch) ids.add(p.id);
              acknowledged.set(name, ids);
            }),
          ),
        );
      } else if (pick < 0.55) ops.push(outcome(col.flush()));
      else if (pick < 0.7) ops.push(outcome(col.compact()));
      else if (pick < 0.8) ops.push(outcome(col.delete([round * 1000])));
      else if (pick < 0.9 && dropAt < 0) {
        dropAt = i;
        ops.push(outcome(db.dropCollection(name).then(() => acknowledged.delete(name))));
      } else ops.push(outcome(col.search(new Float32Array(DIM).fill(0.5), { k: 3 })));
    }
    for (const result of await Promise.all(ops)) outcomes[result]++;
    if (round % 10 === 9) {
      await db.close();
      db = await Quiver.open(dir.path);
    }
  }
  assert.ok(outcomes.gone > 0, 'some operations raced a drop');
  // Every id acknowledged in a collection that still exists is there (deletes aside).
  for (const name of await db.listCollections()) {
    const col = db.collection(name);
    const ids = [...(acknowledged.get(name) ?? [])].filter((id) => id % 1000 !== 0);
    assert.equal((await col.get(ids)).length, ids.length, `every acknowledged point of ${name}`);
  }
  const live = (await db.listCollections()).length;
  await db.close();
  db = await Quiver.open(dir.path);
  await db.close();
  const db2 = new Sqlite(join(dir.path, 'catalog.sqlite'), { readonly: true });
  const orphanWal = db2
    .prepare('SELECT count(*) AS n FROM wal WHERE collection_id NOT IN (SELECT id FROM collections)')
    .get() as { n: number };
  const ids = (db2.prepare('SELECT id FROM collections').all() as { id: number }[]).map((r) => String(r.id));
  db2.close();
  assert.equal(orphanWal.n, 0);
  assert.deepEqual(readdirSync(join(dir.path, 'collections')).sort(), ids.sort());
  assert.equal(ids.length, live);
  dir.cleanup();
});

test('opening removes what older versions and crashes left: orphan rows, empty folders, temporary files', async () => {
  const dir = tempDir();
  let db = await Quiver.open(dir.path);
  const c = await db.createCollection('c', { dimension: DIM, index: { type: 'flat' } });
  await c.upsert(points(new SeededRandom(8), 0, 20));
  await c.flush();
  await db.close();
  const sqlite = new Sqlite(join(dir.path, 'catalog.sqlite'));
  sqlite
    .prepare('INSERT INTO wal (collection_id, kind, body, crc) VALUES (99, 2, ?, 0)')
    .run(Buffer.from('{"ids":[1]}'));
  sqlite.prepare(`INSERT INTO manifests (collection_id, version, body, crc) VALUES (99, 3, '{}', 0)`).run();
  sqlite.close();
  mkdirSync(join(dir.path, 'collections', '99'));
  const folder = join(dir.path, 'collections', readdirSync(join(dir.path, 'collections'))[0]);
  const partial = join(folder, 'seg-000002.qseg.4242.0.tmp');
  writeFileSync(partial, Buffer.alloc(1000, 7));

  db = await Quiver.open(dir.path);
  assert.equal(await db.collection('c').count(), 20);
  await db.close();
  assert.equal(existsSync(partial), false, 'temporary file removed');
  assert.equal(existsSync(join(dir.path, 'collections', '99')), false, 'empty folder removed');
  assert.deepEqual(catalogRows(dir.path), { wal: 0, manifests: 1, collections: 1 });
  dir.cleanup();
});
