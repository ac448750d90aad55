/**
 * The catalog's rows are checksummed: a changed byte in an unsealed WAL record, a manifest
 * or a collection's configuration makes that collection alone unavailable with a
 * `CorruptDataError` naming it (and droppable), never silently different data. Catalogs of
 * schema version 1 (no checksums) still open, and are migrated.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { CorruptDataError, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

/** A database with collections 'a' (the victim) and 'b', each with unsealed points. */
async function twoCollections(path: string): Promise<void> {
  const db = await Quiver.open(path);
  for (const name of ['a', 'b']) {
    const c = await db.createCollection(name, { dimension: 4, index: { type: 'flat' } });
    await c.upsert([
      { id: 1, vector: [1234.5, 0, 0, 0], payload: { word: 'hello' } },
      { id: 2, vector: [0, 1, 0, 0], payload: { word: 'world' } },
    ]);
    if (name === 'a') await c.flush();
    await c.upsert([{ id: 3, vector: [0, 0, 1234.5, 0], payload: { word: 'unsealed' } }]);
  }
  await db.close();
}

function withCatalog(path: string, edit: (db: Sqlite.Database) => void): void {
  const db = new Sqlite(join(path, 'catalog.sqlite'));
  try {
    edit(db);
  } finally {
    db.close();
  }
}

const idOf = (db: Sqlite.Database, name: string) =>
  (db.prepare('SELECT id FROM collections WHERE name = ?').get(name) as { id: number }).id;

/** Opens, checks that 'a' is broken with a message naming it, 'b' intact, and 'a' droppable. */
async function expectOnlyABroken(path: string, reason: RegExp): Promise<void> {
  const db = await Quiver.open(path);
  assert.deepEqual(await db.listCollections(), ['a', 'b']);
  assert.throws(
    () => db.collection('a'),
    (err: unknown) =>
      err instanceof CorruptDataError && /collection 'a'/.test(err.message) && reason.test(err.message),
  );
  const b = db.collection('b');
  assert.equal(await b.count(), 3);
  assert.deepEqual((await b.get([3], { withVector: true }))[0].vector, new Float32Array([0, 0, 1234.5, 0]));
  await db.dropCollection('a');
  assert.deepEqual(await db.listCollections(), ['b']);
  await db.close();
}

test('a flipped byte in an unsealed WAL record is detected', async () => {
  for (const part of ['vector', 'payload']) {
    const dir = tempDir();
    await twoCollections(dir.path);
    withCatalog(dir.path, (db) => {
      const row = db.prepare('SELECT seq, body FROM wal WHERE collection_id = ?').get(idOf(db, 'a')) as {
        seq: number;
        body: Buffer;
      };
      const at = part === 'vector' ? row.body.length - 15 : row.body.indexOf('unsealed');
      row.body[at] ^= 0x10;
      db.prepare('UPDATE wal SET body = ? WHERE seq = ?').run(row.body, row.seq);
    });
    await expectOnlyABroken(dir.path, /WAL row \d+ .*checksum mismatch/);
    dir.cleanup();
  }
});

test('a changed manifest (its walCheckpoint) is detected instead of dropping acknowledged points', async () => {
  const dir = tempDir();
  await twoCollections(dir.path);
  withCatalog(dir.path, (db) => {
    const id = idOf(db, 'a');
    const m = db.prepare('SELECT version, body FROM manifests WHERE collection_id = ?').get(id) as {
      version: number;
      body: string;
    };
    const body = m.body.replace(/"walCheckpoint":(\d+)/, (_, n) => `"walCheckpoint":${Number(n) + 5}`);
    assert.notEqual(body, m.body);
    db.prepare('UPDATE manifests SET body = ? WHERE collection_id = ? AND version = ?').run(
      body,
      id,
      m.version,
    );
  });
  await expectOnlyABroken(dir.path, /manifest version \d+ .*checksum mismatch/);
  dir.cleanup();
});

test("one collection's invalid configuration leaves the others available", async () => {
  const dir = tempDir();
  await twoCollections(dir.path);
  withCatalog(dir.path, (db) => {
    db.prepare('UPDATE collections SET config = ? WHERE name = ?').run('{"dimension": 4,', 'a');
  });
  await expectOnlyABroken(dir.path, /configuration .*checksum mismatch/);
  dir.cleanup();
});

test('a schema version 1 catalog (no checksums) opens, is migrated, and then verifies', async () => {
  const dir = tempDir();
  await twoCollections(dir.path);
  withCatalog(dir.path, (db) => {
    for (const table of ['collections', 'manifests', 'wal']) db.exec(`ALTER TABLE ${table} DROP COLUMN crc`);
    db.prepare(`UPDATE meta SET value = '1' WHERE key = 'schema_version'`).run();
  });
  let db = await Quiver.open(dir.path);
  for (const name of ['a', 'b']) {
    const c = db.collection(name);
    assert.equal(await c.count(), 3);
    assert.deepEqual((await c.get([3], { withVector: true }))[0].vector, new Float32Array([0, 0, 1234.5, 0]));
  }
  const info = await db.collection('a').info();
  assert.equal(info.catalogIntegrity, 'ok');
  await db.close();
  withCatalog(dir.path, (sqlite) => {
    assert.equal(
      (sqlite.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string })
        .value,
      '3',
    );
    const row = sqlite
      .prepare('SELECT seq, body FROM wal WHERE collection_id = ?')
      .get(idOf(sqlite, 'a')) as {
      seq: number;
      body: Buffer;
    };
    row.body[row.body.length - 1] ^= 1;
    sqlite.prepare('UPDATE wal SET body = ? WHERE seq = ?').run(row.body, row.seq);
  });
  db = await Quiver.open(dir.path);
  assert.throws(() => db.collection('a'), CorruptDataError);
  assert.equal(await db.collection('b').count(), 3);
  await db.close();
  dir.cleanup();
});

/** Writes two collections' points in a child process that is then killed, leaving SQLite's -wal file. */
function killedWriter(path: string): void {
  const entry = new URL('../src/index.js', import.meta.url).href;
  const script = `
    const { Quiver } = await import(${JSON.stringify(entry)});
    const db = await Quiver.open(${JSON.stringify(path)});
    for (const name of ['a', 'b']) {
      const c = await db.createCollection(name, { dimension: 4, index: { type: 'flat' } });
      for (let i = 0; i < 20; i++) await c.upsert([{ id: i, vector: [i, 1, 2, 3], payload: { name } }]);
    }
    process.kill(process.pid, 'SIGKILL');
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' });
  assert.equal(result.signal, 'SIGKILL', result.stderr.toString());
}

test("a damaged frame in SQLite's -wal file is refused instead of silently losing what follows it", async () => {
  const dir = tempDir();
  killedWriter(dir.path);
  const wal = join(dir.path, 'catalog.sqlite-wal');
  const intact = readFileSync(wal);
  assert.ok(intact.length > 32 + 3 * 4120, 'the killed writer left frames in the -wal file');
  // The first frame's page: flipping a byte there fails its checksum, and committed frames follow.
  const damaged = Buffer.from(intact);
  damaged[32 + 24 + 100] ^= 0xff;
  writeFileSync(wal, damaged);
  await assert.rejects(
    Quiver.open(dir.path),
    (err: unknown) => err instanceof CorruptDataError && /frame 0/.test(err.message),
  );
  // Untouched, the same file opens with everything the writer was told was written.
  writeFileSync(wal, intact);
  const db = await Quiver.open(dir.path);
  assert.equal(await db.collection('a').count(), 20);
  assert.equal(await db.collection('b').count(), 20);
  await db.close();
  dir.cleanup();
});

test('a catalog.sqlite that SQLite cannot read is a CorruptDataError naming it', async () => {
  const dir = tempDir();
  await twoCollections(dir.path);
  const file = join(dir.path, 'catalog.sqlite');
  const bytes = readFileSync(file);
  bytes.fill(0x5a, 0, 100); // the header: magic string, page size, format numbers
  writeFileSync(file, bytes);
  await assert.rejects(
    Quiver.open(dir.path),
    (err: unknown) => err instanceof CorruptDataError && err.message.includes('catalog.sqlite'),
  );
  dir.cleanup();
});

/** Upserts `rows` 128-d points into a new flat collection of `path` (unsealed), in batches. */
async function unsealedRows(db: Quiver, rows: number): Promise<void> {
  const c = await db.createCollection('rows', { dimension: 128, index: { type: 'flat' } });
  for (let first = 0; first < rows; first += 1000) {
    await c.upsert(
      Array.from({ length: 1000 }, (_, i) => ({
        id: first + i,
        vector: Array.from({ length: 128 }, (_, d) => ((first + i) * 31 + d) % 97),
      })),
    );
  }
}

test("a seal gives its WAL rows' pages back to the filesystem; an earlier catalog keeps them for reuse", async () => {
  const dir = tempDir();
  let db = await Quiver.open(dir.path);
  await unsealedRows(db, 40_000);
  const catalog = join(dir.path, 'catalog.sqlite');
  // The rows are in catalog.sqlite and its -wal file, until a checkpoint moves them.
  const written = statSync(catalog).size + statSync(`${catalog}-wal`).size;
  assert.ok(written > 20 * 2 ** 20, `${written} bytes of WAL rows`);
  await db.collection('rows').flush();
  assert.equal(await db.collection('rows').count(), 40_000);
  // The pages go back in steps, one per turn of the event loop; close finishes any left.
  await db.close();
  assert.ok(statSync(catalog).size < written / 10, `${statSync(catalog).size} bytes after the seal`);

  // A catalog created before auto_vacuum (mode NONE) opens as before and keeps its free pages.
  const old = tempDir();
  withCatalog(old.path, (sqlite) => {
    sqlite.pragma('auto_vacuum = NONE');
    sqlite.exec('CREATE TABLE placeholder (x)');
    sqlite.exec('DROP TABLE placeholder');
  });
  db = await Quiver.open(old.path);
  await unsealedRows(db, 5_000);
  await db.collection('rows').flush();
  assert.equal(await db.collection('rows').count(), 5_000);
  await db.close();
  withCatalog(old.path, (sqlite) => {
    assert.equal(sqlite.pragma('auto_vacuum', { simple: true }), 0);
    assert.ok((sqlite.pragma('freelist_count', { simple: true }) as number) > 0, 'free pages kept');
  });
  dir.cleanup();
  old.cleanup();
});
