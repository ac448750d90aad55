/**
 * `search`, `searchBatch`, `rangeSearch` and `recommend` of an embedded collection: the
 * queries that rank points. Each validates and converts its input first (so a rejected call
 * reads nothing), then ranks the in-memory segment set as it is when it runs (searches never
 * wait for writes in flight); explanations, when asked, are a second pass over the final hits
 * (explain.ts).
 *
 * `search` is the hot path: on a loaded collection it checks synchronously and awaits only
 * what must be awaited (providers' embeddings, a ranking that answers with a promise): a
 * search of a loaded collection without providers, whose ranking answers at once, settles
 * in one microtask turn. Keep it that way: no `await` of a value that is not a promise, no
 * allocation per call that the ranking does not need.
 */
import { InvalidArgumentError } from '../errors.js';
import type { StoredVectorField } from './collection-config.js';
import type { CollectionGate } from './collection-gate.js';
import type { CollectionStorage } from './collection-storage.js';
import { explainHits, rankedCount, wantsExplain } from './explain.js';
import type { FieldEmbedders } from './field-embedders.js';
import { maxDistanceOf } from './metric.js';
import type { PointOutput } from './point-output.js';
import type { QueryInput } from './query-input.js';
import { RankedSearch, type RankOptions } from './ranked-search.js';
import { runRecommend } from './recommend-run.js';
import { type RowScope, withinRange } from './search.js';
import { runWindowed } from './search-batch.js';
import { SearchCoalescer } from './search-coalescer.js';
import { SearchPlacement } from './search-placement.js';
import type { ScoredRow } from './text-search.js';
import type {
  Hit,
  HitGroup,
  RangeSearchOptions,
  RawSearchQuery,
  RecommendOptions,
  RecommendQuery,
  SearchOptions,
  SearchQuery,
  VectorInput,
} from './types.js';
import { checkInteger, checkK, checkOptions, describe, toVector } from './validate.js';

/** What the searches use of their collection. */
export interface PointSearchParts {
  readonly gate: CollectionGate;
  readonly fields: readonly StoredVectorField[];
  readonly storage: CollectionStorage;
  readonly input: QueryInput;
  readonly out: PointOutput;
  readonly embedders: FieldEmbedders;
}

/** The searches of one collection; also the `RecommendContext` and `ExplainSource` they pass on. */
export class PointSearches {
  readonly fields: readonly StoredVectorField[];
  readonly storage: CollectionStorage;
  readonly input: QueryInput;
  readonly out: PointOutput;
  /** Ranks searches (windows, MMR, groups). */
  readonly ranking: RankedSearch;
  /** Answers concurrent plain searches together (search-coalescer.ts). */
  private readonly coalescer: SearchCoalescer;
  private readonly gate: CollectionGate;
  private readonly embedders: FieldEmbedders;

  constructor(parts: PointSearchParts) {
    this.gate = parts.gate;
    this.fields = parts.fields;
    this.storage = parts.storage;
    this.input = parts.input;
    this.out = parts.out;
    this.embedders = parts.embedders;
    this.ranking = new RankedSearch(parts.storage, parts.fields);
    this.coalescer = new SearchCoalescer(this.ranking);
  }

  /** See `EmbeddedCollection.search`. */
  async search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options?: SearchOptions,
  ): Promise<Hit[] | HitGroup[]> {
    // A loaded collection is checked without awaiting: the hot path pays no extra microtask turn.
    if (this.gate.loader.isReady) this.gate.check();
    else await this.gate.readable(options);
    const opts = checkOptions(options, 'search options');
    const k = checkK(opts.k);
    const explain = wantsExplain(opts);
    if (this.embedders.active) {
      query = (await this.embedders.query(query)) as VectorInput | SearchQuery;
      this.gate.check();
    }
    const parsed = this.input.parseQuery(query, opts.using);
    const params = this.input.searchParams(opts, parsed.field);
    const scope: RowScope = {
      field: parsed.vector ? parsed.field : undefined,
      filter: this.input.filter(opts.filter),
    };
    const window = this.input.window(opts);
    const rank: RankOptions = {
      scope,
      params,
      fusion: this.input.fusionOptions(opts),
      window,
      mmr: this.input.mmr(opts, window.offset + k),
    };
    if (opts.groupBy === undefined) {
      // Concurrent plain searches are answered together (search-coalescer.ts); a lone call
      // (nothing else in flight) pays for no key.
      if (
        SearchPlacement.inFlight > 0 &&
        parsed.vector !== undefined &&
        parsed.text === undefined &&
        !explain
      ) {
        const key =
          SearchPlacement.mode === 'rule' ? SearchCoalescer.keyOf(parsed.field, k, rank) : undefined;
        if (key !== undefined) {
          const field = parsed.field;
          return this.coalescer.add(key, field, k, rank, parsed.vector, (rows) =>
            this.out.hits(rows, field, opts),
          );
        }
      }
      const ranked = this.ranking.rows(parsed, k, rank);
      const rows = ranked instanceof Promise ? await ranked : ranked;
      const hits = this.out.hits(rows, parsed.field, opts);
      return explain ? explainHits(this, hits, rows, { q: parsed, n: rankedCount(rank, k), rank }) : hits;
    }
    const key = opts.groupBy;
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError(`groupBy must be a payload key, got ${describe(key)}`);
    }
    const size = checkInteger(opts.groupSize ?? 3, 'groupSize', 1, 100);
    const groups = await this.ranking.groups(parsed, k, size, key, rank);
    return groups.map((g) => ({ group: g.group, hits: this.out.hits(g.hits, parsed.field, opts) }));
  }

  /** See `EmbeddedCollection.searchBatch`. */
  async searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]> {
    await this.gate.readable(options);
    if (!Array.isArray(vectors))
      throw new InvalidArgumentError(`queries: expected an array, got ${describe(vectors)}`);
    const opts = checkOptions(options, 'search options');
    const k = checkK(opts.k);
    const explain = wantsExplain(opts);
    const field = this.input.fieldNumber(opts.using);
    const params = this.input.searchParams(opts, field);
    const f = this.fields[field];
    const queries = vectors.map((v, i) => toVector(v, f.dimension, f.metric, `queries[${i}]`));
    const window = this.input.window(opts);
    const rank: RankOptions = {
      scope: { field, filter: this.input.filter(opts.filter) },
      params,
      fusion: this.input.fusionOptions(opts),
      window,
      mmr: this.input.mmr(opts, window.offset + k),
    };
    // `finish` of each query's rows, in query order: as each query is answered while the
    // workers search the next ones, or query by query when the ranking cannot batch.
    const each = <R>(finish: (rows: ScoredRow[]) => R): Promise<R[]> =>
      this.ranking.rowsBatch(field, queries, k, rank, finish) ??
      runWindowed(queries, async (vector) => finish(await this.ranking.rows({ field, vector }, k, rank)));
    if (!explain) return each((rows) => this.out.hits(rows, field, opts));
    const answered = await each((rows) => ({ rows, hits: this.out.hits(rows, field, opts) }));
    const n = rankedCount(rank, k);
    return Promise.all(
      answered.map((a, i) =>
        explainHits(this, a.hits, a.rows, { q: { field, vector: queries[i] }, n, rank }),
      ),
    );
  }

  /** See `EmbeddedCollection.rangeSearch`. */
  async rangeSearch(vector: VectorInput, options: RangeSearchOptions & { using?: string }): Promise<Hit[]> {
    await this.gate.readable(options);
    const opts = checkOptions(options, 'range search options');
    const radius = opts.radius;
    if (typeof radius !== 'number' || !Number.isFinite(radius)) {
      throw new InvalidArgumentError(`radius must be a finite number, got ${describe(radius)}`);
    }
    const limit =
      opts.limit === undefined ? Number.POSITIVE_INFINITY : checkInteger(opts.limit, 'limit', 1, 1e9);
    const field = this.input.fieldNumber(opts.using);
    const f = this.fields[field];
    const query = toVector(vector, f.dimension, f.metric, 'query');
    const found = withinRange(this.storage.set.views(), field, query, maxDistanceOf(f.metric, radius), {
      field,
      filter: this.input.filter(opts.filter),
    });
    return this.out.hits(
      this.ranking.scored(found.length > limit ? found.slice(0, limit) : found, field),
      field,
      opts,
    );
  }

  /** See `EmbeddedCollection.recommend`. */
  async recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]> {
    await this.gate.readable(options);
    return runRecommend(this, query, options);
  }
}
