/**
 * Option-value parsers for commander. They throw commander's `InvalidArgumentError`, so a bad
 * value is a usage error (exit code 2) reported by commander as
 * `error: option '--k <n>' argument 'x' is invalid. <reason>`. The engine's bounds are checked
 * here too (`LIMITS`), so that a value outside them is a usage error as well. `usageError` does the same for
 * a combination of options that no single parser can check.
 */
import { type Command, InvalidArgumentError as OptionValueError } from 'commander';
import { PAYLOAD_INDEX_TYPES } from '../db/collection-config.js';
import { METRICS } from '../db/metric.js';
import type { PayloadIndexConfig, PointId, VectorFieldConfig } from '../db/types.js';
import { MAX_K } from '../db/validate.js';
import type { Filter } from '../payload/filter.js';
import { TEXT_ANALYZERS } from '../text/analyzer.js';

export { METRICS };

/** A parser for integers ≥ `min` (decimal digits only: `1e3` and `0x10` are refused). */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new OptionValueError(`expected an integer ≥ ${min}`);
    return n;
  };
}

/**
 * The engine's bounds on numeric options (it checks them again), so that the CLI refuses a
 * value outside them as a usage error (exit 2), like any other bad value, rather than as an
 * engine error after opening the database (exit 1).
 */
export const LIMITS = {
  k: MAX_K,
  groupSize: 100,
  ef: 100_000,
  nprobe: 1 << 20,
  searchK: 100_000_000,
  rerank: 100_000,
  M: 256,
  efConstruction: 100_000,
  segmentSize: 10_000_000,
  dimension: 65_536,
  port: 65_535,
} as const;

/** A parser for integers from `min` to `max` (a value outside is a usage error, like any bad value). */
export function integerBetween(min: number, max: number): (value: string) => number {
  const atLeast = integerAtLeast(min);
  return (value) => {
    const n = atLeast(value);
    if (n > max) throw new OptionValueError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

/** Parses a JSON array of finite numbers, e.g. `[0.1, 0.2, 0.3]`. */
export function parseVector(value: string): number[] {
  const parsed = parseJson(value);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === 'number')) {
    throw new OptionValueError('expected a non-empty JSON array of numbers, e.g. [0.1, 0.2, 0.3]');
  }
  return parsed;
}

/** Parses a JSON object (the filter language is validated by the engine, not here). */
export function parseJsonObject(value: string): Record<string, unknown> {
  const parsed = parseJson(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OptionValueError('expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new OptionValueError(`invalid JSON (${(error as Error).message})`);
  }
}

/** Reports a usage error like commander's own (`error: …` on stderr, exit code 2) and stops the command. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: 2, code: 'quiver.usage' });
}

/**
 * Parses `--vectors name:dimension[:metric],…` (e.g. `image:1280:cosine,text:100`) into
 * named vector fields; the metric defaults to l2. Names are checked by the engine.
 */
export function parseVectorFields(value: string): Record<string, VectorFieldConfig> {
  const fields: Record<string, VectorFieldConfig> = {};
  for (const item of value.split(',')) {
    const [name, dimension, metric, ...rest] = item.trim().split(':');
    if (!name || dimension === undefined || rest.length > 0) {
      throw new OptionValueError(`expected name:dimension[:metric], got '${item}'`);
    }
    if (Object.hasOwn(fields, name)) throw new OptionValueError(`field '${name}' is given twice`);
    const field: VectorFieldConfig = { dimension: integerBetween(1, LIMITS.dimension)(dimension) };
    if (metric !== undefined) field.metric = oneOf(METRICS, metric, `metric of '${name}'`);
    fields[name] = field;
  }
  return fields;
}

/**
 * A commander collector for the repeatable `--payload-index key:type[:analyzer]` (e.g.
 * `label:keyword`, `body:text:english`, `tenant:keyword:partitioned`); the key is everything
 * before the first `:`.
 */
export function collectPayloadIndex(
  value: string,
  previous: Record<string, PayloadIndexConfig> = {},
): Record<string, PayloadIndexConfig> {
  const [key, type, analyzer, ...rest] = value.split(':');
  if (!key || type === undefined || rest.length > 0) {
    throw new OptionValueError(`expected key:type[:analyzer], got '${value}'`);
  }
  if (Object.hasOwn(previous, key)) throw new OptionValueError(`key '${key}' is given twice`);
  return { ...previous, [key]: payloadIndexConfig(type, analyzer) };
}

/**
 * A payload index declaration from a kind and an optional modifier: an analyzer (text only)
 * or `partitioned` (keyword only).
 */
export function payloadIndexConfig(type: string, analyzer: string | undefined): PayloadIndexConfig {
  const kind = oneOf(PAYLOAD_INDEX_TYPES, type, 'index type');
  if (analyzer === undefined) return kind;
  if (kind === 'keyword' && analyzer === 'partitioned') return { type: 'keyword', partitioned: true };
  if (kind !== 'text') throw new OptionValueError(`an analyzer applies to text indexes only, not ${kind}`);
  return { type: 'text', analyzer: oneOf(TEXT_ANALYZERS, analyzer, 'analyzer') };
}

/**
 * Parses a comma-separated list of point ids: decimal digits are integer ids, anything else
 * a string id (`7,doc-3` → `[7, 'doc-3']`).
 */
export function parseIds(value: string): PointId[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.some((id) => id === ''))
    throw new OptionValueError('expected ids separated by commas, e.g. 7,doc-3');
  return ids.map((id) => (/^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id));
}

function oneOf<const T extends string>(choices: readonly T[], value: string, what: string): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new OptionValueError(`${what} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** The CLI flags that `search` and `recommend` share. */
export interface ResultFlags {
  k: number;
  ef?: number;
  exact?: boolean;
  filter?: Record<string, unknown>;
  withPayload?: boolean;
}

/** The engine options of the shared flags (`--exact` and `--with-payload` are off unless given). */
export function resultOptions(flags: ResultFlags): {
  k: number;
  ef?: number;
  exact: boolean;
  filter?: Filter;
  withPayload: boolean;
} {
  return {
    k: flags.k,
    ef: flags.ef,
    exact: flags.exact === true,
    filter: flags.filter as Filter | undefined,
    withPayload: flags.withPayload === true,
  };
}
