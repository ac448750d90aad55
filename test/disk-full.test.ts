/**
 * A full disk: writes and seals fail with `StorageFullError` naming the folder, nothing
 * acknowledged is lost, reads keep working, and the first write and flush after space is
 * freed succeed. Runs on a real, small tmpfs (root only; skipped with the reason otherwise).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Quiver, SeededRandom, StorageFullError } from '../src/index.js';

const DIM = 64;

/** Mounts a tmpfs of `megabytes` at a new folder; undefined (with the reason) where that is not allowed. */
function smallDisk(megabytes: number): { path: string; unmount: () => void } | string {
  const path = mkdtempSync(join(tmpdir(), 'quiver-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (err) {
    rmSync(path, { recursive: true, force: true });
    return `cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`;
  }
  return {
    path,
    unmount: () => {
      execFileSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

test('a full disk fails writes with StorageFullError and loses nothing', async (t) => {
  const disk = smallDisk(8);
  if (typeof disk === 'string') {
    t.skip(disk);
    return;
  }
  const rng = new SeededRandom(3);
  const dir = join(disk.path, 'db');
  const filler = join(disk.path, 'filler');
  // Room to free later: a file beside the database.
  writeFileSync(filler, Buffer.alloc(5 * 1024 * 1024, 1));
  const db = await Quiver.open(dir);
  try {
    const c = await db.createCollection('c', {
      dimension: DIM,
      segmentSize: 1_000_000,
      index: { type: 'flat' },
    });
    const acknowledged: number[] = [];
    let full: unknown;
    for (let batch = 0; batch < 200 && full === undefined; batch++) {
      const points = Array.from({ length: 100 }, (_, i) => ({
        id: batch * 100 + i,
        vector: Array.from({ length: DIM }, () => rng.gaussian()),
        payload: { batch },
      }));
      try {
        await c.upsert(points);
        acknowledged.push(...points.map((p) => p.id));
      } catch (err) {
        full = err;
      }
    }
    assert.ok(full instanceof StorageFullError, `the disk filled up with a StorageFullError, got ${full}`);
    assert.match((full as Error).message, new RegExp(dir.replace(/[/\\]/g, '.')));
    assert.ok(acknowledged.length > 0);

    // Reads keep working, and see exactly what was acknowledged.
    assert.equal(await c.count(), acknowledged.length);
    const [last] = await c.get([acknowledged[acknowledged.length - 1]], { withVector: true });
    const [hit] = await c.search(last.vector!, { k: 1 });
    assert.equal(hit.id, last.id);
    // A seal needs room for a segment file: refused the same way, nothing changes.
    await assert.rejects(c.flush(), StorageFullError);
    assert.equal(await c.count(), acknowledged.length);
    assert.equal((await c.info()).sealedSegments, 0);
    const leftovers = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'the failed seal removed its partial file');

    unlinkSync(filler);
    await c.upsert([{ id: 'after', vector: last.vector! }]);
    await c.flush();
    assert.equal((await c.info()).sealedSegments, 1);
    await db.close();

    const again = await Quiver.open(dir);
    const col = again.collection('c');
    assert.equal(await col.count(), acknowledged.length + 1);
    assert.equal((await col.get(acknowledged)).length, acknowledged.length);
    await again.close();
  } finally {
    if (!db.closed) await db.close().catch(() => undefined);
    disk.unmount();
  }
});
