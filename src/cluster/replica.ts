/**
 * One replica of one shard on this node: an embedded collection in the node's local database
 * (its cache folder) that applies the shard's write-ahead log from PostgreSQL, in log order.
 *
 * Invariants:
 * - `applied` is the highest log sequence number whose row the local collection holds
 *   (durably: each row is committed to the local WAL before `applied` moves past it).
 * - The position saved in the cache folder is never ahead of `applied`; after a crash the
 *   replica starts from the saved position and applies again what it had already applied.
 *   That is harmless: every logged write sets a state (an upsert by id, a delete by id, a
 *   payload change on ids resolved before logging), and the rows are applied again in the
 *   same order, so the collection ends as it was.
 * - A replica whose next row is gone from the log (a checkpoint covered and deleted it while
 *   the replica was away), or whose local copy fails verification while applying, is rebuilt
 *   from the shard's checkpoint (`rebuild`), then goes on from the checkpoint's position.
 * - Rows of a page are applied together (few local commits); `applied` moves only over a
 *   prefix of them that all succeeded.
 * - Applying, rebuilding and `paused` work (a checkpoint's snapshot) run one at a time; a
 *   request to catch up while that runs makes it go round once more, so no append is missed.
 *   Appends are heard through `WalListener` (LISTEN/NOTIFY), and the node also polls.
 * - `waitFor(seq)` resolves once `applied ≥ seq` (strong consistency: a read waits for the
 *   log position read when it began).
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { EmbeddedCollection } from '../db/collection.js';
import { ClosedError, CorruptDataError, UnavailableError } from '../errors.js';
import type { PgWal } from '../storage/pg-wal.js';

const PAGE = 500;

interface Waiter {
  seq: number;
  resolve(): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/** What a checkpoint needs of a replica. */
export interface ReplicaSource {
  readonly collectionId: number;
  readonly shard: number;
  /** Runs `work` while nothing is applied, with the collection and the position it holds. */
  paused<T>(work: (collection: EmbeddedCollection, applied: number) => Promise<T>): Promise<T>;
}

export interface ReplicaParts {
  collectionId: number;
  shard: number;
  /** Which of the shard's replicas this node holds the lease of. */
  replicaIndex: number;
  collection: EmbeddedCollection;
  applied: number;
  wal: PgWal;
  /** File holding the saved position. */
  positionFile: string;
  /** Replaces the local collection by the shard's checkpoint; resolves with it and its position. */
  rebuild(): Promise<{ collection: EmbeddedCollection; applied: number }>;
}

export class ShardReplica implements ReplicaSource {
  readonly collectionId: number;
  readonly shard: number;
  readonly replicaIndex: number;
  collection: EmbeddedCollection;
  applied: number;
  private readonly wal: PgWal;
  private readonly positionFile: string;
  private readonly rebuild: ReplicaParts['rebuild'];
  /** The tail of the chain of exclusive work (applying, rebuilding, paused work). */
  private tail: Promise<unknown> = Promise.resolve();
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private waiters: Waiter[] = [];
  /** The last catch-up's error, kept until one succeeds (for `info` and logs). */
  lastError: unknown;

  constructor(parts: ReplicaParts) {
    this.collectionId = parts.collectionId;
    this.shard = parts.shard;
    this.replicaIndex = parts.replicaIndex;
    this.collection = parts.collection;
    this.applied = parts.applied;
    this.wal = parts.wal;
    this.positionFile = parts.positionFile;
    this.rebuild = parts.rebuild;
  }

  /** The saved position in `file` (0 when there is none). */
  static savedPosition(file: string): number {
    try {
      const n = Number(readFileSync(file, 'utf8').trim());
      return Number.isSafeInteger(n) && n >= 0 ? n : 0;
    } catch {
      return 0;
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Reads and applies whatever the log holds past `applied`; resolves when it has caught up. */
  catchUp(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.exclusive(() => this.applyAvailable());
        } while (this.again && !this.closed);
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err;
        throw err;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async applyAvailable(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const rows = await this.wal.after(this.collectionId, this.shard, this.applied, PAGE);
      if (rows.length === 0 || rows[0].seq !== this.applied + 1) {
        // Nothing new, or the next row is gone: a checkpoint may have covered it.
        if ((await this.wal.checkpoint(this.collectionId, this.shard)) <= this.applied) return;
        const rebuilt = await this.rebuild();
        this.collection = rebuilt.collection;
        this.applied = rebuilt.applied;
        await this.savePosition();
        this.wake();
        continue;
      }
      if (this.closed) return;
      // The page's rows are submitted together, so the local commit queue commits them in
      // few transactions (one fsync each) rather than one per row; it applies them in
      // submission order. `applied` only moves over a prefix of rows that all succeeded: a row
      // after a failed one may already be applied, and applying it again later is harmless.
      const outcomes = await Promise.allSettled(
        rows.map((row) =>
          this.collection.applyLogged(
            row.kind,
            new Uint8Array(row.body.buffer, row.body.byteOffset, row.body.byteLength),
          ),
        ),
      );
      const failed = outcomes.findIndex((o) => o.status === 'rejected');
      const done = failed < 0 ? rows.length : failed;
      if (done > 0) this.applied = rows[done - 1].seq;
      this.wake();
      await this.savePosition();
      if (failed >= 0) {
        const reason = (outcomes[failed] as PromiseRejectedResult).reason;
        if (!(reason instanceof CorruptDataError)) throw reason;
        // The cache is disposable: a local copy that fails verification is rebuilt from the
        // shard's checkpoint and the log.
        const rebuilt = await this.rebuild();
        this.collection = rebuilt.collection;
        this.applied = rebuilt.applied;
        await this.savePosition();
        this.wake();
        continue;
      }
      if (rows.length < PAGE) return;
    }
  }

  private async savePosition(): Promise<void> {
    const tmp = `${this.positionFile}.tmp`;
    await writeFile(tmp, String(this.applied));
    await rename(tmp, this.positionFile);
  }

  paused<T>(work: (collection: EmbeddedCollection, applied: number) => Promise<T>): Promise<T> {
    const run = this.exclusive(() => work(this.collection, this.applied));
    run.finally(() => this.catchUp().catch(() => undefined)).catch(() => undefined);
    return run;
  }

  /**
   * Resolves once the replica has applied the log up to `seq` (catching up if needed);
   * rejects with `UnavailableError` after `timeoutMs`, or `ClosedError` if it closes first.
   */
  async waitFor(seq: number, timeoutMs: number): Promise<void> {
    if (this.applied >= seq) return;
    const reached = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new UnavailableError(
            'shard replica',
            `waiting for shard ${this.shard} to apply log position ${seq} (it is at ${this.applied}${
              this.lastError instanceof Error ? `; last error: ${this.lastError.message}` : ''
            })`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = { seq, resolve, reject, timer };
      this.waiters.push(waiter);
    });
    this.catchUp().catch(() => undefined);
    return reached;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= this.applied) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** Stops applying; waiters fail with `ClosedError`. The local collection stays (the node's cache). */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new ClosedError(`shard ${this.shard}'s replica`));
    }
    this.waiters = [];
    await this.tail.catch(() => undefined);
  }
}
