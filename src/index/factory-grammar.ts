/**
 * FAISS-style index factory strings (`"HNSW32"`, `"IVF1024,PQ16"`, `"SQ8"`, …) parsed into
 * an `IndexRecipe`, and recipes written back as their canonical string (the form stored in
 * the catalog and in index files).
 *
 * Invariant: `parseIndexFactory(formatIndexFactory(r))` equals `r` for every recipe the
 * parser returns; anything else is rejected with `IndexFactoryError`, whose message lists
 * the whole grammar.
 */
import { InvalidArgumentError } from '../errors.js';

/** What a factory string asks for. */
export type IndexRecipe =
  | { family: 'flat' }
  /** HNSW with `M` links per node; `storage: 'sq8'` walks on SQ8 codes and re-ranks. */
  | { family: 'hnsw'; M: number; storage: 'flat' | 'sq8' }
  /** Exhaustive scan over SQ8 codes (d bytes per vector), re-ranked on full vectors. */
  | { family: 'sq8' }
  /** Exhaustive ADC scan over PQ codes of `m` bytes (8-bit sub-quantizers), re-ranked. */
  | { family: 'pq'; m: number }
  /** k-means coarse quantizer with `nlist` lists holding flat vectors, SQ8 or PQ codes. */
  | { family: 'ivf'; nlist: number; coding: IvfCoding }
  /** Random-hyperplane signatures of `bits` bits, searched by Hamming distance and re-ranked. */
  | { family: 'lsh'; bits: number }
  /** Annoy-style forest of `trees` random-projection trees. */
  | { family: 'annoy'; trees: number };

export type IvfCoding = { type: 'flat' } | { type: 'sq8' } | { type: 'pq'; m: number };

export const FACTORY_GRAMMAR = [
  'index factory strings (case-insensitive):',
  '  Flat                exact scan',
  '  HNSW<M>             HNSW graph with M links per node, e.g. HNSW32 (also HNSW<M>,Flat)',
  '  HNSW<M>,SQ8         HNSW walking on 8-bit scalar-quantized codes, re-ranked',
  '  SQ8                 exhaustive scan of 8-bit scalar-quantized codes, re-ranked',
  '  PQ<m>[x8]           product quantization, m one-byte codes per vector, e.g. PQ16',
  '  IVF<nlist>,Flat     inverted lists over full vectors, e.g. IVF1024,Flat',
  '  IVF<nlist>,SQ8      inverted lists over SQ8 codes, e.g. IVF4096,SQ8',
  '  IVF<nlist>,PQ<m>    inverted lists over PQ residual codes, e.g. IVF1024,PQ16',
  '  LSH<bits>           random-hyperplane signatures, e.g. LSH256',
  '  Annoy<trees>        forest of random-projection trees, e.g. Annoy50',
].join('\n');

/** A factory string that does not follow the grammar; the message includes it. */
export class IndexFactoryError extends InvalidArgumentError {
  constructor(input: string, reason: string) {
    super(`invalid index factory string ${JSON.stringify(input)}: ${reason}\n${FACTORY_GRAMMAR}`);
  }
}

const LIMITS = {
  M: [2, 256],
  nlist: [1, 1 << 20],
  pqM: [1, 4096],
  lshBits: [8, 8192],
  trees: [1, 4096],
} as const;

/** Parses a factory string. @throws IndexFactoryError listing the grammar. */
export function parseIndexFactory(input: string): IndexRecipe {
  if (typeof input !== 'string') throw new IndexFactoryError(String(input), 'expected a string');
  const parts = input.split(',').map((p) => p.trim());
  const fail = (reason: string): never => {
    throw new IndexFactoryError(input, reason);
  };
  const number = (text: string, what: keyof typeof LIMITS): number => {
    const [lo, hi] = LIMITS[what];
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < lo || value > hi) fail(`${what} must be an integer in [${lo}, ${hi}]`);
    return value;
  };
  const first = parts[0];
  const second = parts[1];
  if (parts.length > 2) fail('at most two components are allowed');
  let m: RegExpMatchArray | null;
  if (/^flat$/i.test(first)) {
    if (second !== undefined) fail('Flat takes no second component');
    return { family: 'flat' };
  }
  if ((m = first.match(/^hnsw(\d*)$/i))) {
    const M = m[1] === '' ? 32 : number(m[1], 'M');
    if (second === undefined || /^flat$/i.test(second)) return { family: 'hnsw', M, storage: 'flat' };
    if (/^sq8$/i.test(second)) return { family: 'hnsw', M, storage: 'sq8' };
    return fail(`HNSW storage must be Flat or SQ8, got ${JSON.stringify(second)}`);
  }
  if (/^sq8$/i.test(first)) {
    if (second !== undefined) fail('SQ8 takes no second component');
    return { family: 'sq8' };
  }
  if ((m = first.match(/^pq(\d+)(x8)?$/i))) {
    if (second !== undefined) fail('PQ takes no second component');
    return { family: 'pq', m: number(m[1], 'pqM') };
  }
  if ((m = first.match(/^ivf(\d+)$/i))) {
    const nlist = number(m[1], 'nlist');
    if (second === undefined) return fail('IVF needs a coding: IVF<nlist>,Flat | SQ8 | PQ<m>');
    if (/^flat$/i.test(second)) return { family: 'ivf', nlist, coding: { type: 'flat' } };
    if (/^sq8$/i.test(second)) return { family: 'ivf', nlist, coding: { type: 'sq8' } };
    const pq = second.match(/^pq(\d+)(x8)?$/i);
    if (pq) return { family: 'ivf', nlist, coding: { type: 'pq', m: number(pq[1], 'pqM') } };
    return fail(`IVF coding must be Flat, SQ8 or PQ<m>, got ${JSON.stringify(second)}`);
  }
  if ((m = first.match(/^lsh(\d+)$/i))) {
    if (second !== undefined) fail('LSH takes no second component');
    const bits = number(m[1], 'lshBits');
    if (bits % 8 !== 0) fail('LSH bits must be a multiple of 8');
    return { family: 'lsh', bits };
  }
  if ((m = first.match(/^annoy(\d+)$/i))) {
    if (second !== undefined) fail('Annoy takes no second component');
    return { family: 'annoy', trees: number(m[1], 'trees') };
  }
  return fail(`unknown index type ${JSON.stringify(first)}`);
}

/** The canonical factory string of `recipe` (e.g. `IVF1024,PQ16`). */
export function formatIndexFactory(recipe: IndexRecipe): string {
  switch (recipe.family) {
    case 'flat':
      return 'Flat';
    case 'hnsw':
      return recipe.storage === 'sq8' ? `HNSW${recipe.M},SQ8` : `HNSW${recipe.M}`;
    case 'sq8':
      return 'SQ8';
    case 'pq':
      return `PQ${recipe.m}`;
    case 'ivf': {
      const c = recipe.coding;
      return `IVF${recipe.nlist},${c.type === 'flat' ? 'Flat' : c.type === 'sq8' ? 'SQ8' : `PQ${c.m}`}`;
    }
    case 'lsh':
      return `LSH${recipe.bits}`;
    case 'annoy':
      return `Annoy${recipe.trees}`;
  }
}
