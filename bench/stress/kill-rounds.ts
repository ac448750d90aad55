/**
 * SIGKILL rounds under concurrent writers. Each round starts `quiver serve` on the same
 * folder, checks everything acknowledged so far, then runs several writers (upserts of new
 * batches, overwrites, deletes, the odd flush and compaction) over HTTP until a random
 * number of acknowledgements, and kills the server with SIGKILL while requests are in flight.
 *
 * The model: every id belongs to one writer, which touches it one request at a time, so an
 * id has one acknowledged state (a vector and payload, or deleted) and at most one pending
 * state (the request in flight when the server died). After the restart each id must be in
 * one of those two states, exactly (vector and payload compared value by value); the check
 * then adopts what it found. Anything else is a violation: a lost point, a deleted point
 * back, a changed vector or payload, a wrong count.
 */
import { isDeepStrictEqual } from 'node:util';
import { SeededRandom } from '../../src/index.js';
import { CRASH_DIM, crashBatch } from '../../test/support/crash-data.js';
import { tempDir } from '../../test/support/reference.js';
import { http } from '../../test/support/server.js';
import { type PartReport, StatusHistogram } from './report.js';
import { type ServerProcess, startServer } from './server-process.js';

export interface KillRoundsOptions {
  rounds: number;
  writers: number;
  /** A round is killed after 5 + a random number below this many acknowledged requests. */
  maxAcks: number;
  seed: number;
}

const COLLECTION = '/collections/crash';
/** The kill comes up to this long after the chosen acknowledgement, while the writers go on. */
const KILL_DELAY_MS = 50;
/** A round whose writes are refused this many times is cut short (by the kill). */
const MAX_REFUSED = 20;
/** Ids per retrieve (`POST …/points`) while checking. */
const CHECK_BATCH = 2000;

interface Stored {
  vector: number[];
  payload: Record<string, unknown>;
}

/** One id's acknowledged state and, while its request is in flight, the state it asked for. */
interface Entry {
  acked: Stored | null;
  pending?: Stored | null;
  hasPending: boolean;
}

type Operation = 'upsert' | 'overwrite' | 'delete' | 'flush' | 'compact';

class Model {
  readonly entries = new Map<string, Entry>();
  /** Live ids per writer, for overwrites and deletes. */
  readonly live: string[][];

  constructor(writers: number) {
    this.live = Array.from({ length: writers }, () => []);
  }

  begin(changes: Map<string, Stored | null>): void {
    for (const [id, state] of changes) {
      const entry = this.entries.get(id) ?? { acked: null, hasPending: false };
      entry.pending = state;
      entry.hasPending = true;
      this.entries.set(id, entry);
    }
  }

  acknowledge(writer: number, changes: Map<string, Stored | null>): void {
    for (const [id, state] of changes) {
      const entry = this.entries.get(id)!;
      if (entry.acked === null && state !== null) this.live[writer].push(id);
      if (entry.acked !== null && state === null) removeFrom(this.live[writer], id);
      entry.acked = state;
      entry.pending = undefined;
      entry.hasPending = false;
    }
  }

  get liveCount(): number {
    return this.live.reduce((n, ids) => n + ids.length, 0);
  }
}

function removeFrom(ids: string[], id: string): void {
  const at = ids.indexOf(id);
  ids[at] = ids[ids.length - 1];
  ids.pop();
}

function sameState(expected: Stored | null, got: Stored | undefined): boolean {
  if (expected === null) return got === undefined;
  return (
    got !== undefined &&
    isDeepStrictEqual(got.vector, expected.vector) &&
    isDeepStrictEqual(got.payload, expected.payload)
  );
}

interface Figures {
  acked: Record<Operation, number>;
  pointChecks: number;
  deleteChecks: number;
  pendingAtKill: number;
  pendingLanded: number;
  losses: number;
}

export async function killRounds(options: KillRoundsOptions): Promise<PartReport> {
  const dir = tempDir('quiver-stress-kill-');
  const rng = new SeededRandom(options.seed);
  const model = new Model(options.writers);
  const statuses = new StatusHistogram();
  const violations: string[] = [];
  const figures: Figures = {
    acked: { upsert: 0, overwrite: 0, delete: 0, flush: 0, compact: 0 },
    pointChecks: 0,
    deleteChecks: 0,
    pendingAtKill: 0,
    pendingLanded: 0,
    losses: 0,
  };
  let sealed = 0;
  try {
    for (let round = 0; round <= options.rounds; round++) {
      const server = await startServer(dir.path);
      try {
        if (round === 0) {
          const created = await http(server.url, 'PUT', COLLECTION, {
            vectors: { size: CRASH_DIM, distance: 'Euclid' },
            segment_size: 300,
          });
          if (created.status !== 200) throw new Error(`creating the collection: ${created.status}`);
        } else {
          await check(server.url, round, model, figures, violations);
        }
        if (round === options.rounds) {
          const info = await http(server.url, 'GET', COLLECTION);
          sealed =
            (info.body as { result?: { quiver?: { sealed_segments?: number } } }).result?.quiver
              ?.sealed_segments ?? 0;
          const code = await server.stop();
          if (code !== 0) violations.push(`graceful shutdown after the last round exited with ${code}`);
          break;
        }
        const kill = { afterAcks: 5 + rng.int(options.maxAcks), delayMs: rng.int(KILL_DELAY_MS) };
        await writeUntilKilled(server, round, kill, options, model, figures, statuses, violations);
        for (const entry of model.entries.values()) if (entry.hasPending) figures.pendingAtKill++;
      } finally {
        await server.kill();
      }
    }
  } finally {
    dir.cleanup();
  }
  const acked = Object.values(figures.acked).reduce((a, b) => a + b, 0);
  return {
    part: 'SIGKILL rounds under concurrent writers',
    summary:
      `${options.rounds} rounds of \`quiver serve\` killed with SIGKILL 0–${KILL_DELAY_MS} ms after 5–${options.maxAcks + 4} ` +
      `acknowledged requests from ${options.writers} concurrent writers (seed ${options.seed}); after each ` +
      'restart every acknowledged point is read back and compared, every acknowledged delete checked.',
    figures: [
      ['rounds (SIGKILL + restart)', options.rounds],
      ['acknowledged requests', acked],
      ...Object.entries(figures.acked).map(([op, n]): [string, number] => [`… ${op}`, n]),
      ['point checks (present, exact vector and payload)', figures.pointChecks],
      ['absence checks (acknowledged deletes, writes that never landed)', figures.deleteChecks],
      ['points in flight at a kill (either state accepted)', figures.pendingAtKill],
      ['… of which had landed', figures.pendingLanded],
      ['points at the end', model.liveCount],
      ['sealed segments at the end', sealed],
      ['losses', figures.losses],
    ],
    statuses,
    violations,
  };
}

async function writeUntilKilled(
  server: ServerProcess,
  round: number,
  killAt: { afterAcks: number; delayMs: number },
  options: KillRoundsOptions,
  model: Model,
  figures: Figures,
  statuses: StatusHistogram,
  violations: string[],
): Promise<void> {
  let acks = 0;
  let refused = 0;
  let killed = false;
  let nextBatch = 0;
  let killing: Promise<void> | undefined;
  const kill = () => {
    killed = true;
    killing ??= server.kill();
  };

  const writer = async (w: number): Promise<void> => {
    const rng = new SeededRandom(options.seed * 7919 + round * 101 + w);
    while (!killed) {
      const { operation, method, path, body, changes } = nextRequest(w, rng, round, model, () => nextBatch++);
      model.begin(changes);
      let status: number;
      try {
        status = (await http(server.url, method, path, body)).status;
      } catch (error) {
        statuses.add(operation, 'reset');
        if (!killed) {
          violations.push(`round ${round}: ${operation} failed before the kill: ${(error as Error).message}`);
          kill();
        }
        return;
      }
      statuses.add(operation, status);
      if (status !== 200) {
        violations.push(`round ${round}: ${operation} answered ${status}`);
        if (++refused === MAX_REFUSED) kill();
        continue;
      }
      model.acknowledge(w, changes);
      figures.acked[operation]++;
      if (++acks === killAt.afterAcks) setTimeout(kill, killAt.delayMs);
    }
  };
  await Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
  await killing;
}

/** A writer's next request; `changes` is what it does to each id it touches. */
function nextRequest(w: number, rng: SeededRandom, round: number, model: Model, newBatch: () => number) {
  const changes = new Map<string, Stored | null>();
  const live = model.live[w];
  const roll = rng.next();
  if (roll < 0.03)
    return { operation: 'flush' as const, method: 'POST', path: `${COLLECTION}/flush`, changes };
  if (roll < 0.05)
    return { operation: 'compact' as const, method: 'POST', path: `${COLLECTION}/compact`, changes };
  if (roll < 0.2 && live.length >= 3) {
    const ids = [...new Set(Array.from({ length: 3 }, () => live[rng.int(live.length)]))];
    for (const id of ids) changes.set(id, null);
    return {
      operation: 'delete' as const,
      method: 'POST',
      path: `${COLLECTION}/points/delete`,
      body: { points: ids },
      changes,
    };
  }
  if (roll < 0.4 && live.length >= 5) {
    const ids = [...new Set(Array.from({ length: 5 }, () => live[rng.int(live.length)]))];
    for (const id of ids) {
      const vector = Array.from(Float32Array.from({ length: CRASH_DIM }, () => rng.gaussian()));
      changes.set(id, { vector, payload: { overwritten: round, by: w, n: rng.int(1_000_000) } });
    }
    return { operation: 'overwrite' as const, ...upsertOf(changes), changes };
  }
  for (const p of crashBatch(round, newBatch())) {
    changes.set(`w${w}-${p.id}`, { vector: Array.from(p.vector), payload: p.payload });
  }
  return { operation: 'upsert' as const, ...upsertOf(changes), changes };
}

function upsertOf(changes: Map<string, Stored | null>) {
  const points = [...changes].map(([id, state]) => ({ id, ...state }));
  return { method: 'PUT', path: `${COLLECTION}/points`, body: { points } };
}

/** Reads every id back and compares it with the model; adopts the state found. */
async function check(url: string, round: number, model: Model, figures: Figures, violations: string[]) {
  const ids = [...model.entries.keys()];
  for (let start = 0; start < ids.length; start += CHECK_BATCH) {
    const batch = ids.slice(start, start + CHECK_BATCH);
    const response = await http(url, 'POST', `${COLLECTION}/points`, { ids: batch, with_vector: true });
    if (response.status !== 200) {
      violations.push(`round ${round}: reading points back answered ${response.status}`);
      return;
    }
    const found = new Map(
      (response.body as { result: ({ id: string } & Stored)[] }).result.map((p) => [
        p.id,
        { vector: p.vector, payload: p.payload },
      ]),
    );
    for (const id of batch) {
      const entry = model.entries.get(id)!;
      const got = found.get(id);
      if (entry.acked !== null) figures.pointChecks++;
      else if (!entry.hasPending) figures.deleteChecks++;
      if (sameState(entry.acked, got)) {
        resolve(model, id, entry, entry.acked);
      } else if (entry.hasPending && sameState(entry.pending!, got)) {
        figures.pendingLanded++;
        resolve(model, id, entry, entry.pending!);
      } else {
        if (entry.acked !== null) figures.losses++;
        violations.push(`after round ${round - 1}: ${describe(id, entry.acked, got)}`);
        resolve(model, id, entry, got ?? null);
      }
    }
  }
  const count = await http(url, 'POST', `${COLLECTION}/points/count`, {});
  const counted = (count.body as { result?: { count?: number } }).result?.count;
  if (counted !== model.liveCount) {
    violations.push(`after round ${round - 1}: count ${counted}, expected ${model.liveCount}`);
  }
}

function resolve(model: Model, id: string, entry: Entry, state: Stored | null): void {
  const writer = Number(/^w(\d+)-/.exec(id)![1]);
  entry.pending = state;
  entry.hasPending = true;
  model.acknowledge(writer, new Map([[id, state]]));
}

function describe(id: string, expected: Stored | null, got: Stored | undefined): string {
  if (expected === null) return `deleted point ${id} is back`;
  if (got === undefined) return `acknowledged point ${id} is missing`;
  if (!isDeepStrictEqual(got.vector, expected.vector)) return `vector of ${id} changed`;
  return `payload of ${id} changed: ${JSON.stringify(got.payload)}`;
}
