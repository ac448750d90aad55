/**
 * The collections of an open database, by name: the live ones (`EmbeddedCollection`) and the
 * broken ones, whose configuration, manifest or files failed verification (at open, or while
 * their segments loaded). A broken collection stays listed and can be dropped; asking for it
 * throws its `CorruptDataError`.
 *
 * Invariants: a name is live or broken, never both; a broken collection holds no memory (its
 * storage was disposed when it was found broken); the registry changes at open, in the
 * database's queued tasks (create, drop, the last step of a restore) and when a collection's
 * background load fails.
 */
import { CollectionNotFoundError, CorruptDataError } from '../errors.js';
import type { EmbeddedCollection } from './collection.js';

/** A collection that failed verification: its catalog id and the error its calls get. */
export interface BrokenCollection {
  readonly id: number;
  readonly error: CorruptDataError;
}

export class CollectionRegistry {
  private readonly live = new Map<string, EmbeddedCollection>();
  private readonly broken = new Map<string, BrokenCollection>();

  /**
   * The live collection `name`.
   * @throws CorruptDataError when it is broken, CollectionNotFoundError when there is none.
   */
  get(name: string): EmbeddedCollection {
    const found = this.live.get(name);
    if (found) return found;
    const broken = this.broken.get(name);
    if (broken) throw broken.error;
    throw new CollectionNotFoundError(String(name));
  }

  /** The live collection `name`, if there is one. */
  find(name: string): EmbeddedCollection | undefined {
    return this.live.get(name);
  }

  /** Whether a collection `name` exists, live or broken. */
  has(name: string): boolean {
    return this.live.has(name) || this.broken.has(name);
  }

  /** The catalog id of collection `name`, live or broken. */
  idOf(name: string): number | undefined {
    return this.live.get(name)?.storage.collectionId ?? this.broken.get(name)?.id;
  }

  /** Names of every collection, live and broken, sorted. */
  names(): string[] {
    return [...this.live.keys(), ...this.broken.keys()].sort();
  }

  /** Names of the live collections, sorted. */
  liveNames(): string[] {
    return [...this.live.keys()].sort();
  }

  /** The live collections. */
  values(): IterableIterator<EmbeddedCollection> {
    return this.live.values();
  }

  /** Makes `collection` the live collection `name` (a broken one of that name is forgotten). */
  add(name: string, collection: EmbeddedCollection): void {
    this.broken.delete(name);
    this.live.set(name, collection);
  }

  /** Lists `name` as broken with `error`, found when the collection `id` was opened. */
  addBroken(name: string, id: number, error: CorruptDataError): void {
    this.live.delete(name);
    this.broken.set(name, { id, error });
  }

  /** Forgets collection `name`, live or broken (a drop). */
  forget(name: string): void {
    this.live.delete(name);
    this.broken.delete(name);
  }

  /** Forgets every collection (a close, once each was disposed). */
  clear(): void {
    this.live.clear();
    this.broken.clear();
  }

  /**
   * The background load of collection `name` (catalog id `id`) failed with `err`. A
   * `CorruptDataError` makes it listed as broken (as a failure at open would have left it)
   * and frees its memory; any other error (memory exhausted) leaves it listed, its reads
   * rejecting with the error, until it is dropped or the database closed. Returns the error
   * its reads report.
   */
  loadFailed(name: string, id: number, err: Error): Error {
    const failed = this.live.get(name);
    if (failed?.storage.collectionId !== id) return err;
    // Its memory is freed when it is closed or dropped (disposing twice would release twice).
    if (!(err instanceof CorruptDataError)) return err;
    const error = new CorruptDataError(`collection '${name}'`, err.message);
    this.addBroken(name, id, error);
    failed.storage.dispose();
    return error;
  }
}
