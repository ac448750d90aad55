/**
 * `Collection.info()`: what a collection holds and how, read from its in-memory state
 * (never from disk), so it answers at once whatever the data size. While the segments load
 * in the background (segment-loader.ts), the count and the number of sealed segments come
 * from the manifest, memory from what is loaded so far, and `loading` says how far it is.
 */
import type { StoredCollectionConfig, StoredVectorField } from './collection-config.js';
import type { CollectionStorage } from './collection-storage.js';
import { storageUsage } from './memory-info.js';
import type { SegmentLoader } from './segment-loader.js';
import type { CollectionInfo } from './types.js';

export interface InfoSource {
  name: string;
  config: StoredCollectionConfig;
  fields: readonly StoredVectorField[];
  storage: CollectionStorage;
  /** Sealed segments whose index is being built. */
  indexing: number;
  catalogIntegrity: string;
  loader: SegmentLoader;
}

export function describeCollection(c: InfoSource): CollectionInfo {
  const { storage, config } = c;
  const usage = storageUsage(storage);
  const info: CollectionInfo = {
    name: c.name,
    dimension: config.dimension,
    metric: config.metric,
    payloadIndexes: structuredClone(config.payloadIndexes ?? {}),
    count: c.loader.count,
    sealedSegments: c.loader.isReady ? storage.sealedCount : c.loader.progress.segmentsTotal,
    growingPoints: storage.set.growing.rows,
    index: { ...config.index },
    indexedSegments: storage.set.sealed.filter((p) => p.segment.indexed).length,
    indexingSegments: c.indexing,
    catalogIntegrity: c.catalogIntegrity,
    memory: usage.memory,
    disk: usage.disk,
    loading: c.loader.progress,
  };
  if (config.onDisk) info.onDisk = true;
  if (config.vectors !== undefined) {
    info.vectors = Object.fromEntries(
      c.fields.map((f, i) => [
        f.name,
        {
          dimension: f.dimension,
          metric: f.metric,
          index: { ...f.index },
          ...(f.provider ? { provider: f.provider.name, storeInput: f.provider.storeInput } : {}),
          ...(f.onDisk ? { onDisk: true } : {}),
          ...usage.fields[i],
        },
      ]),
    );
  }
  return info;
}
