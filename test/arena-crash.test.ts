/**
 * Crash safety of seals that span memory arenas: a child process (1 MiB arenas) ingests
 * batches and flushes every 5,000 rows, a seal whose segments are placed in several arenas;
 * it is killed with SIGKILL a few milliseconds after it starts such a seal (a seeded delay).
 * After every kill the database must reopen with every acknowledged point present with its
 * vector and payload, its segments spread over several arenas, and keep answering searches.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Quiver, SeededRandom } from '../src/index.js';
import { ARENA_CRASH_ARENA_BYTES, arenaCrashBatch } from './support/arena-crash-data.js';
import { tempDir } from './support/reference.js';

const ROUNDS = 6;
const writer = fileURLToPath(new URL('./fixtures/arena-crash-writer.js', import.meta.url));

/**
 * Runs the writer for round `round` and kills it `delayMs` after its `seals`-th seal
 * starts; resolves with the batches acknowledged and whether the seal was still running.
 */
function runAndKill(dir: string, round: number, seals: number, delayMs: number) {
  return new Promise<{ acked: number[]; duringSeal: boolean }>((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [writer, dir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let started = 0;
    let sealing = false;
    let duringSeal = false;
    let buffer = '';
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.stdout!.on('data', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
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
        nl = buffer.indexOf('\n');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acked, duringSeal });
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

test(`crash safety: ${ROUNDS} rounds of SIGKILL during seals that span arenas lose no acknowledged write`, async () => {
  const dir = tempDir('quiver-arena-crash-');
  const rng = new SeededRandom(15);
  const acknowledged: [number, number][] = [];
  let killedDuringSeal = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const { acked, duringSeal } = await runAndKill(dir.path, round, 1 + rng.int(2), rng.int(40));
      assert.ok(acked.length > 0, `round ${round} acknowledged nothing`);
      if (duringSeal) killedDuringSeal++;
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
            const stored = byId.get(p.id)!;
            assert.deepEqual(stored.vector, p.vector, `vector of ${p.id}`);
            assert.deepEqual(stored.payload, p.payload, `payload of ${p.id}`);
          }
        }
        const info = await col.info();
        assert.ok(info.count >= acknowledged.length * 200, 'every acknowledged point counted');
        if (info.sealedSegments > 1) assert.ok(info.memory!.arenas >= 3, `${info.memory!.arenas} arenas`);
        const [r, b] = acknowledged[acknowledged.length >> 1];
        const probe = arenaCrashBatch(r, b)[7];
        const [hit] = await col.search(probe.vector, { k: 1 });
        assert.equal(hit.id, probe.id, 'the database still answers searches');
      } finally {
        await db.close();
      }
    }
    assert.ok(killedDuringSeal >= ROUNDS / 2, `${killedDuringSeal} of ${ROUNDS} kills landed during a seal`);
  } finally {
    dir.cleanup();
  }
});
