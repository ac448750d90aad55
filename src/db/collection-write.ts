/**
 * Upserts, deletes and purges of an embedded collection. Each validates and encodes its
 * whole input first (so a rejected call changes nothing), then submits one change through
 * the database's commit queue and resolves once it is durable: the queue logs it in the WAL
 * (with its thumbnail changes, and for a purge its intent, in the same transaction) and only
 * then applies it to memory. The task's `check` runs inside the queue, so a write not yet
 * committed when the collection is dropped or the database closed fails and writes nothing.
 * Inputs of provider fields are embedded before the write is queued (field-embedders.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import { WalKind } from '../storage/wal-record.js';
import type { StoredCollectionConfig, StoredVectorField } from './collection-config.js';
import type { CollectionGate } from './collection-gate.js';
import type { CollectionHost } from './collection-host.js';
import type { CollectionMaintenance } from './collection-maintenance.js';
import type { CollectionStorage } from './collection-storage.js';
import type { FieldEmbedders } from './field-embedders.js';
import { type DeleteContext, deletePoints } from './point-delete.js';
import type { PointThumbnails } from './point-thumbnails.js';
import { erase, type PurgeResult, type PurgeTarget, purgeRequested } from './purge.js';
import type { QueryInput } from './query-input.js';
import type { SegmentIndexer } from './segment-indexer.js';
import type { DeleteByFilter, DeleteOptions, PointId, PointInput, RawPointInput } from './types.js';
import { encodeUpsertBatch } from './upsert-batch.js';
import { describe } from './validate.js';

/** What the writes use of their collection. */
export interface PointWriteParts {
  readonly host: CollectionHost;
  readonly gate: CollectionGate;
  readonly name: string;
  readonly config: StoredCollectionConfig;
  readonly fields: readonly StoredVectorField[];
  readonly storage: CollectionStorage;
  readonly input: QueryInput;
  readonly embedders: FieldEmbedders;
  readonly thumbnails: PointThumbnails;
  readonly indexer: SegmentIndexer;
  readonly maintenance: CollectionMaintenance;
}

export class PointWrites {
  /** What `deletePoints` works on (made once: it only holds references). */
  private readonly deleting: DeleteContext;

  constructor(private readonly c: PointWriteParts) {
    this.deleting = {
      queue: c.host.queue,
      storage: c.storage,
      thumbnails: c.thumbnails,
      check: () => c.gate.check(),
    };
  }

  /** See `EmbeddedCollection.upsert`. */
  async upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    const { gate, embedders } = this.c;
    await gate.loaded();
    if (!Array.isArray(points))
      throw new InvalidArgumentError(`points: expected an array, got ${describe(points)}`);
    if (!embedders.active) return this.upsertVectors(points as PointInput[]);
    const embedded = await embedders.points(points);
    gate.check();
    return this.upsertVectors(embedded.points, embedded.thumbnails);
  }

  /** `upsert` once every raw input is a vector (`thumbnails`: by point, see `EmbeddedPoints`). */
  private async upsertVectors(
    points: PointInput[],
    thumbnails?: readonly (ReadonlyMap<string, Buffer> | undefined)[],
  ): Promise<void> {
    if (points.length === 0) return;
    const { host, gate, fields, input, storage, maintenance } = this.c;
    const { ids, payloads, body, kind, fieldRows } = encodeUpsertBatch(points, fields, input);
    await host.queue.write({
      collectionId: storage.collectionId,
      kind,
      body,
      alongside: this.c.thumbnails.upsertChange(ids, thumbnails),
      check: () => {
        gate.check();
        storage.checkRoom(ids.length);
      },
      apply: (seq) => {
        storage.applyUpsert(seq, ids, fieldRows, payloads);
        maintenance.sealIfFull();
      },
    });
  }

  /** See `EmbeddedCollection.applyLogged`. */
  async applyLogged(kind: number, body: Uint8Array): Promise<void> {
    const { host, gate, storage, maintenance, indexer } = this.c;
    await gate.loaded();
    await host.queue.write({
      collectionId: storage.collectionId,
      kind,
      body,
      check: () => {
        gate.check();
        if (kind === WalKind.UPSERT || kind === WalKind.UPSERT_FIELDS) storage.checkRoom(1);
      },
      apply: (seq) => {
        storage.replay(kind, body, seq);
        if (kind === WalKind.PAYLOAD) indexer.scheduleMissing();
        else maintenance.sealIfFull();
      },
    });
  }

  /** See `EmbeddedCollection.delete`. */
  async delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    this.c.gate.check();
    await this.c.gate.loaded();
    if (purgeRequested(options)) return (await this.purge(selector)).deleted;
    return deletePoints(this.deleting, selector, false);
  }

  /** See `EmbeddedCollection.purge`. */
  async purge(selector: PointId[] | DeleteByFilter): Promise<PurgeResult> {
    this.c.gate.check();
    await this.c.gate.loaded();
    const deleted = await deletePoints(this.deleting, selector, true);
    return { deleted, ...(await erase(this.purgeTarget())) };
  }

  /** What `erase` works on for this collection. */
  purgeTarget(): PurgeTarget {
    const { host, gate, name, config, storage, indexer } = this.c;
    return {
      check: () => gate.check(),
      name,
      storage,
      queue: host.queue,
      indexer,
      segmentSize: config.segmentSize,
      dropSnapshots: () => host.dropSnapshots(name),
    };
  }
}
