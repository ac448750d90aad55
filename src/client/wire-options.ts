/**
 * The client's conversions of options and descriptions between the `Collection` API's
 * terms and the REST API's (Qdrant's): score thresholds and radii in Qdrant's score
 * conventions (a Euclidean distance for l2, where the engine's score is its square; see
 * `server/distance.ts`), the order of a scroll, and the engine's description of a collection (the `quiver` part of its info).
 */
import type { CollectionInfo, Metric } from '../db/types.js';
import { indexFromWire, type WireIndex } from '../wire/format.js';

/** A `scoreThreshold` (engine terms) as the REST API's `score_threshold`; `metric` undefined for scores that are not distances. */
export function restThreshold(metric: Metric | undefined, threshold: unknown): unknown {
  if (metric !== 'l2' || typeof threshold !== 'number' || threshold < 0) return threshold;
  return Math.sqrt(threshold);
}

/** A range search's `radius` (engine terms, see `RangeSearchOptions`) as the REST API's `score_threshold`. */
export function thresholdOfRadius(metric: Metric, radius: unknown): unknown {
  if (typeof radius !== 'number') return radius;
  if (metric === 'cosine') return 1 - radius;
  return restThreshold(metric, radius);
}

/** A scroll's `orderBy` as Qdrant's `order_by`. */
export function orderByToWire(orderBy: unknown): unknown {
  if (typeof orderBy !== 'object' || orderBy === null) return orderBy;
  const { startFrom, ...rest } = orderBy as { startFrom?: unknown } & Record<string, unknown>;
  return startFrom === undefined ? rest : { ...rest, start_from: startFrom };
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The engine's description of a collection from the `quiver` part of its info (without the name). */
export function infoFromWire(quiver: Record<string, unknown>): Omit<CollectionInfo, 'name'> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(quiver)) {
    if (key === 'index') out.index = indexFromWire(value as WireIndex);
    else if (key === 'vectors') {
      const fields: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(value as Record<string, { index: WireIndex }>)) {
        fields[name] = { ...(camelKeys(f) as Record<string, unknown>), index: indexFromWire(f.index) };
      }
      out.vectors = fields;
    } else if (key === 'payload_indexes') out.payloadIndexes = value;
    else out[camel(key)] = camelKeys(value);
  }
  return out as unknown as Omit<CollectionInfo, 'name'>;
}

/** `value` with the keys of a plain object (and of the plain objects in it) in camelCase. */
function camelKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]));
}
