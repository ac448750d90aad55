/**
 * Crash safety is unchanged with vectors on disk: a child process (1 MiB arenas, an onDisk
 * HNSW collection, segments of 2,500 rows) ingests batches and flushes every 5,000 rows (a
 * seal writing each segment file before opening it for reads, then index builds reading the
 * files into temporary arenas); it is killed with SIGKILL a seeded few milliseconds after a
 * seal starts. After every kill the database must reopen with every acknowledged point
 * present with its exact vector (read back from the segment files) and payload, keep no
 * sealed vector in memory, and answer searches.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver, SeededRandom } from '../src/index.js';
import { ARENA_CRASH_ARENA_BYTES, ARENA_CRASH_DIM, arenaCrashBatch } from './support/arena-crash-data.js';
import { tempDir } from './support/reference.js';

const ROUNDS = 4;
const writer = fileURLToPath(new URL('./fixtures/ondisk-crash-writer.js', import.meta.url));

/**
 * Runs the writer for `round`, kills it `delayMs` after its `seals`-th seal (flush) starts;
 * the batches acknowledged, and whether the flush was still running.
 */
function runAndKill(dir: string, round: number, seals: number, delayMs: number) {
  return new Promise<{ acked: number[]; duringSeal: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let started = 0;
    let sealing = false;
    let duringSeal = false;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
        else if (line === 'sealed') sealing = false;
        else if (line === 'seal') {
          sealing = true;
          if (++started === seals) {
            setTimeout(() => {
              duringSeal = sealing;
              child.kill('SIGKILL');
            }, delayMs);
          }
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acked, duringSeal });
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

test(`crash safety with onDisk: ${ROUNDS} rounds of SIGKILL during seals and index builds lose nothing`, async () => {
  const dir = tempDir('quiver-ondisk-crash-');
  const rng = new SeededRandom(21);
  const acknowledged: [number, number][] = [];
  let killedDuringSeal = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const { acked, duringSeal } = await runAndKill(dir.path, round, 1 + rng.int(2), rng.int(60));
      if (duringSeal) killedDuringSeal++;
      assert.ok(acked.length > 0, `round ${round} acknowledged nothing`);
      for (const b of acked) acknowledged.push([round, b]);

      const db = await Quiver.open(dir.path, { arenaBytes: ARENA_CRASH_ARENA_BYTES });
      try {
        const col = db.collection('crash');
        for (const [r, b] of acknowledged) {
          const batch = arenaCrashBatch(r, b);
          const got = await col.get(
            batch.map((p) => p.id),
            { withVector: true },
          );
          assert.equal(got.length, batch.length, `round ${round}: batch ${r}/${b} is complete`);
          const byId = new Map(got.map((p) => [p.id, p]));
          for (const p of batch) {
            assert.deepEqual(byId.get(p.id)!.vector, p.vector, `vector of ${p.id}`);
            assert.deepEqual(byId.get(p.id)!.payload, p.payload, `payload of ${p.id}`);
          }
        }
        const info = await col.info();
        assert.equal(info.onDisk, true);
        assert.ok(info.count >= acknowledged.length * 200, 'every acknowledged point counted');
        assert.ok(
          info.memory!.vectors <= 4 * ARENA_CRASH_DIM * 2 * Math.max(info.growingPoints, 64),
          `only growing rows in memory (${info.memory!.vectors} bytes for ${info.growingPoints} growing)`,
        );
        const [r, b] = acknowledged[acknowledged.length >> 1];
        const probe = arenaCrashBatch(r, b)[7];
        const [hit] = await col.search(probe.vector, { k: 1, exact: true });
        assert.equal(hit.id, probe.id, 'the database still answers exact searches');
        assert.equal((await col.search(probe.vector, { k: 10 })).length, 10, 'and approximate ones');
      } finally {
        await db.close();
      }
    }
    assert.ok(killedDuringSeal >= ROUNDS / 2, `${killedDuringSeal} of ${ROUNDS} kills landed during a flush`);
  } finally {
    dir.cleanup();
  }
});
