/**
 * The stress harness's own checks, on folders made to fail them: `leftovers` finds WAL and
 * manifest rows of a collection that does not exist and a `collections/<id>/` folder
 * without a collection, so the race's "no orphans" figure means something.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { leftovers } from '../bench/stress/leftovers.js';
import { Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

test('leftovers finds orphan WAL and manifest rows and folders, and nothing in a clean folder', async () => {
  const dir = tempDir();
  try {
    const db = await Quiver.open(dir.path);
    const col = await db.createCollection('kept', { dimension: 2 });
    await col.upsert([{ id: 1, vector: [1, 2] }]);
    await db.close();
    assert.deepEqual(leftovers(dir.path), {
      collections: 1,
      orphanWalRows: 0,
      orphanManifestRows: 0,
      orphanFolders: [],
    });

    const catalog = new Sqlite(join(dir.path, 'catalog.sqlite'));
    catalog.prepare('INSERT INTO wal (collection_id, kind, body) VALUES (999, 1, ?)').run(Buffer.from([0]));
    catalog.prepare('INSERT INTO wal (collection_id, kind, body) VALUES (999, 1, ?)').run(Buffer.from([1]));
    catalog.prepare(`INSERT INTO manifests (collection_id, version, body) VALUES (999, 1, '{}')`).run();
    catalog.close();
    mkdirSync(join(dir.path, 'collections', '999'), { recursive: true });
    assert.deepEqual(leftovers(dir.path), {
      collections: 1,
      orphanWalRows: 2,
      orphanManifestRows: 1,
      orphanFolders: ['999'],
    });
  } finally {
    dir.cleanup();
  }
});
