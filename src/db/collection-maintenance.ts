/**
 * The maintenance of an embedded collection: sealing the growing segment (when it is full,
 * or on `flush`), compaction, and the declarations of payload indexes.
 *
 * Invariants: every change here runs as an exclusive task of the commit queue, which checks
 * inside the task that the collection is neither dropped nor closed (so a drop asked for
 * before the task runs makes a caller's task fail with `CollectionNotFoundError`, and an
 * automatic seal do nothing); a
 * payload index declaration is saved in the catalog before the in-memory configuration and
 * the segments' payload indexes change, within the same task; after each change the indexer
 * is asked to build the indexes that are missing. At most one automatic seal is queued at a
 * time.
 */

import { InvalidArgumentError } from '../errors.js';
import { checkPayloadIndex, type StoredCollectionConfig } from './collection-config.js';
import type { CollectionGate } from './collection-gate.js';
import type { CollectionHost } from './collection-host.js';
import type { CollectionStorage } from './collection-storage.js';
import type { SegmentIndexer } from './segment-indexer.js';
import type { PayloadIndexConfig } from './types.js';

/** What maintenance uses of its collection. */
export interface MaintenanceParts {
  readonly host: CollectionHost;
  readonly gate: CollectionGate;
  readonly name: string;
  readonly config: StoredCollectionConfig;
  readonly storage: CollectionStorage;
  readonly indexer: SegmentIndexer;
}

export class CollectionMaintenance {
  /** A seal of the full growing segment is queued and has not started. */
  private sealScheduled = false;

  constructor(private readonly c: MaintenanceParts) {}

  /** See `EmbeddedCollection.createPayloadIndex`. */
  async createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void> {
    const { host, gate, config, storage, indexer } = this.c;
    await gate.loaded();
    const info = checkPayloadIndex(key, type);
    await host.queue.exclusive(async () => {
      gate.check();
      const declared = { ...config.payloadIndexes, [key]: info };
      host.saveConfig(storage.collectionId, { ...config, payloadIndexes: declared });
      config.payloadIndexes = declared;
      for (const view of storage.set.views()) {
        const payloads = Array.from({ length: view.rows }, (_, i) => view.payload(i));
        view.payloadIndex.addField(key, info, payloads);
      }
    });
    indexer.scheduleMissing();
  }

  /** See `EmbeddedCollection.dropPayloadIndex`. */
  async dropPayloadIndex(key: string): Promise<void> {
    const { host, gate, config, storage, indexer } = this.c;
    await gate.loaded();
    await host.queue.exclusive(async () => {
      gate.check();
      if (!config.payloadIndexes?.[key]) {
        throw new InvalidArgumentError(`payload key ${JSON.stringify(key)} has no index`);
      }
      const { [key]: _dropped, ...rest } = config.payloadIndexes;
      host.saveConfig(storage.collectionId, { ...config, payloadIndexes: rest });
      config.payloadIndexes = rest;
      for (const view of storage.set.views()) view.payloadIndex.dropField(key);
    });
    indexer.scheduleMissing();
  }

  /** See `EmbeddedCollection.flush`. */
  async flush(): Promise<void> {
    const { host, gate, config, storage, indexer } = this.c;
    await gate.loaded();
    await host.queue.exclusive(() => {
      gate.check();
      return storage.seal(config.segmentSize);
    });
    indexer.scheduleMissing();
    await indexer.idle();
  }

  /** See `EmbeddedCollection.compact`. */
  async compact(): Promise<void> {
    const { host, gate, config, storage, indexer } = this.c;
    await gate.loaded();
    await host.queue.exclusive(() => {
      gate.check();
      return storage.compact(config.segmentSize);
    });
    indexer.scheduleMissing();
  }

  /**
   * Queues a seal once the growing segment holds `segmentSize` rows, or fewer when that many
   * would not fit in one arena (`CollectionStorage.sealRows`; called after each
   * applied upsert); a failed seal is reported as a process warning, the rows staying in the
   * growing segment and the WAL.
   */
  sealIfFull(): void {
    const { host, gate, name, config, storage, indexer } = this.c;
    if (this.sealScheduled || storage.set.growing.rows < storage.sealRows(config.segmentSize)) return;
    this.sealScheduled = true;
    host.queue
      .exclusive(async () => {
        this.sealScheduled = false;
        if (!gate.dropped && !host.closed) await storage.seal(config.segmentSize);
        indexer.scheduleMissing();
      })
      .catch((err: Error) => process.emitWarning(`quiver: sealing '${name}' failed: ${err.message}`));
  }
}
