/**
 * A full disk: the data folder lives on a small tmpfs (`mount -t tmpfs`, so this part needs
 * root; elsewhere it is skipped with the reason printed). Most of the space is taken first
 * (round 0: a filler file beside the folder; round 1: a ballast collection), then upserts
 * and flushes run until the disk is full and a few more after.
 *
 * Asserted: every failing write answers 507 `STORAGE_FULL` (never 500); reads (get, count,
 * search) keep working while full; once space is freed (the filler deleted, the ballast
 * collection dropped) the first flush succeeds; every acknowledged point is there with its
 * exact vector and payload, then and after a restart.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SeededRandom } from '../../src/index.js';
import { http } from '../../test/support/server.js';
import { type PartReport, StatusHistogram } from './report.js';
import { startServer } from './server-process.js';

export interface DiskFullOptions {
  /** Round 0 frees space by deleting a filler file, round 1 by dropping a collection. */
  rounds: 1 | 2;
  seed: number;
}

const TMPFS_MB = 16;
/** Space left free before writing until full. */
const RESERVE = 1024 * 1024;
const DIM = 32;
const BATCH = 200;
/** Failing writes sent after the first one, to see that they all fail the same way. */
const WRITES_WHEN_FULL = 10;
const MAX_BATCHES = 2000;
const KEPT = '/collections/kept';

interface Point {
  id: number;
  vector: number[];
  payload: { batch: number; i: number };
}

interface Figures {
  acknowledged: number;
  failedWrites: number;
  readsWhileFull: number;
  pointChecks: number;
  losses: number;
}

export async function diskFull(options: DiskFullOptions): Promise<PartReport> {
  const statuses = new StatusHistogram();
  const violations: string[] = [];
  const figures: Figures = { acknowledged: 0, failedWrites: 0, readsWhileFull: 0, pointChecks: 0, losses: 0 };
  const summary =
    `The data folder on a ${TMPFS_MB} MiB tmpfs, filled by ${options.rounds === 2 ? 'a filler file (round 0) and a collection (round 1)' : 'a filler file'}, ` +
    `then upserts of ${BATCH} × ${DIM}-d points and flushes until full and ${WRITES_WHEN_FULL} writes more (seed ${options.seed}).`;
  const part = 'Disk full';
  const unavailable = mountUnavailable();
  if (unavailable !== undefined) {
    return { part, summary, figures: [], statuses, violations, skipped: unavailable };
  }
  for (let round = 0; round < options.rounds; round++) {
    const mount = mkdtempSync(join(tmpdir(), 'quiver-stress-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m`, 'tmpfs', mount]);
    try {
      await fillRound(mount, round, options.seed, statuses, violations, figures);
    } finally {
      execFileSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  }
  return {
    part,
    summary,
    figures: [
      ['rounds', options.rounds],
      ['acknowledged upserts (points)', figures.acknowledged],
      ['failed writes (all must be 507 STORAGE_FULL)', figures.failedWrites],
      ['… answered 507', statuses.count(507)],
      ['… answered 500', statuses.count(500)],
      ['reads while full (all must succeed)', figures.readsWhileFull],
      ['point checks after freeing space and after a restart', figures.pointChecks],
      ['losses', figures.losses],
    ],
    statuses,
    violations,
  };
}

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
function mountUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'quiver-stress-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe]);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `\`mount -t tmpfs\` failed here: ${stderr || (error as Error).message}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

async function fillRound(
  mount: string,
  round: number,
  seed: number,
  statuses: StatusHistogram,
  violations: string[],
  figures: Figures,
): Promise<void> {
  const rng = new SeededRandom(seed + round);
  const data = join(mount, 'data');
  const acked = new Map<number, Point>();
  let nextId = 0;
  const batch = (b: number): Point[] =>
    Array.from({ length: BATCH }, (_, i) => ({
      id: nextId++,
      vector: Array.from(Float32Array.from({ length: DIM }, () => rng.gaussian())),
      payload: { batch: b, i },
    }));
  const where = `round ${round}`;
  let server = await startServer(data);
  const call = async (operation: string, method: string, path: string, body?: unknown) => {
    const result = await http(server.url, method, path, body);
    statuses.add(operation, result.status);
    return result;
  };
  try {
    await call('create', 'PUT', KEPT, {
      vectors: { size: DIM, distance: 'Euclid' },
      segment_size: 400,
      index: { type: 'flat' },
    });
    const first = batch(-1);
    if ((await call('upsert', 'PUT', `${KEPT}/points`, { points: first })).status === 200) {
      for (const p of first) acked.set(p.id, p);
    }
    await call('flush', 'POST', `${KEPT}/flush`);

    if (round === 0) fillWithFile(join(mount, 'filler'));
    else await fillWithCollection(call, mount, rng);

    let failuresAfterFull = -1;
    for (let b = 0; b < MAX_BATCHES && failuresAfterFull < WRITES_WHEN_FULL; b++) {
      const points = batch(b);
      const flush = b % 5 === 4;
      const result = flush
        ? await call('flush', 'POST', `${KEPT}/flush`)
        : await call('upsert', 'PUT', `${KEPT}/points`, { points });
      if (result.status === 200) {
        if (!flush) for (const p of points) acked.set(p.id, p);
        continue;
      }
      figures.failedWrites++;
      if (failuresAfterFull < 0) failuresAfterFull = 0;
      failuresAfterFull++;
      const code = (result.body as { status?: { code?: string } }).status?.code;
      if (result.status !== 507 || code !== 'STORAGE_FULL') {
        violations.push(
          `${where}: ${flush ? 'a flush' : 'an upsert'} on a full disk answered ${result.status} ${code}`,
        );
      }
    }
    if (failuresAfterFull < 0) violations.push(`${where}: the disk never filled in ${MAX_BATCHES} writes`);

    await readWhileFull(call, acked, where, violations, figures);

    if (round === 0) unlinkSync(join(mount, 'filler'));
    else {
      const dropped = await call('drop ballast', 'DELETE', '/collections/ballast');
      if (dropped.status !== 200)
        violations.push(`${where}: dropping the ballast on a full disk answered ${dropped.status}`);
    }
    const flushed = await call('first flush after freeing', 'POST', `${KEPT}/flush`);
    if (flushed.status !== 200) {
      violations.push(
        `${where}: the first flush after freeing space answered ${flushed.status} ${JSON.stringify(flushed.body)}`,
      );
    }
    await verify(server.url, acked, `${where}, after freeing space`, violations, figures);
    const more = batch(MAX_BATCHES);
    const upserted = await call('upsert after freeing', 'PUT', `${KEPT}/points`, { points: more });
    if (upserted.status === 200) for (const p of more) acked.set(p.id, p);
    else violations.push(`${where}: an upsert after freeing space answered ${upserted.status}`);

    const code = await server.stop();
    if (code !== 0)
      violations.push(`${where}: graceful shutdown exited with ${code}: ${server.stderr().slice(-300)}`);
    server = await startServer(data);
    await verify(server.url, acked, `${where}, after a restart`, violations, figures);
    figures.acknowledged += acked.size;
  } finally {
    await server.stop();
  }
}

/** Writes a file of zeros that leaves `RESERVE` bytes free. */
function fillWithFile(file: string): void {
  const { bavail, bsize } = statfsSync(file.slice(0, file.lastIndexOf('/')));
  let left = bavail * bsize - RESERVE;
  const chunk = Buffer.alloc(256 * 1024);
  const fd = openSync(file, 'w');
  try {
    while (left > 0) left -= writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } finally {
    closeSync(fd);
  }
}

/** Fills a `ballast` collection (sealed segments) until about `RESERVE` bytes are free. */
async function fillWithCollection(
  call: (operation: string, method: string, path: string, body?: unknown) => Promise<{ status: number }>,
  mount: string,
  rng: SeededRandom,
): Promise<void> {
  const dim = 1024;
  await call('create', 'PUT', '/collections/ballast', {
    vectors: { size: dim, distance: 'Euclid' },
    segment_size: 500,
    index: { type: 'flat' },
  });
  for (let b = 0; ; b++) {
    const { bavail, bsize } = statfsSync(mount);
    if (bavail * bsize < RESERVE * 2) return;
    const points = Array.from({ length: 100 }, (_, i) => ({
      id: b * 100 + i,
      vector: Array.from({ length: dim }, () => rng.next()),
    }));
    const result = await call('ballast upsert', 'PUT', '/collections/ballast/points', { points });
    if (result.status !== 200) return;
    if (b % 5 === 4 && (await call('ballast flush', 'POST', '/collections/ballast/flush')).status !== 200)
      return;
  }
}

async function readWhileFull(
  call: (
    operation: string,
    method: string,
    path: string,
    body?: unknown,
  ) => Promise<{ status: number; body: unknown }>,
  acked: Map<number, Point>,
  where: string,
  violations: string[],
  figures: Figures,
): Promise<void> {
  const sample = [...acked.values()].filter((_, i) => i % 37 === 0).slice(0, 100);
  const got = await call('get while full', 'POST', `${KEPT}/points`, {
    ids: sample.map((p) => p.id),
    with_vector: true,
  });
  const count = await call('count while full', 'POST', `${KEPT}/points/count`, {});
  const search = await call('search while full', 'POST', `${KEPT}/points/search`, {
    vector: sample[0].vector,
    limit: 1,
    params: { exact: true },
  });
  figures.readsWhileFull += 3;
  if (got.status !== 200 || !isDeepStrictEqual((got.body as { result: Point[] }).result, sample)) {
    violations.push(`${where}: get while full answered ${got.status} or other points`);
  }
  if (count.status !== 200 || (count.body as { result: { count: number } }).result.count < acked.size) {
    violations.push(`${where}: count while full answered ${count.status} ${JSON.stringify(count.body)}`);
  }
  if (search.status !== 200 || (search.body as { result: { id: number }[] }).result[0]?.id !== sample[0].id) {
    violations.push(`${where}: search while full answered ${search.status}`);
  }
}

/** Reads every acknowledged point back; each must be there with its exact vector and payload. */
async function verify(
  url: string,
  acked: Map<number, Point>,
  where: string,
  violations: string[],
  figures: Figures,
) {
  const all = [...acked.values()];
  for (let start = 0; start < all.length; start += 1000) {
    const expected = all.slice(start, start + 1000);
    const result = await http(url, 'POST', `${KEPT}/points`, {
      ids: expected.map((p) => p.id),
      with_vector: true,
    });
    if (result.status !== 200) {
      violations.push(`${where}: reading points back answered ${result.status}`);
      return;
    }
    const found = new Map((result.body as { result: Point[] }).result.map((p) => [p.id, p]));
    for (const p of expected) {
      figures.pointChecks++;
      if (isDeepStrictEqual(found.get(p.id), p)) continue;
      figures.losses++;
      violations.push(`${where}: acknowledged point ${p.id} is ${found.has(p.id) ? 'changed' : 'missing'}`);
    }
  }
}
