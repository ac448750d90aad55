/**
 * A collection's index choice, as given by users (`CollectionConfig.index`) and as stored
 * in the catalog (resolved, with every default filled in).
 *
 * Users give either an object (`{ type: 'hnsw', M?, efConstruction?, ef? }`,
 * `{ type: 'flat' }`) or a FAISS-style factory string (`'HNSW32'`, `'IVF1024,PQ16'`, …;
 * grammar in `index/factory-grammar.ts`). Strings naming plain HNSW or Flat resolve to the
 * object forms, so one collection has one stored spec whichever way it was written.
 */
import { InvalidArgumentError } from '../errors.js';
import { formatIndexFactory, type IndexRecipe, parseIndexFactory } from '../index/factory-grammar.js';
import { HNSW_DEFAULTS, hnswOptions } from '../index/hnsw-index.js';
import { checkOptions, describe } from './validate.js';

/**
 * Exact search only; HNSW on every sealed segment (the default); or any other factory
 * index (`factory` is the canonical string; `ef`/`efConstruction` apply to HNSW recipes).
 */
export type IndexSpec =
  | { type: 'flat' }
  | { type: 'hnsw'; M: number; efConstruction: number; ef: number }
  | { type: 'factory'; factory: string; efConstruction?: number; ef?: number };

export const DEFAULT_INDEX: IndexSpec = {
  type: 'hnsw',
  M: HNSW_DEFAULTS.M,
  efConstruction: HNSW_DEFAULTS.efConstruction,
  ef: HNSW_DEFAULTS.ef,
};

/** The factory recipe a spec builds on sealed segments, or undefined for exact search. */
export function recipeOf(spec: IndexSpec): IndexRecipe | undefined {
  if (spec.type === 'flat') return undefined;
  if (spec.type === 'hnsw') return { family: 'hnsw', M: spec.M, storage: 'flat' };
  return parseIndexFactory(spec.factory);
}

/** A spec from a factory string (throws `IndexFactoryError`, which lists the grammar). */
function fromFactory(text: string, ef?: unknown, efConstruction?: unknown): IndexSpec {
  const recipe = parseIndexFactory(text);
  if (recipe.family !== 'hnsw') {
    if (ef !== undefined || efConstruction !== undefined) {
      throw new InvalidArgumentError(`index: ef and efConstruction only apply to HNSW recipes, not ${text}`);
    }
    return recipe.family === 'flat'
      ? { type: 'flat' }
      : { type: 'factory', factory: formatIndexFactory(recipe) };
  }
  const o = hnswNumbers(recipe.M, ef, efConstruction);
  if (recipe.storage === 'flat') return { type: 'hnsw', ...o };
  return { type: 'factory', factory: formatIndexFactory(recipe), efConstruction: o.efConstruction, ef: o.ef };
}

function hnswNumbers(M: number, ef: unknown, efConstruction: unknown) {
  try {
    const o = hnswOptions({ M, ef: ef as number, efConstruction: efConstruction as number });
    return { M: o.M, efConstruction: o.efConstruction, ef: o.ef };
  } catch (err) {
    throw new InvalidArgumentError(`index: ${(err as Error).message}`);
  }
}

function onlyKeys(opts: Record<string, unknown>, allowed: string[], what: string): void {
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(
        `index: unknown ${what} option '${key}' (expected ${allowed.join(', ')})`,
      );
    }
  }
}

/**
 * Validates `CollectionConfig.index`: undefined (the default, HNSW), a factory string,
 * `{ type: 'flat' }`, `{ type: 'hnsw', M?, efConstruction?, ef? }` or
 * `{ type: 'factory', factory, efConstruction?, ef? }` (the stored form of a string).
 * @throws InvalidArgumentError naming the bad field (IndexFactoryError for a bad string).
 */
export function checkIndexSpec(input: unknown): IndexSpec {
  if (input === undefined) return DEFAULT_INDEX;
  if (typeof input === 'string') return fromFactory(input);
  const opts = checkOptions(input, 'index');
  if (opts.type === 'flat') {
    onlyKeys(opts, ['type'], 'flat');
    return { type: 'flat' };
  }
  if (opts.type === 'hnsw') {
    onlyKeys(opts, ['type', 'M', 'efConstruction', 'ef'], 'hnsw');
    return { type: 'hnsw', ...hnswNumbers(opts.M as number, opts.ef, opts.efConstruction) };
  }
  if (opts.type === 'factory') {
    onlyKeys(opts, ['type', 'factory', 'efConstruction', 'ef'], 'factory');
    if (typeof opts.factory !== 'string') {
      throw new InvalidArgumentError(`index.factory must be a string, got ${describe(opts.factory)}`);
    }
    return fromFactory(opts.factory, opts.ef, opts.efConstruction);
  }
  throw new InvalidArgumentError(
    `index must be a factory string (e.g. 'IVF1024,PQ16') or have type 'hnsw', 'flat' or 'factory', got ${describe(opts.type)}`,
  );
}
