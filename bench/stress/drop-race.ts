/**
 * The drop/create/flush race: concurrent clients create, fill, flush, compact and drop the
 * same few collections, then issue 14's reproduction runs (create `r` with `segmentSize`
 * 1000 and a flat index, upsert 200, flush, delete 3 ids; then, without waiting, upsert
 * 3,000, `DELETE /collections/r` and `POST …/compact`). Each round ends with a SIGTERM or a
 * SIGKILL (alternately) and a restart.
 *
 * Asserted: no 5xx; every answer is one the operation may give (create 200 or 409, never a
 * 404 for a create that took effect; the others 200 or 404); after the restart every
 * collection opens, and the folder has no WAL or manifest row of a collection that does not
 * exist and no `collections/<id>/` folder without a collection.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SeededRandom } from '../../src/index.js';
import { tempDir } from '../../test/support/reference.js';
import { http } from '../../test/support/server.js';
import { leftovers } from './leftovers.js';
import { type PartReport, StatusHistogram } from './report.js';
import { startServer } from './server-process.js';

export interface DropRaceOptions {
  rounds: number;
  clients: number;
  opsPerClient: number;
  /** Runs of the reproduction per round. */
  reproductions: number;
  seed: number;
}

const NAMES = ['a', 'b', 'c'];
const DIM = 8;

/** The statuses each operation may answer while collections come and go. */
const EXPECTED: Record<string, number[]> = {
  create: [200, 409],
  upsert: [200, 404],
  'delete points': [200, 404],
  flush: [200, 404],
  compact: [200, 404],
  drop: [200, 404],
  info: [200, 404],
  'repro create': [200],
  'repro upsert 200': [200],
  'repro flush': [200],
  'repro delete 3': [200],
  'repro upsert 3000': [200, 404],
  'repro drop': [200],
  'repro compact': [200, 404],
};

interface Call {
  operation: string;
  method: string;
  path: string;
  body?: unknown;
}

export async function dropRace(options: DropRaceOptions): Promise<PartReport> {
  const dir = tempDir('quiver-stress-race-');
  const data = join(dir.path, 'data');
  const statuses = new StatusHistogram();
  const violations: string[] = [];
  const before = { wal: 0, manifests: 0, folders: 0 };
  const after = { wal: 0, manifests: 0, folders: 0, unavailable: 0 };
  let collectionsLeft = 0;
  try {
    for (let round = 0; round < options.rounds; round++) {
      const server = await startServer(data);
      try {
        const call = async (c: Call): Promise<number> => {
          let status: number | string;
          try {
            status = (await http(server.url, c.method, c.path, c.body)).status;
          } catch (error) {
            status = 'reset';
            violations.push(`round ${round}: ${c.operation} ${c.path}: ${(error as Error).message}`);
          }
          statuses.add(c.operation, status);
          if (typeof status === 'number' && !EXPECTED[c.operation].includes(status)) {
            violations.push(`round ${round}: ${c.operation} ${c.method} ${c.path} answered ${status}`);
          }
          return typeof status === 'number' ? status : 0;
        };
        const client = async (n: number) => {
          const rng = new SeededRandom(options.seed * 1009 + round * 97 + n);
          for (let i = 0; i < options.opsPerClient; i++) await call(randomCall(rng));
        };
        await Promise.all(Array.from({ length: options.clients }, (_, n) => client(n)));
        for (let rep = 0; rep < options.reproductions; rep++) {
          await reproduction(call, new SeededRandom(rep), (rep % 5) * 10);
        }

        if (round % 2 === 0) await server.stop();
        else await server.kill();
      } finally {
        await server.kill();
      }
      const stopped = leftovers(data);
      before.wal = stopped.orphanWalRows;
      before.manifests = stopped.orphanManifestRows;
      before.folders = stopped.orphanFolders.length;

      const reopened = await startServer(data);
      try {
        const listed = await http(reopened.url, 'GET', '/collections');
        const { collections } = (
          listed.body as { result: { collections: { name: string; quiver?: { error?: unknown } }[] } }
        ).result;
        for (const c of collections) {
          if (c.quiver?.error === undefined) continue;
          after.unavailable++;
          violations.push(
            `round ${round}: after a restart collection ${c.name} is unavailable: ${JSON.stringify(c.quiver.error)}`,
          );
        }
        const code = await reopened.stop();
        if (code !== 0) violations.push(`round ${round}: shutdown after the restart exited with ${code}`);
      } finally {
        await reopened.kill();
      }
      const left = leftovers(data);
      collectionsLeft = left.collections;
      after.wal = left.orphanWalRows;
      after.manifests = left.orphanManifestRows;
      after.folders = left.orphanFolders.length;
      if (left.orphanWalRows + left.orphanManifestRows > 0) {
        violations.push(
          `round ${round}: after a restart ${left.orphanWalRows} WAL and ${left.orphanManifestRows} manifest rows of dropped collections remain`,
        );
      }
      if (left.orphanFolders.length > 0) {
        violations.push(
          `round ${round}: after a restart folders without a collection remain: collections/${left.orphanFolders.join(', collections/')}`,
        );
      }
    }
  } finally {
    dir.cleanup();
  }
  const unexpected = violations.filter((v) => v.includes(' answered ')).length;
  return {
    part: 'Drop/create/flush race',
    summary:
      `${options.rounds} rounds of ${options.clients} concurrent clients × ${options.opsPerClient} requests ` +
      `(create, upsert, delete points, flush, compact, drop, info) on collections ${NAMES.join(', ')}, then ` +
      `${options.reproductions} runs of issue 14's reproduction; each round ends with SIGTERM or SIGKILL ` +
      `(alternately) and a restart (seed ${options.seed}).`,
    figures: [
      ['rounds (stop + restart)', options.rounds],
      ['requests', statuses.total],
      ['5xx responses', statuses.serverErrors],
      ['unexpected statuses (5xx included)', unexpected],
      ['creates answered 404', statuses.count(404, 'create') + statuses.count(404, 'repro create')],
      ['orphan WAL rows after the last stop, before reopening', before.wal],
      ['orphan manifest rows after the last stop, before reopening', before.manifests],
      ['orphan folders after the last stop, before reopening', before.folders],
      ['orphan WAL rows after the last restart', after.wal],
      ['orphan manifest rows after the last restart', after.manifests],
      ['orphan folders after the last restart', after.folders],
      ['unavailable collections after restart', after.unavailable],
      ['collections at the end', collectionsLeft],
    ],
    statuses,
    violations,
  };
}

function randomCall(rng: SeededRandom): Call {
  const name = NAMES[rng.int(NAMES.length)];
  const base = `/collections/${name}`;
  const roll = rng.next();
  if (roll < 0.15) {
    return {
      operation: 'create',
      method: 'PUT',
      path: base,
      body: { vectors: { size: DIM, distance: 'Euclid' }, segment_size: 100, index: { type: 'flat' } },
    };
  }
  if (roll < 0.5)
    return {
      operation: 'upsert',
      method: 'PUT',
      path: `${base}/points`,
      body: { points: points(rng, 20 + rng.int(180), 5000) },
    };
  if (roll < 0.6) {
    const ids = Array.from({ length: 5 }, () => rng.int(5000));
    return {
      operation: 'delete points',
      method: 'POST',
      path: `${base}/points/delete`,
      body: { points: ids },
    };
  }
  if (roll < 0.75) return { operation: 'flush', method: 'POST', path: `${base}/flush` };
  if (roll < 0.85) return { operation: 'compact', method: 'POST', path: `${base}/compact` };
  if (roll < 0.95) return { operation: 'drop', method: 'DELETE', path: base };
  return { operation: 'info', method: 'GET', path: base };
}

function points(rng: SeededRandom, count: number, idRange: number) {
  return Array.from({ length: count }, () => ({
    id: rng.int(idRange),
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: { n: rng.int(100) },
  }));
}

/**
 * Issue 14's reproduction: the last three requests are sent without waiting for each other;
 * the drop and the compaction follow the 3,000-point upsert after `lagMs` (0 to 40 ms over
 * the runs, since parsing that upsert's body takes about as long).
 */
async function reproduction(
  call: (c: Call) => Promise<number>,
  rng: SeededRandom,
  lagMs: number,
): Promise<void> {
  const base = '/collections/r';
  await call({
    operation: 'repro create',
    method: 'PUT',
    path: base,
    body: { vectors: { size: DIM, distance: 'Euclid' }, segment_size: 1000, index: { type: 'flat' } },
  });
  const first = Array.from({ length: 200 }, (_, id) => ({
    id,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
  }));
  await call({
    operation: 'repro upsert 200',
    method: 'PUT',
    path: `${base}/points`,
    body: { points: first },
  });
  await call({ operation: 'repro flush', method: 'POST', path: `${base}/flush` });
  await call({
    operation: 'repro delete 3',
    method: 'POST',
    path: `${base}/points/delete`,
    body: { points: [0, 1, 2] },
  });
  const more = Array.from({ length: 3000 }, (_, i) => ({
    id: 200 + i,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
  }));
  await Promise.all([
    call({ operation: 'repro upsert 3000', method: 'PUT', path: `${base}/points`, body: { points: more } }),
    delay(lagMs).then(() => call({ operation: 'repro drop', method: 'DELETE', path: base })),
    delay(lagMs).then(() => call({ operation: 'repro compact', method: 'POST', path: `${base}/compact` })),
  ]);
}
