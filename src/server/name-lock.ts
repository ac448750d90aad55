/**
 * One-at-a-time execution per name. The collection routes run a create and a drop of the
 * same collection name through it, so that a drop cannot land between a create and the
 * description of what it created (which would answer 404 for a create that took effect).
 * Different names never wait for each other; a name's entry is removed once its last task
 * settles, so the map holds only names with work in flight.
 */
export class NameLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every task given earlier for `name` has settled; resolves or rejects as it does. */
  run<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return result;
  }

  /** Names with a task queued or running (for tests: empty once all work has settled). */
  get size(): number {
    return this.tails.size;
  }
}
