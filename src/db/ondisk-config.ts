/**
 * The `onDisk` option of a vector field (Qdrant's `on_disk: true` in the vector params):
 * sealed segments keep only the index structure and compressed codes of the field in
 * memory, and read its full-precision vectors from the segment file to re-rank and to
 * return them. The growing segment stays in memory.
 *
 * What an onDisk field is indexed with (`onDiskRecipe`): `HNSW<M>` (the default index) and
 * `HNSW<M>,SQ8` both become `HNSW<M>,SQ8` (graph plus SQ8 codes in memory, walks on codes,
 * re-ranking on rows read from the file); `Flat` scans the file in chunks. Other families
 * (IVF, PQ, LSH, Annoy, plain SQ8) keep structures that read the full vectors in memory and
 * are refused with the field.
 */
import { InvalidArgumentError } from '../errors.js';
import type { IndexRecipe } from '../index/factory-grammar.js';
import { formatIndexFactory } from '../index/factory-grammar.js';
import { type IndexSpec, recipeOf } from './index-spec.js';
import { isBinary } from './metric.js';
import type { Metric } from './types.js';
import { describe } from './validate.js';

/**
 * The recipe built on sealed segments of an onDisk field indexed by `spec`: `HNSW<M>,SQ8`
 * for HNSW specs, undefined (exact scans of the file) for Flat.
 */
export function onDiskRecipe(spec: IndexSpec): IndexRecipe | undefined {
  const recipe = recipeOf(spec);
  if (recipe === undefined || recipe.family === 'flat') return undefined;
  if (recipe.family === 'hnsw') return { ...recipe, storage: 'sq8' };
  return recipe;
}

/**
 * Validates a field's `onDisk` option (undefined → false) against its metric and index.
 * @throws InvalidArgumentError for a non-boolean, a binary or L1 metric, or an index family
 *   that needs the vectors in memory.
 */
export function checkOnDisk(value: unknown, metric: Metric, index: IndexSpec, where: string): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true)
    throw new InvalidArgumentError(`${where}onDisk must be a boolean, got ${describe(value)}`);
  if (isBinary(metric) || metric === 'l1') {
    throw new InvalidArgumentError(
      `${where}onDisk: a ${metric} field cannot be kept on disk (its codes are SQ8, for l2, ip and cosine)`,
    );
  }
  const recipe = recipeOf(index);
  if (recipe !== undefined && recipe.family !== 'flat' && recipe.family !== 'hnsw') {
    throw new InvalidArgumentError(
      `${where}onDisk: supports the indexes Flat, HNSW<M> and HNSW<M>,SQ8 (kept as HNSW<M>,SQ8 codes in memory), got ${formatIndexFactory(recipe)}`,
    );
  }
  return true;
}
