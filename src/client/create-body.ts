/**
 * A `CollectionConfig` as Qdrant's create-collection body: `dimension`/`metric` become
 * `vectors: { size, distance }`, named fields `vectors: { name: { size, distance } }`, and
 * Quiver's own options travel as the server's extensions (`index`, `provider`,
 * `provider_options`, `store_input`, `segment_size`, `payload_indexes`; `onDisk` is Qdrant's
 * vector `on_disk`; `shards` and `replicas`, for a cluster, are Qdrant's `shard_number` and
 * `replication_factor`). The checks the
 * wire cannot carry (both `dimension` and `vectors`) are the engine's, made here with its
 * error; values of the wrong type go on as they are, for the server to refuse.
 */
import type { IndexConfig, Metric } from '../db/types.js';
import { describe } from '../db/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { indexToWire } from '../wire/format.js';

const DISTANCES: Record<string, string> = {
  l2: 'Euclid',
  ip: 'Dot',
  cosine: 'Cosine',
  l1: 'Manhattan',
  hamming: 'Hamming',
  jaccard: 'Jaccard',
};

function distanceOf(metric: unknown, where: string): unknown {
  if (metric === undefined) return undefined;
  const distance = typeof metric === 'string' ? DISTANCES[metric] : undefined;
  if (distance === undefined) {
    throw new InvalidArgumentError(
      `${where}: metric must be one of ${Object.keys(DISTANCES).join(', ')}, got ${describe(metric)}`,
    );
  }
  return distance;
}

const wireIndex = (index: unknown) =>
  typeof index === 'object' && index !== null ? indexToWire(index as IndexConfig) : index;

function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

export function createBody(config: Record<string, unknown>): Record<string, unknown> {
  const { dimension, metric, vectors, index, segmentSize, payloadIndexes, onDisk, shards, replicas } = config;
  if (vectors !== undefined && (dimension !== undefined || metric !== undefined)) {
    throw new InvalidArgumentError('collection config: give either dimension/metric or vectors, not both');
  }
  const body: Record<string, unknown> = {};
  if (vectors !== undefined) {
    if (typeof vectors !== 'object' || vectors === null || Array.isArray(vectors)) body.vectors = vectors;
    else {
      const named: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(vectors as Record<string, Record<string, unknown>>)) {
        named[name] =
          typeof f !== 'object' || f === null
            ? f
            : defined({
                size: f.dimension,
                distance: distanceOf(f.metric as Metric | undefined, `vectors.${name}.metric`),
                index: wireIndex(f.index),
                provider: f.provider,
                provider_options: f.providerOptions,
                store_input: f.storeInput,
                on_disk: f.onDisk,
              });
      }
      body.vectors = named;
    }
  } else if (dimension !== undefined) {
    body.vectors = defined({ size: dimension, distance: distanceOf(metric, 'metric'), on_disk: onDisk });
  } else if (metric !== undefined) {
    throw new InvalidArgumentError('collection config: dimension is required (or vectors)');
  }
  if (index !== undefined) body.index = wireIndex(index);
  if (segmentSize !== undefined) body.segment_size = segmentSize;
  if (payloadIndexes !== undefined) {
    body.payload_indexes = payloadIndexes;
  }
  // Cluster mode (a single server ignores them).
  if (shards !== undefined) body.shard_number = shards;
  if (replicas !== undefined) body.replication_factor = replicas;
  return body;
}
