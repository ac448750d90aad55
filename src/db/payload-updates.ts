/**
 * The payload-update calls of a collection (Qdrant's set, overwrite, delete and clear
 * payload): validation at the boundary, selection of points by ids or filter, and one WAL row
 * per call through the commit queue.
 *
 * Guarantees, each inherited from the commit queue and the WAL as for upserts:
 * - durable: a call resolves only after its WAL row committed (fsync), so an acknowledged
 *   change survives `kill -9`;
 * - atomic: one call is one WAL row, applied to memory in one synchronous step after it
 *   commits, and re-applied whole on replay (a row that never committed is not there);
 * - no vector rewrite: the row holds the operation and ids only; applying it changes payloads
 *   and payload indexes, never vectors or vector indexes (see payload-apply.ts);
 * - a call racing a drop of its collection is rejected with `CollectionNotFoundError` and
 *   nothing of it is written (the queue's `check` runs right before the commit).
 * A filter is resolved to ids inside the commit queue, in the same task that logs and applies
 * the change, so the call acts on exactly the points that match when it takes effect; the
 * WAL row lists those ids, so replay does not re-evaluate the filter (whose text conditions
 * depend on the analyzers of payload indexes, which are not logged).
 */
import { InvalidArgumentError } from '../errors.js';
import { type Filter, parseFilter } from '../payload/filter.js';
import type { PayloadOperation } from '../storage/payload-record.js';
import { encodePayloadRecord } from '../storage/payload-record.js';
import { WalKind } from '../storage/wal-record.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import { checkKeyPath, checkKeyPaths, checkPayloadObject } from './payload-edit.js';
import { matchingRows } from './search.js';
import type { PointId, PointSelector, SetPayloadOptions } from './types.js';
import { checkIds, checkOptions, describe } from './validate.js';

export class PayloadUpdates {
  /**
   * @param check throws when the collection can no longer be written (dropped, closed)
   * @param changed runs after each call that changed something (schedules derived work)
   */
  constructor(
    private readonly queue: CommitQueue,
    private readonly storage: CollectionStorage,
    private readonly check: () => void,
    private readonly changed: () => void,
  ) {}

  /** Merges `payload`'s keys into each selected point's payload (into the object at `options.key`). */
  async set(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number> {
    this.check();
    const opts = checkOptions(options, 'setPayload options');
    const operation: PayloadOperation = { op: 'set', payload: checkPayloadObject(payload, 'payload') };
    if (opts.key !== undefined) operation.key = checkKeyPath(opts.key, 'key');
    return this.apply(selector, operation, 'setPayload');
  }

  /** Replaces each selected point's payload by `payload`. */
  async overwrite(selector: PointSelector, payload: Record<string, unknown>): Promise<number> {
    this.check();
    return this.apply(
      selector,
      { op: 'overwrite', payload: checkPayloadObject(payload, 'payload') },
      'overwritePayload',
    );
  }

  /** Removes the dotted paths `keys` from each selected point's payload. */
  async deleteKeys(selector: PointSelector, keys: string[]): Promise<number> {
    this.check();
    return this.apply(
      selector,
      { op: 'delete_keys', keys: checkKeyPaths(keys, 'keys') },
      'deletePayloadKeys',
    );
  }

  /** Removes each selected point's whole payload. */
  async clear(selector: PointSelector): Promise<number> {
    this.check();
    return this.apply(selector, { op: 'clear' }, 'clearPayload');
  }

  /** Logs and applies `operation` on the selected points; resolves with how many existed. */
  private async apply(selector: PointSelector, operation: PayloadOperation, call: string): Promise<number> {
    const applied = Array.isArray(selector)
      ? await this.applyToIds(checkIds(selector, `${call}: ids`), operation)
      : await this.applyToFilter(this.filterOf(selector, call), operation);
    if (applied > 0) this.changed();
    return applied;
  }

  /** Ids given: the row joins a group commit like an upsert. */
  private async applyToIds(ids: PointId[], operation: PayloadOperation): Promise<number> {
    if (ids.length === 0) return 0;
    return this.queue.write({
      collectionId: this.storage.collectionId,
      kind: WalKind.PAYLOAD,
      body: encodePayloadRecord({ ids, operation }),
      check: this.check,
      apply: (seq) => this.storage.applyPayload(seq, { ids, operation }),
    });
  }

  /**
   * A filter: resolved, logged and applied in one queue task of its own, so no write lands
   * between the filter's evaluation and the change (a write submitted before the call is
   * applied before the evaluation, one submitted after it after the change).
   */
  private applyToFilter(filter: Filter, operation: PayloadOperation): Promise<number> {
    return this.queue.exclusive(() => {
      this.check();
      const matching = matchingRows(this.storage.set.views(), filter);
      if (matching.length === 0) return 0;
      const record = { ids: matching.map(({ view, offset }) => view.id(offset)), operation };
      const seq = this.storage.appendWal(WalKind.PAYLOAD, encodePayloadRecord(record));
      return this.storage.applyPayload(seq, record);
    });
  }

  private filterOf(selector: unknown, call: string): Filter {
    if (typeof selector === 'object' && selector !== null && 'filter' in selector) {
      return parseFilter(selector.filter);
    }
    throw new InvalidArgumentError(
      `${call}: expected an array of ids or { filter }, got ${describe(selector)}`,
    );
  }
}
