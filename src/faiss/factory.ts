/**
 * `indexFactory(d, description, metric)`: FAISS's `faiss.index_factory` for the classes of
 * `quiverdb/faiss`. The core of the description is parsed by Quiver's factory grammar
 * (`src/index/factory-grammar.ts`); FAISS's own forms around it are handled here:
 * an `IDMap,` / `IDMap2,` prefix (or `,IDMap` suffix), and `LSH`, `LSHr`, `LSHt`, `LSHrt`
 * (nbits = d; r rotates, t trains thresholds).
 *
 * | description        | index                                         |
 * |--------------------|-----------------------------------------------|
 * | `Flat`             | IndexFlat (L2 or IP)                          |
 * | `HNSW32[,Flat]`    | IndexHNSWFlat, M = 32                         |
 * | `IVF1024,Flat`     | IndexIVFFlat over an IndexFlat quantizer      |
 * | `IVF1024,PQ16`     | IndexIVFPQ, 16 one-byte sub-quantizers        |
 * | `SQ8`              | IndexScalarQuantizer, QT_8bit                 |
 * | `PQ16`             | IndexPQ                                       |
 * | `LSH`, `LSHrt`, `LSH256` | IndexLSH (LSH<bits>: rotated, <bits> bits) |
 */

import { InvalidArgumentError } from '../errors.js';
import { parseIndexFactory } from '../index/factory-grammar.js';
import { type Index, METRIC_L2, type MetricType } from './faiss-index.js';
import { IndexFlat } from './flat.js';
import { IndexHNSWFlat } from './hnsw.js';
import { IndexIDMap, IndexIDMap2 } from './id-map.js';
import { IndexIVFFlat } from './ivf.js';
import { IndexIVFPQ } from './ivf-pq.js';
import { IndexLSH } from './lsh.js';
import { IndexPQ } from './pq.js';
import { IndexScalarQuantizer, QT_8bit } from './scalar-quantizer.js';

const SUPPORTED =
  'Flat, HNSW<M>[,Flat], IVF<nlist>,Flat, IVF<nlist>,PQ<m>, SQ8, PQ<m>, LSH[r][t], LSH<bits>, with an optional IDMap, / IDMap2, prefix';

/**
 * An empty index of the kind `description` names. Python:
 * `index = faiss.index_factory(d, "IVF1024,PQ16", faiss.METRIC_L2)`.
 * @example
 * const index = indexFactory(128, 'IVF1024,PQ16', METRIC_L2);
 * await index.train(sample);
 * @throws InvalidArgumentError for a description outside the supported forms (listed).
 */
export function indexFactory(d: number, description: string, metricType: MetricType = METRIC_L2): Index {
  if (typeof description !== 'string')
    throw new InvalidArgumentError(`the factory description must be a string, got ${typeof description}`);
  const parts = description.split(',').map((p) => p.trim());
  let wrap: 'IDMap' | 'IDMap2' | undefined;
  for (const at of [0, parts.length - 1]) {
    if (parts.length > 1 && /^IDMap2?$/.test(parts[at])) {
      wrap = parts[at] as 'IDMap' | 'IDMap2';
      parts.splice(at, 1);
      break;
    }
  }
  const core = coreIndex(d, parts.join(','), metricType, description);
  if (wrap === 'IDMap2') return new IndexIDMap2(core);
  if (wrap === 'IDMap') return new IndexIDMap(core);
  return core;
}

function coreIndex(d: number, core: string, metricType: MetricType, description: string): Index {
  const lsh = core.match(/^LSH(r?)(t?)$/);
  if (lsh) return new IndexLSH(d, d, lsh[1] === 'r', lsh[2] === 't');
  let recipe: ReturnType<typeof parseIndexFactory>;
  try {
    recipe = parseIndexFactory(core);
  } catch (error) {
    throw new InvalidArgumentError(
      `index factory: cannot parse ${JSON.stringify(description)} (${(error as Error).message.split('\n')[0]}); supported: ${SUPPORTED}`,
    );
  }
  switch (recipe.family) {
    case 'flat':
      return new IndexFlat(d, metricType);
    case 'hnsw':
      if (recipe.storage === 'flat') return new IndexHNSWFlat(d, recipe.M, metricType);
      break;
    case 'ivf':
      if (recipe.coding.type === 'flat')
        return new IndexIVFFlat(new IndexFlat(d, metricType), d, recipe.nlist, metricType);
      if (recipe.coding.type === 'pq')
        return new IndexIVFPQ(new IndexFlat(d, metricType), d, recipe.nlist, recipe.coding.m, 8, metricType);
      break;
    case 'sq8':
      return new IndexScalarQuantizer(d, QT_8bit, metricType);
    case 'pq':
      return new IndexPQ(d, recipe.m, 8, metricType);
    case 'lsh':
      return new IndexLSH(d, recipe.bits, true, false);
    case 'annoy':
      break;
  }
  throw new InvalidArgumentError(
    `index factory: ${JSON.stringify(description)} has no FAISS class in quiverdb/faiss; supported: ${SUPPORTED}`,
  );
}
