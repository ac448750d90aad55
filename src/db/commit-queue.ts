/**
 * Serializes every change to a database and shares fsyncs between concurrent writes
 * (group commit).
 *
 * All writes, seals, compactions and drops run one at a time in submission order, so
 * in-memory state only changes inside a queue task. Writes that arrive while the queue is
 * busy or within the same event-loop turn join one group: just before the group commits,
 * each write's `check` runs (inside the queue, so no drop can land between it and the
 * commit) and a write whose collection is gone is rejected alone, with nothing written;
 * the remaining rows are appended in a single SQLite transaction (one fsync), then applied
 * to memory in order, and only then are their promises resolved. If the transaction
 * fails, nothing of the group is applied and every write in it is rejected.
 */
import type { SqliteCatalog } from '../storage/catalog.js';

export interface PendingWrite<T = unknown> {
  collectionId: number;
  kind: number;
  body: Uint8Array;
  /**
   * Throws if the write must not be committed any more (its collection was dropped or the
   * database closed since it was submitted); runs inside the queue, right before the commit.
   */
  check?(): void;
  /**
   * Further catalog statements of the write (its thumbnails), run in the transaction that
   * appends its row (see `WalAppend.alongside`); must not throw.
   */
  alongside?(): void;
  /** Applies the committed row to memory; runs inside the queue, must not throw. */
  apply(seq: number): T;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Group {
  writes: PendingWrite[];
  outcomes: Outcome[];
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
    return group.done.then(() => {
      const outcome = group.outcomes[index];
      if (!outcome.ok) throw outcome.error;
      return outcome.value as T;
    });
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
    const group: Group = { writes: [], outcomes: [], done: Promise.resolve() };
    this.open = group;
    group.done = this.exclusive(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.open = undefined;
      const admitted: number[] = [];
      group.writes.forEach((w, i) => {
        try {
          w.check?.();
          admitted.push(i);
        } catch (error) {
          group.outcomes[i] = { ok: false, error };
        }
      });
      if (admitted.length === 0) return;
      const seqs = this.catalog.appendWal(admitted.map((i) => group.writes[i]));
      admitted.forEach((i, n) => {
        group.outcomes[i] = { ok: true, value: group.writes[i].apply(seqs[n]) };
      });
    });
    return group;
  }
}
