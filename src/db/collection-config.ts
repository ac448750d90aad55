/**
 * A collection's configuration: validating what users give (`CollectionConfig`) and the
 * resolved form stored in the catalog (`StoredCollectionConfig`), with its vector fields
 * and payload index declarations.
 *
 * Invariants of a stored config: `fields` is non-empty; a collection with one unnamed
 * vector has exactly one field named '' (and its `dimension`/`metric`/`index` mirror it);
 * named fields have distinct names matching FIELD_NAME; binary fields are indexed Flat.
 */
import { InvalidArgumentError } from '../errors.js';
import { isValidPayloadKey } from '../payload/payload-path.js';
import type { FieldLayout } from '../segment/segment-view.js';
import { TEXT_ANALYZERS } from '../text/analyzer.js';
import { checkIndexSpec, type IndexSpec, recipeOf } from './index-spec.js';
import {
  checkBinaryDimension,
  checkIndexForMetric,
  distanceKind,
  isBinary,
  METRICS,
  rowLength,
} from './metric.js';
import { checkOnDisk } from './ondisk-config.js';
import { providerInputKind } from './provider-kind.js';
import type { Metric, PayloadIndexInfo, TextAnalyzerName } from './types.js';
import { checkInteger, checkOptions, describe } from './validate.js';

export const DEFAULT_SEGMENT_SIZE = 100_000;
/** At most this many named vector fields per collection. */
export const MAX_VECTOR_FIELDS = 16;
const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;

import { PAYLOAD_INDEX_TYPES } from '../payload/index-declaration.js';

export { PAYLOAD_INDEX_TYPES };

/**
 * What a provider field keeps of its raw inputs besides the vector: nothing (false), string
 * inputs in the payload (true), or a WebP thumbnail of each image input ('thumbnail', image
 * providers only; see point-thumbnails.ts).
 */
export type StoreInput = boolean | 'thumbnail';

/** The embedding provider of a vector field, as stored. */
export interface StoredProvider {
  name: string;
  options: Record<string, unknown>;
  storeInput: StoreInput;
}

/** One vector field as stored: '' names the single unnamed vector. */
export interface StoredVectorField {
  name: string;
  dimension: number;
  metric: Metric;
  index: IndexSpec;
  /** Sealed segments keep the vectors on disk and codes in memory (ondisk-config.ts); absent: in memory. */
  onDisk?: true;
  /** Named fields only. */
  provider?: StoredProvider;
}

/** What a collection stores in the catalog. */
export interface StoredCollectionConfig {
  /** Of the first field. */
  dimension: number;
  metric: Metric;
  /** Rows of the growing segment at which it is sealed. */
  segmentSize: number;
  /** Index of the first field (configs stored before indexes existed read as flat). */
  index: IndexSpec;
  /** Of the first field (an unnamed vector kept on disk). */
  onDisk?: true;
  /** Named vector fields, in declaration order; absent for one unnamed vector. */
  vectors?: StoredVectorField[];
  /** Indexed payload keys. */
  payloadIndexes?: Record<string, PayloadIndexInfo>;
}

/** Whether a field keeps a thumbnail of each image input. */
export function keepsThumbnails(field: StoredVectorField): boolean {
  return field.provider?.storeInput === 'thumbnail';
}

/** The vector fields of a stored config, in field order. */
export function fieldsOf(config: StoredCollectionConfig): StoredVectorField[] {
  if (config.vectors) return config.vectors;
  const field: StoredVectorField = {
    name: '',
    dimension: config.dimension,
    metric: config.metric,
    index: config.index,
  };
  if (config.onDisk) field.onDisk = true;
  return [field];
}

/** The segment layout of stored fields. */
export function layoutOf(fields: readonly StoredVectorField[]): FieldLayout[] {
  return fields.map((f) => ({
    name: f.name,
    dimension: rowLength(f.dimension, f.metric),
    distance: distanceKind(f.metric),
    ...(f.onDisk ? { onDisk: true } : {}),
    ...(recipeOf(f.index)?.family === 'hnsw' && !isBinary(f.metric) ? { walked: true } : {}),
  }));
}

/** Validates a user's collection config (throws `InvalidArgumentError` naming the bad part). */
export function checkConfig(config: unknown): StoredCollectionConfig {
  const opts = checkOptions(config, 'collection config');
  for (const key of Object.keys(opts)) {
    if (
      !['dimension', 'metric', 'segmentSize', 'index', 'onDisk', 'vectors', 'payloadIndexes'].includes(key)
    ) {
      throw new InvalidArgumentError(`collection config: unknown option '${key}'`);
    }
  }
  const segmentSize = checkInteger(opts.segmentSize ?? DEFAULT_SEGMENT_SIZE, 'segmentSize', 1, 10_000_000);
  const payloadIndexes = checkPayloadIndexes(opts.payloadIndexes);
  if (opts.vectors === undefined) {
    const field = checkField('', opts, undefined);
    return {
      dimension: field.dimension,
      metric: field.metric,
      segmentSize,
      index: field.index,
      ...(field.onDisk ? { onDisk: true } : {}),
      payloadIndexes,
    };
  }
  if (opts.dimension !== undefined || opts.metric !== undefined || opts.onDisk !== undefined) {
    throw new InvalidArgumentError(
      'collection config: give either dimension/metric/onDisk or vectors (each with its onDisk), not both',
    );
  }
  const named = checkOptions(opts.vectors, 'vectors');
  const names = Object.keys(named);
  if (names.length === 0 || names.length > MAX_VECTOR_FIELDS) {
    throw new InvalidArgumentError(
      `vectors: expected 1 to ${MAX_VECTOR_FIELDS} named fields, got ${names.length}`,
    );
  }
  const vectors = names.map((name) => {
    if (!FIELD_NAME.test(name)) {
      throw new InvalidArgumentError(
        `vectors: a field name must match [A-Za-z0-9_-]{1,64}, got ${describe(name)}`,
      );
    }
    const field = checkOptions(named[name], `vectors.${name}`);
    for (const key of Object.keys(field)) {
      if (
        !['dimension', 'metric', 'index', 'onDisk', 'provider', 'providerOptions', 'storeInput'].includes(key)
      ) {
        throw new InvalidArgumentError(`vectors.${name}: unknown option '${key}'`);
      }
    }
    const checked = checkField(name, field, opts.index);
    const provider = checkProvider(name, field);
    if (provider && isBinary(checked.metric)) {
      throw new InvalidArgumentError(
        `vectors.${name}: a provider makes float vectors; metric ${checked.metric} is for binary ones`,
      );
    }
    return provider ? { ...checked, provider } : checked;
  });
  const first = vectors[0];
  return {
    dimension: first.dimension,
    metric: first.metric,
    segmentSize,
    index: first.index,
    vectors,
    payloadIndexes,
  };
}

/** One field's dimension, metric and index (`fallbackIndex`: the collection-level index option). */
function checkField(name: string, opts: Record<string, unknown>, fallbackIndex: unknown): StoredVectorField {
  const where = name === '' ? '' : `vectors.${name}.`;
  const dimension = checkInteger(opts.dimension, `${where}dimension`, 1, 65_536);
  const metric = (opts.metric ?? 'l2') as Metric;
  if (!METRICS.includes(metric)) {
    throw new InvalidArgumentError(
      `${where}metric must be one of ${METRICS.join(', ')}, got ${describe(opts.metric)}`,
    );
  }
  checkBinaryDimension(dimension, metric);
  const given = opts.index ?? fallbackIndex;
  if (!isBinary(metric)) {
    const index = checkIndexSpec(given);
    checkIndexForMetric(metric, recipeOf(index), where);
    const onDisk = checkOnDisk(opts.onDisk, metric, index, where);
    return onDisk ? { name, dimension, metric, index, onDisk } : { name, dimension, metric, index };
  }
  checkOnDisk(opts.onDisk, metric, { type: 'flat' }, where);
  const index = checkIndexSpec(given ?? 'Flat');
  if (index.type !== 'flat') {
    throw new InvalidArgumentError(
      `a ${metric} vector field (binary vectors) is searched exactly: its index must be Flat`,
    );
  }
  return { name, dimension, metric, index };
}

/**
 * The provider part of a named field's config, validated, or undefined. Its dimension must
 * have been filled in from the provider before (see `resolveProviders`).
 */
function checkProvider(name: string, opts: Record<string, unknown>): StoredProvider | undefined {
  if (opts.provider === undefined) {
    for (const key of ['providerOptions', 'storeInput']) {
      if (opts[key] !== undefined) throw new InvalidArgumentError(`vectors.${name}.${key}: needs a provider`);
    }
    return undefined;
  }
  if (typeof opts.provider !== 'string' || opts.provider.length === 0) {
    throw new InvalidArgumentError(
      `vectors.${name}.provider: expected a provider name, got ${describe(opts.provider)}`,
    );
  }
  const options = checkOptions(opts.providerOptions, `vectors.${name}.providerOptions`);
  const store = opts.storeInput;
  if (store !== undefined && typeof store !== 'boolean' && store !== 'thumbnail') {
    throw new InvalidArgumentError(
      `vectors.${name}.storeInput: expected true, false or 'thumbnail', got ${describe(store)}`,
    );
  }
  const takes = providerInputKind(opts.provider);
  if (store === 'thumbnail' && takes !== 'image') {
    throw new InvalidArgumentError(
      `vectors.${name}.storeInput: 'thumbnail' is for image providers; ${opts.provider} takes ${takes === 'text' ? 'texts (use true to keep them)' : 'audio'}`,
    );
  }
  return {
    name: opts.provider,
    options: JSON.parse(JSON.stringify(options)),
    storeInput: store === 'thumbnail' ? 'thumbnail' : store === true,
  };
}

/** Validates `payloadIndexes` of a config (undefined → none). */
function checkPayloadIndexes(input: unknown): Record<string, PayloadIndexInfo> {
  if (input === undefined) return {};
  const opts = checkOptions(input, 'payloadIndexes');
  const out: Record<string, PayloadIndexInfo> = {};
  for (const key of Object.keys(opts)) out[key] = checkPayloadIndex(key, opts[key]);
  return out;
}

/**
 * Validates one payload index declaration: a kind name, `{ type }`,
 * `{ type: 'text', analyzer? }` (analyzer default `english`) or
 * `{ type: 'keyword', partitioned? }` (a boolean, default false; stored only when true).
 */
export function checkPayloadIndex(key: unknown, input: unknown): PayloadIndexInfo {
  if (typeof key !== 'string' || !isValidPayloadKey(key)) {
    throw new InvalidArgumentError(
      `payload index key: expected a dotted path such as "meta.author", got ${describe(key)}`,
    );
  }
  const where = `payloadIndexes.${key}`;
  const opts = typeof input === 'string' ? { type: input } : checkOptions(input, where);
  const type = opts.type;
  if (!PAYLOAD_INDEX_TYPES.includes(type as never)) {
    throw new InvalidArgumentError(
      `${where}: type must be one of ${PAYLOAD_INDEX_TYPES.join(', ')}, got ${describe(type)}`,
    );
  }
  for (const name of Object.keys(opts)) {
    const known =
      name === 'type' ||
      (name === 'analyzer' && type === 'text') ||
      (name === 'partitioned' && type === 'keyword');
    if (!known) throw new InvalidArgumentError(`${where}: unknown option '${name}'`);
  }
  if (type === 'keyword') {
    if (opts.partitioned !== undefined && typeof opts.partitioned !== 'boolean') {
      throw new InvalidArgumentError(
        `${where}.partitioned must be a boolean, got ${describe(opts.partitioned)}`,
      );
    }
    return opts.partitioned === true ? { type: 'keyword', partitioned: true } : { type: 'keyword' };
  }
  if (type !== 'text') return { type: type as Exclude<PayloadIndexInfo['type'], 'text' | 'keyword'> };
  const analyzer = (opts.analyzer ?? 'english') as TextAnalyzerName;
  if (!TEXT_ANALYZERS.includes(analyzer)) {
    throw new InvalidArgumentError(
      `${where}.analyzer must be one of ${TEXT_ANALYZERS.join(', ')}, got ${describe(opts.analyzer)}`,
    );
  }
  return { type: 'text', analyzer };
}
