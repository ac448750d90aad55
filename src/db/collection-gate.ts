/**
 * The checks every call on a collection passes first: the database is open, the collection
 * not dropped, and (unless the call needs no segment) its segments loaded.
 *
 * Invariants: `check()` throws `ClosedError` once the database is closed and
 * `CollectionNotFoundError` once `dropped` is set, whatever else holds; `loaded()` and
 * `readable()` check before waiting and again after, so a call that waited for the loader
 * never runs on a collection dropped or a database closed meanwhile. Writes and maintenance
 * wait (`loaded`); reads wait too unless given `{ wait: false }`, which fails at once with
 * `NotReadyError` (`readable`).
 */
import { ClosedError, CollectionNotFoundError } from '../errors.js';
import type { SegmentLoader } from './segment-loader.js';
import type { ReadOptions } from './types.js';

export class CollectionGate {
  /** Set when the collection is dropped (cleared again if the drop fails before committing). */
  dropped = false;

  constructor(
    private readonly host: { readonly closed: boolean },
    private readonly name: string,
    readonly loader: SegmentLoader,
  ) {}

  /** @throws ClosedError, CollectionNotFoundError when the database or the collection is gone. */
  check(): void {
    if (this.host.closed) throw new ClosedError('database');
    if (this.dropped) throw new CollectionNotFoundError(this.name);
  }

  /**
   * Resolves once the segments are loaded (at once when they are); rejects with the error
   * that kept them from loading.
   */
  async loaded(): Promise<void> {
    this.check();
    await this.loader.whenReady();
    this.check();
  }

  /** `loaded()` for a read: with `{ wait: false }`, `NotReadyError` instead of waiting. */
  async readable(options: unknown): Promise<void> {
    this.check();
    const wait = (options as ReadOptions | undefined)?.wait;
    await this.loader.whenReady(typeof options !== 'object' || options === null || wait !== false);
    this.check();
  }
}
