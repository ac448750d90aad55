/**
 * Serializes every change to a database and shares fsyncs between concurrent writes
 * (group commit).
 *
 * All writes, seals, compactions and drops run one at a time in submission order, so
 * in-memory state only changes inside a queue task. Writes that arrive while the queue is
 * busy or within the same event-loop turn join one group: the group's WAL rows are
 * appended in a single SQLite transaction (one fsync), then applied to memory in order,
 * and only then are their promises resolved. If the transaction fails, nothing of the
 * group is applied and every write in it is rejected.
 */
import type { SqliteCatalog } from '../storage/catalog.js';

export interface PendingWrite<T = unknown> {
  collectionId: number;
  kind: number;
  body: Uint8Array;
  /** Applies the committed row to memory; runs inside the queue, must not throw. */
  apply(seq: number): T;
}

interface Group {
  writes: PendingWrite[];
  results: unknown[];
  done: Promise<void>;
}

export class CommitQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private open: Group | undefined;

  constructor(private readonly catalog: SqliteCatalog) {}

  /** Commits `write` durably with whatever else is pending, applies it, resolves with `apply`'s result. */
  write<T>(write: PendingWrite<T>): Promise<T> {
    const group = this.open ?? this.openGroup();
    const index = group.writes.push(write) - 1;
    return group.done.then(() => group.results[index] as T);
  }

  /** Runs `task` alone, after everything submitted before it. */
  exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything submitted so far has finished. */
  async idle(): Promise<void> {
    await this.exclusive(() => undefined);
  }

  private openGroup(): Group {
    const group: Group = { writes: [], results: [], done: Promise.resolve() };
    this.open = group;
    group.done = this.exclusive(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.open = undefined;
      const seqs = this.catalog.appendWal(group.writes);
      group.writes.forEach((w, i) => {
        group.results[i] = w.apply(seqs[i]);
      });
    });
    return group;
  }
}
