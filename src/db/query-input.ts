/**
 * Validation of what searches and upserts are given, against one collection's
 * configuration: which vector field `using` names, the vectors of a point, the query object
 * of a search, fusion options and index search parameters. Every method throws a typed
 * error naming the bad part and has no side effects.
 */
import { InvalidArgumentError } from '../errors.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import { compileFilter, type Filter, type FilterPredicate, parseFilter } from '../payload/filter.js';
import { declaredCompileOptions } from '../payload/payload-index.js';
import { analyzerFor } from '../text/analyzer.js';
import type { StoredCollectionConfig, StoredVectorField } from './collection-config.js';
import type { PointInput } from './types.js';
import { checkInteger, checkOptions, describe, MAX_K, toVector } from './validate.js';

/** A search, validated: its vector branch, its text branch, or both. */

/** Fusion options when none are given (frozen: shared by every search). */
const DEFAULT_FUSION: FusionOptions = Object.freeze({
  fusion: 'rrf',
  rrfK: 60,
  vectorWeight: 1,
  textWeight: 1,
});
export interface ParsedQuery {
  field: number;
  vector?: Float32Array;
  text?: { key: string; terms: string[] };
}

/** How a hybrid search merges its branches. */
export interface FusionOptions {
  fusion: 'rrf' | 'weighted' | 'dbsf';
  rrfK: number;
  vectorWeight: number;
  textWeight: number;
}

/** Which of the ranked results a search returns: skip `offset`, keep scores at least `scoreThreshold`. */
export interface ResultWindow {
  offset: number;
  scoreThreshold?: number;
}

/** Validated maximal-marginal-relevance options; `candidates` ≥ the hits wanted. */
export interface MmrSettings {
  diversity: number;
  candidates: number;
}

/** The largest `offset`: offset + k results are ranked, so it is bounded like k. */
const MAX_OFFSET = 100_000;
/**
 * MMR candidates when not given, at least: Qdrant's `candidates_limit` defaults to the
 * query's limit, which leaves MMR only a reordering of the plain top-k; a wider pool lets it
 * pick different points (a Qdrant-compatible caller passes `candidates: limit` itself).
 */
const DEFAULT_MMR_CANDIDATES = 100;

export class QueryInput {
  constructor(
    private readonly config: StoredCollectionConfig,
    readonly fields: readonly StoredVectorField[],
  ) {}

  /** Whether points carry named vectors (`vectors`) rather than one `vector`. */
  get named(): boolean {
    return this.config.vectors !== undefined;
  }

  /** The field number `using` names (validated); the only field when omitted and unambiguous. */
  fieldNumber(using: unknown): number {
    if (using === undefined) {
      if (this.fields.length === 1) return 0;
      throw new InvalidArgumentError(
        `using: this collection has named vectors (${this.fieldNames()}); name the one to search`,
      );
    }
    const at = this.named ? this.fields.findIndex((f) => f.name === using) : -1;
    if (at < 0) {
      throw new InvalidArgumentError(
        this.named
          ? `using: unknown vector field ${describe(using)}; expected one of ${this.fieldNames()}`
          : `using: this collection has one unnamed vector, got ${describe(using)}`,
      );
    }
    return at;
  }

  fieldNames(): string {
    return this.fields.map((f) => f.name).join(', ');
  }

  /** The vectors of one point, by field (undefined where a named field is left out). */
  pointVectors(p: PointInput, where: string): (Float32Array | undefined)[] {
    if (!this.named) {
      if (p.vectors !== undefined) {
        throw new InvalidArgumentError(
          `${where}.vectors: this collection has one unnamed vector; give vector`,
        );
      }
      const f = this.fields[0];
      return [toVector(p.vector, f.dimension, f.metric, `${where}.vector`)];
    }
    if (p.vector !== undefined) {
      throw new InvalidArgumentError(
        `${where}.vector: this collection has named vectors (${this.fieldNames()}); give vectors: { name: vector }`,
      );
    }
    const given = checkOptions(p.vectors, `${where}.vectors`);
    for (const name of Object.keys(given)) {
      if (!this.fields.some((f) => f.name === name)) {
        throw new InvalidArgumentError(
          `${where}.vectors: unknown vector field ${JSON.stringify(name)}; expected ${this.fieldNames()}`,
        );
      }
    }
    return this.fields.map((f) =>
      given[f.name] === undefined
        ? undefined
        : toVector(given[f.name], f.dimension, f.metric, `${where}.vectors.${f.name}`),
    );
  }

  /** Validates a search's first argument: a vector, or `{ vector?, using?, text?, textField? }`. */
  parseQuery(query: unknown, optionUsing: unknown): ParsedQuery {
    const isVector =
      typeof query !== 'object' || query === null || Array.isArray(query) || ArrayBuffer.isView(query);
    if (isVector) {
      const field = this.fieldNumber(optionUsing);
      const f = this.fields[field];
      return { field, vector: toVector(query, f.dimension, f.metric, 'query') };
    }
    const q = checkOptions(query, 'query');
    for (const key of Object.keys(q)) {
      if (!['vector', 'using', 'text', 'textField'].includes(key)) {
        throw new InvalidArgumentError(
          `query: unknown property '${key}' (expected vector, using, text, textField)`,
        );
      }
    }
    if (q.vector === undefined && q.text === undefined) {
      throw new InvalidArgumentError('query: give a vector, a text, or both');
    }
    const parsed: ParsedQuery = { field: 0 };
    if (q.vector !== undefined) {
      parsed.field = this.fieldNumber(q.using ?? optionUsing);
      const f = this.fields[parsed.field];
      parsed.vector = toVector(q.vector, f.dimension, f.metric, 'query.vector');
    }
    if (q.text !== undefined) {
      if (typeof q.text !== 'string')
        throw new InvalidArgumentError(`query.text: expected a string, got ${describe(q.text)}`);
      const key = q.textField;
      const info = typeof key === 'string' ? this.config.payloadIndexes?.[key] : undefined;
      if (info?.type !== 'text') {
        throw new InvalidArgumentError(
          `query.textField: expected a payload key with a text index (${this.textFields() || 'none yet: createPayloadIndex(key, "text")'}), got ${describe(key)}`,
        );
      }
      parsed.text = { key: key as string, terms: analyzerFor(info.analyzer)(q.text) };
    }
    return parsed;
  }

  textFields(): string {
    return Object.entries(this.config.payloadIndexes ?? {})
      .filter(([, info]) => info.type === 'text')
      .map(([key]) => key)
      .join(', ');
  }

  /** Validated fusion options of a hybrid search. */
  fusionOptions(opts: Record<string, unknown>): FusionOptions {
    // The common case (no fusion option given) allocates nothing.
    if (opts.fusion === undefined && opts.rrfK === undefined && opts.weights === undefined)
      return DEFAULT_FUSION;
    const fusion = opts.fusion ?? 'rrf';
    if (fusion !== 'rrf' && fusion !== 'weighted' && fusion !== 'dbsf') {
      throw new InvalidArgumentError(`fusion must be 'rrf', 'weighted' or 'dbsf', got ${describe(fusion)}`);
    }
    const rrfK = opts.rrfK === undefined ? 60 : checkInteger(opts.rrfK, 'rrfK', 1, 100_000);
    const w = checkOptions(opts.weights, 'weights');
    const weight = (name: 'vector' | 'text') => {
      const v = w[name] ?? 1;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new InvalidArgumentError(`weights.${name} must be a finite number ≥ 0, got ${describe(v)}`);
      }
      return v;
    };
    return { fusion, rrfK, vectorWeight: weight('vector'), textWeight: weight('text') };
  }

  /** The validated `offset` and `scoreThreshold` of search or recommend options. */
  window(opts: Record<string, unknown>): ResultWindow {
    const offset = opts.offset === undefined ? 0 : checkInteger(opts.offset, 'offset', 0, MAX_OFFSET);
    const t = opts.scoreThreshold;
    if (t !== undefined && (typeof t !== 'number' || Number.isNaN(t))) {
      throw new InvalidArgumentError(`scoreThreshold must be a number, got ${describe(t)}`);
    }
    return t === undefined ? { offset } : { offset, scoreThreshold: t };
  }

  /** The validated `mmr` option of a search that returns `wanted` (k + offset) hits, or undefined. */
  mmr(opts: Record<string, unknown>, wanted: number): MmrSettings | undefined {
    if (opts.mmr === undefined) return undefined;
    const m = checkOptions(opts.mmr, 'mmr');
    for (const key of Object.keys(m)) {
      if (key !== 'diversity' && key !== 'candidates') {
        throw new InvalidArgumentError(`mmr: unknown option '${key}' (expected diversity, candidates)`);
      }
    }
    const diversity = m.diversity ?? 0.5;
    if (typeof diversity !== 'number' || !(diversity >= 0 && diversity <= 1)) {
      throw new InvalidArgumentError(`mmr.diversity must be a number in [0, 1], got ${describe(diversity)}`);
    }
    const candidates =
      m.candidates === undefined
        ? Math.max(wanted, DEFAULT_MMR_CANDIDATES)
        : checkInteger(m.candidates, 'mmr.candidates', 1, MAX_K);
    return { diversity, candidates: Math.max(candidates, wanted) };
  }

  /** Index search parameters from search options (validated). */
  searchParams(opts: Record<string, unknown>, field: number): IndexSearchParams {
    if (opts.exact !== undefined && typeof opts.exact !== 'boolean') {
      throw new InvalidArgumentError(`exact must be a boolean, got ${describe(opts.exact)}`);
    }
    const spec = this.fields[field].index;
    const fallback = spec.type === 'flat' ? undefined : spec.ef;
    const ef = opts.ef === undefined ? fallback : checkInteger(opts.ef, 'ef', 1, 100_000);
    const { nprobe, searchK, rerank } = opts;
    return {
      ef,
      nprobe: nprobe === undefined ? undefined : checkInteger(nprobe, 'nprobe', 1, 1 << 20),
      searchK: searchK === undefined ? undefined : checkInteger(searchK, 'searchK', 1, 100_000_000),
      rerank: rerank === undefined ? undefined : checkInteger(rerank, 'rerank', 0, 100_000),
      strategy: opts.exact === true ? 'scan' : 'auto',
    };
  }

  /** A validated filter, or undefined. */
  filter(input: unknown): Filter | undefined {
    return input === undefined ? undefined : parseFilter(input);
  }

  /** A filter as a predicate over payloads and ids, compiled with the declared payload indexes' options. */
  predicate(input: unknown): FilterPredicate | undefined {
    if (input === undefined) return undefined;
    return compileFilter(parseFilter(input), declaredCompileOptions(this.config.payloadIndexes ?? {}));
  }
}
