/**
 * A collection's index choice, as given by users (`CollectionConfig.index`) and as stored
 * in the catalog (resolved, with every default filled in).
 */
import { InvalidArgumentError } from '../errors.js';
import { HNSW_DEFAULTS, hnswOptions } from '../index/hnsw-index.js';
import { checkOptions, describe } from './validate.js';

/** Exact search only, or HNSW on every sealed segment (the default). */
export type IndexSpec = { type: 'flat' } | { type: 'hnsw'; M: number; efConstruction: number; ef: number };

export const DEFAULT_INDEX: IndexSpec = {
  type: 'hnsw',
  M: HNSW_DEFAULTS.M,
  efConstruction: HNSW_DEFAULTS.efConstruction,
  ef: HNSW_DEFAULTS.ef,
};

/**
 * Validates `CollectionConfig.index`: undefined (the default, HNSW), `{ type: 'flat' }`,
 * or `{ type: 'hnsw', M?, efConstruction?, ef? }`.
 * @throws InvalidArgumentError naming the bad field.
 */
export function checkIndexSpec(input: unknown): IndexSpec {
  if (input === undefined) return DEFAULT_INDEX;
  const opts = checkOptions(input, 'index');
  if (opts.type === 'flat') {
    const extra = Object.keys(opts).filter((key) => key !== 'type');
    if (extra.length > 0)
      throw new InvalidArgumentError(`index: a flat index takes no options, got ${extra.join(', ')}`);
    return { type: 'flat' };
  }
  if (opts.type !== 'hnsw') {
    throw new InvalidArgumentError(`index.type must be 'hnsw' or 'flat', got ${describe(opts.type)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!['type', 'M', 'efConstruction', 'ef'].includes(key)) {
      throw new InvalidArgumentError(`index: unknown hnsw option '${key}' (expected M, efConstruction, ef)`);
    }
  }
  try {
    const o = hnswOptions({
      M: opts.M as number,
      efConstruction: opts.efConstruction as number,
      ef: opts.ef as number,
    });
    return { type: 'hnsw', M: o.M, efConstruction: o.efConstruction, ef: o.ef };
  } catch (err) {
    throw new InvalidArgumentError(`index: ${(err as Error).message}`);
  }
}
