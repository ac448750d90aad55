/**
 * Graceful shutdown of a real `quiver serve` process: several clients write continuously,
 * SIGTERM arrives while writes are in flight, the process must exit with code 0, and after
 * reopening the folder with `Quiver.open` every acknowledged write (HTTP 200) is there with
 * its exact vector and payload. Writes that were refused or cut off are allowed to be
 * missing; nothing else is.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const BIN = fileURLToPath(new URL('../../bin/quiver.js', import.meta.url));
const DIM = 16;
const WRITERS = 6;
const BATCH = 5;
/** SIGTERM is sent when this many batches have been acknowledged. */
const ACKS_BEFORE_SIGTERM = 40;

function pointsOf(writer: number, batch: number) {
  return Array.from({ length: BATCH }, (_, j) => ({
    id: `w${writer}-b${batch}-${j}`,
    vector: Array.from({ length: DIM }, (_, d) => writer + batch / 1000 + j / 10 + d / 100),
    payload: { writer, batch, j },
  }));
}

/** Starts `quiver serve` on a free port; resolves with the child and its URL. */
function serve(dir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--data', dir, 'serve', '--port', '0'], {
      env: { ...process.env, QUIVER_API_KEY: undefined, QUIVER_READ_ONLY_API_KEYS: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const match = /at (http:\/\/[^\s]+) /.exec(stdout);
      if (match) resolve({ child, url: match[1], exited });
    });
    child.on('error', reject);
    exited.then((code) => reject(new Error(`quiver serve exited early (${code}): ${stderr}`)));
  });
}

test('SIGTERM during writes: exit 0 and every acknowledged write is durable', async () => {
  const dir = tempDir();
  const { child, url, exited } = await serve(dir.path);
  const created = await fetch(`${url}/collections/acks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vectors: { size: DIM, distance: 'Euclid' }, segment_size: 64 }),
  });
  assert.equal(created.status, 200);

  const acked: [number, number][] = [];
  let signalled = false;
  async function writer(w: number): Promise<void> {
    for (let batch = 0; ; batch++) {
      let status: number;
      try {
        const response = await fetch(`${url}/collections/acks/points`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ points: pointsOf(w, batch) }),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        return; // connection refused or closed: the server is gone
      }
      if (status !== 200) {
        assert.ok(
          signalled && status === 503,
          `a valid write got ${status}; only shutdown may refuse one (503)`,
        );
        return;
      }
      acked.push([w, batch]);
      if (acked.length === ACKS_BEFORE_SIGTERM && !signalled) {
        signalled = true;
        child.kill('SIGTERM');
      }
    }
  }
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  assert.equal(await exited, 0);
  assert.ok(signalled);
  assert.ok(acked.length >= ACKS_BEFORE_SIGTERM);

  const db = await Quiver.open(dir.path);
  try {
    const collection = db.collection('acks');
    for (const [w, batch] of acked) {
      const expected = pointsOf(w, batch);
      const got = await collection.get(
        expected.map((p) => p.id),
        { withVector: true },
      );
      assert.deepEqual(
        got.map((p) => [p.id, Array.from(p.vector!), p.payload]),
        expected.map((p) => [p.id, Array.from(Float32Array.from(p.vector)), p.payload]),
        `batch ${batch} of writer ${w} was acknowledged but is not all there`,
      );
    }
    // Nothing beyond the acknowledged batches and the ones cut off in flight (at most one per writer).
    const count = await collection.count();
    assert.ok(count >= acked.length * BATCH && count <= (acked.length + WRITERS) * BATCH, `count ${count}`);
  } finally {
    await db.close();
    dir.cleanup();
  }
});
