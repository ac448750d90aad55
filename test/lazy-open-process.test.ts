/**
 * Opening does not wait for data, across processes: `quiver info` answers while the
 * segments are still loading (a preloaded hook holds loading, so the state is observed, not
 * timed), and a process killed with SIGKILL in the middle of a background load loses
 * nothing: loading writes nothing until every segment and the WAL are applied.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver, SeededRandom } from '../src/index.js';
import { tempDir } from './support/reference.js';

const BIN = fileURLToPath(new URL('../../bin/quiver.js', import.meta.url));
const HOOK = fileURLToPath(new URL('./fixtures/slow-load-hook.js', import.meta.url));
const READER = fileURLToPath(new URL('./fixtures/load-reader.js', import.meta.url));
const DIM = 8;

function points(from: number, to: number, seed: number) {
  const rng = new SeededRandom(seed);
  return Array.from({ length: to - from }, (_, i) => ({
    id: from + i,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: { n: from + i },
  }));
}

/** 600 points in 6 flushed segments, then 50 replaced, 50 added and 2 deleted in the WAL only. */
async function written(dir: string) {
  const db = await Quiver.open(dir);
  const c = await db.createCollection('c', { dimension: DIM, segmentSize: 100, index: { type: 'flat' } });
  await c.upsert(points(0, 600, 1));
  await c.flush();
  await c.upsert(points(550, 650, 2));
  await c.delete([10, 20]);
  const expected = (await c.scroll({ limit: 1000, withVector: true })).points;
  await db.close();
  return expected;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('quiver info answers while the segments are still loading, with the exact count', async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    const json = await run(['--import', HOOK, BIN, '--data', dir.path, 'info', 'c', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const info = JSON.parse(json.stdout.slice(json.stdout.indexOf('{')));
    assert.equal(info.loading.state, 'loading');
    assert.ok(info.loading.segmentsLoaded < info.loading.segmentsTotal);
    assert.ok(info.loading.segmentsTotal >= 6);
    assert.equal(info.count, 600 + 50 - 2, 'from the count hint written at close');
    assert.equal(info.loading.countExact, true);

    const text = await run(['--import', HOOK, BIN, '--data', dir.path, 'info', 'c']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /loading\s+loading: \d of \d+ segments/);
    const list = await run(['--import', HOOK, BIN, '--data', dir.path, 'info']);
    assert.match(list.stdout, /^c\s+8\s+l2\s+648\s/m);
  } finally {
    dir.cleanup();
  }
});

test('SIGKILL during the background load loses nothing, and writes waiting for it were not applied', async () => {
  const dir = tempDir();
  try {
    const expected = await written(dir.path);
    for (let round = 0; round < 3; round++) {
      const killed = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', HOOK, READER, dir.path], {
          env: { ...process.env, QUIVER_TEST_LOAD_HOLD_MS: 'forever' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.stdout.on('data', (d) => {
          stdout += d;
          if (/^open /m.test(stdout) && /^loading /m.test(stdout)) child.kill('SIGKILL');
        });
        child.on('exit', (code, signal) =>
          signal === 'SIGKILL' ? resolve(stdout) : reject(new Error(`exited with ${code}: ${stderr}`)),
        );
      });
      assert.match(killed, /^open loading$/m);
      assert.doesNotMatch(killed, /deleted|count/, 'the write and the read waited for loading');

      const db = await Quiver.open(dir.path);
      const c = db.collection('c');
      assert.deepEqual((await c.scroll({ limit: 1000, withVector: true })).points, expected);
      assert.equal((await c.info()).count, expected.length);
      await db.close();
    }
  } finally {
    dir.cleanup();
  }
});
