/**
 * What a collection asks of the database that owns it (`Quiver` implements it): the commit
 * queue every change goes through, whether the database is closed, and the few catalog-wide
 * operations a collection cannot do alone. A collection never reaches its owner otherwise,
 * so the database can import the collection and not the other way round.
 */
import type { StoredCollectionConfig } from './collection-config.js';
import type { CommitQueue } from './commit-queue.js';
import type { EmbedderResolver } from './field-embedders.js';

/** The owner's side of a collection: whether it is still usable. */
export interface CollectionHost {
  readonly queue: CommitQueue;
  readonly closed: boolean;
  /** Persists a collection's changed configuration (payload indexes). */
  saveConfig(collectionId: number, config: StoredCollectionConfig): void;
  /** Creates the embedding providers of provider fields. */
  readonly embedders: EmbedderResolver;
  /** The catalog's `PRAGMA quick_check` verdict at open ('ok' when sound). */
  readonly catalogIntegrity: string;
  /** Deletes every managed snapshot of collection `name` (a purge); resolves with their names. */
  dropSnapshots(name: string): Promise<string[]>;
}
