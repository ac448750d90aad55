/**
 * More than 4 GiB of vectors in one process (issue 15): a flat collection of N × DIM
 * vectors (default 1,700,000 × 768: 5.2 GB of f32) ingested durably in batches, sealed into
 * segments spread over memory arenas (4 GiB each by default), then searched exactly; then
 * the database is closed and reopened (every segment loaded again) and searched again.
 * One wasm32 memory stops at 4 GiB: before arenas this collection stopped at 1.18M vectors.
 *
 * Vectors are uniform in [-1, 1) from a xorshift generator seeded by the point's id, so a
 * query can be regenerated from its id: each query is a stored vector plus small noise,
 * and its exact top hit must be that point.
 *
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/beyond-4gib.js [--n 1700000] [--dim 768] [--keep DIR]`,
 * then `node dist/bench/beyond-4gib.js --keep DIR --reopen-only 1` to open the kept database
 * in a fresh process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Quiver } from '../src/db/database.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const N = Number(args.get('n') ?? 1_700_000);
const DIM = Number(args.get('dim') ?? 768);
const BATCH = 5000;
const QUERIES = 5;

/** The vector of point `id` (deterministic). */
function vectorOf(id: number): Float32Array {
  let x = (id * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    v[i] = x / 2 ** 31 - 1;
  }
  return v;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

async function searchAll(db: Quiver): Promise<{ ok: number; ms: number }> {
  const col = db.collection('big');
  let ok = 0;
  const started = performance.now();
  for (let q = 0; q < QUERIES; q++) {
    const id = Math.floor(((q + 0.5) * N) / QUERIES);
    const query = vectorOf(id).map((x, i) => x + (i % 7 === 0 ? 0.001 : 0));
    const [hit] = await col.search(query, { k: 10, exact: true });
    if (hit?.id === id) ok++;
  }
  return { ok, ms: (performance.now() - started) / QUERIES };
}

/** `--reopen-only` (with `--keep DIR` of an earlier run): opens the kept database in a fresh process and searches it. */
async function reopenOnly(dir: string): Promise<void> {
  const started = performance.now();
  const db = await Quiver.open(dir);
  const openS = (performance.now() - started) / 1000;
  const rss = process.memoryUsage().rss;
  const search = await searchAll(db);
  const info = await db.collection('big').info();
  await db.close();
  process.stdout.write(
    [
      `## Reopening ${info.count.toLocaleString('en')} × ${DIM} in a fresh process`,
      '',
      '| measure | value |',
      '|---|---|',
      `| open (load every segment) | ${openS.toFixed(1)} s |`,
      `| RSS after open | ${gib(rss)} (vectors: ${gib(info.count * DIM * 4)}) |`,
      `| arenas | ${info.memory?.arenas} |`,
      `| exact search k=10 | ${search.ok}/${QUERIES} top hits right, ${search.ms.toFixed(0)} ms per query |`,
      '',
      `Command: \`node dist/bench/beyond-4gib.js --keep DIR --reopen-only 1 --n ${N} --dim ${DIM}\`, ${new Date().toISOString().slice(0, 10)}.`,
      '',
    ].join('\n'),
  );
}

const keep = args.get('keep');
const dir = keep ?? (await mkdtemp(join(tmpdir(), 'quiver-4gib-')));
if (keep && args.has('reopen-only')) {
  await reopenOnly(keep);
  process.exit(0);
}
try {
  let db = await Quiver.open(dir);
  const started = performance.now();
  const col = (await db.listCollections()).includes('big')
    ? db.collection('big')
    : await db.createCollection('big', { dimension: DIM, metric: 'l2', index: { type: 'flat' } });
  for (let first = await col.count(); first < N; first += BATCH) {
    const count = Math.min(BATCH, N - first);
    await col.upsert(
      Array.from({ length: count }, (_, i) => ({ id: first + i, vector: vectorOf(first + i) })),
    );
    if ((first / BATCH) % 20 === 0) {
      const rss = process.memoryUsage().rss;
      process.stderr.write(`${first + count} vectors, RSS ${gib(rss)}, ${db.memory.arenas} arenas\n`);
    }
  }
  await col.flush();
  const ingestS = (performance.now() - started) / 1000;
  const info = await col.info();
  const memory = db.memory;
  const rss = process.memoryUsage().rss;
  const search = await searchAll(db);
  await db.close();

  const openStarted = performance.now();
  db = await Quiver.open(dir);
  const openS = (performance.now() - openStarted) / 1000;
  const reopenedRss = process.memoryUsage().rss;
  const again = await searchAll(db);
  const reopenedInfo = await db.collection('big').info();
  await db.close();

  const vectorBytes = N * DIM * 4;
  process.stdout.write(
    [
      `## More than 4 GiB in one process: ${N.toLocaleString('en')} × ${DIM} (flat, L2)`,
      '',
      '| measure | value |',
      '|---|---|',
      `| vectors held | ${info.count.toLocaleString('en')} (${gib(vectorBytes)} of f32) |`,
      `| sealed segments / arenas | ${info.sealedSegments} / ${info.memory?.arenas} (database: ${memory.arenas}) |`,
      `| info().memory.bytes / disk.bytes | ${gib(info.memory?.bytes ?? 0)} / ${gib(info.disk?.bytes ?? 0)} |`,
      `| arenas committed | ${gib(memory.committedBytes)} |`,
      `| RSS after ingest | ${gib(rss)} |`,
      `| ingest + seal | ${ingestS.toFixed(0)} s (${Math.round(N / ingestS).toLocaleString('en')} vectors/s) |`,
      `| exact search k=10 | ${search.ok}/${QUERIES} top hits right, ${search.ms.toFixed(0)} ms per query |`,
      `| reopen (load every segment) | ${openS.toFixed(1)} s, RSS ${gib(reopenedRss)}, ${reopenedInfo.memory?.arenas} arenas |`,
      `| exact search after reopen | ${again.ok}/${QUERIES} top hits right, ${again.ms.toFixed(0)} ms per query |`,
      '',
      `Command: \`node dist/bench/beyond-4gib.js --n ${N} --dim ${DIM}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
      '',
    ].join('\n'),
  );
} finally {
  if (!keep) await rm(dir, { recursive: true, force: true });
}
