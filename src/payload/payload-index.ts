/**
 * The payload indexes of one segment: for each indexed payload key, a structure that answers
 * filter conditions on that key as bitsets of row offsets without reading payload JSON
 * (field-index.ts and its kinds), and the evaluation of whole filters over them
 * (filter-bitset.ts), which reads payloads only for what no index answers.
 *
 * Rows are dense offsets 0..n-1, indexed in order: a sealed segment indexes all its rows at
 * construction and never changes; a growing segment constructs an empty index and appends
 * rows one by one, filtering in between. Answers depend on the declarations only where the
 * language says so (a text index's analyzer, a uuid index's canonical UUIDs), never on which
 * keys have an index otherwise: `filter` equals `compileFilter` with
 * `declaredCompileOptions(declarations)` evaluated on every row. Keys are kept without `[]`
 * steps (`normalizePayloadKey`), the spelling filters use.
 */
import { CorruptDataError, InvalidArgumentError } from '../errors.js';
import type { Bitset } from '../index/bitset.js';
import { analyzerFor } from '../text/analyzer.js';
import type { InvertedIndex } from '../text/inverted-index.js';
import type { FieldIndex } from './field-index.js';
import type { CompileOptions } from './filter.js';
import { filterRows, type IndexedFields, type RowIds } from './filter-bitset.js';
import { estimateRows } from './filter-estimate.js';
import { listFilterRows } from './filter-rows.js';
import type { Filter, RowPayload } from './filter-types.js';
import { geoIndex } from './geo-index.js';
import type { PayloadIndexInfo } from './index-declaration.js';
import { boolIndex, KeywordIndex, type KeywordPostings, uuidIndex } from './keyword-index.js';
import { datetimeIndex, floatIndex, integerIndex } from './numeric-index.js';
import { compilePayloadPath, normalizePayloadKey } from './payload-path.js';
import { TextFieldIndex } from './text-field-index.js';

export type { RowIds } from './filter-bitset.js';
export type { RowPayload } from './filter-types.js';

export class SegmentPayloadIndex {
  private readonly fields = new Map<string, FieldIndex>();
  private readonly infos = new Map<string, PayloadIndexInfo>();
  private rowCount = 0;
  /** Conditions compile with what the declarations say (analyzers, uuid keys). */
  private readonly indexed: IndexedFields = {
    fields: this.fields,
    options: declaredOptions((key) => this.infos.get(key)),
  };

  /**
   * Indexes `payloads` (rows 0..n-1) for every declared key.
   * @example
   * const index = new SegmentPayloadIndex(new Map([['label', { type: 'keyword' }]]), payloads);
   * index.filter({ must: [{ key: 'label', match: { value: 'cat' } }] }, payloads.length, (row) => payloads[row]);
   */
  constructor(declarations: ReadonlyMap<string, PayloadIndexInfo>, payloads: readonly RowPayload[]) {
    for (const [key, info] of declarations) this.infos.set(normalizePayloadKey(key), info);
    for (const [key, info] of this.infos) this.fields.set(key, buildField(key, info, payloads));
    this.rowCount = payloads.length;
  }

  /** Number of rows indexed (constructed with, plus appended). */
  get rows(): number {
    return this.rowCount;
  }

  /** The indexed keys (without `[]` steps, `normalizePayloadKey`) and their kinds. */
  get declarations(): ReadonlyMap<string, PayloadIndexInfo> {
    return this.infos;
  }

  /**
   * Indexes the next row (growing segments).
   * @throws InvalidArgumentError unless `offset` equals the number of rows indexed so far.
   */
  append(offset: number, payload: RowPayload): void {
    if (offset !== this.rowCount) {
      throw new InvalidArgumentError(`payload index: expected row ${this.rowCount} next, got row ${offset}`);
    }
    for (const field of this.fields.values()) field.add(offset, payload);
    this.rowCount++;
  }

  /**
   * Adds (or replaces) the index of `key` over `payloads` (every row indexed so far).
   * @throws InvalidArgumentError if `payloads` does not hold exactly the rows indexed so far.
   */
  addField(key: string, info: PayloadIndexInfo, payloads: readonly RowPayload[]): void {
    if (payloads.length !== this.rowCount) {
      throw new InvalidArgumentError(
        `payload index of ${JSON.stringify(key)}: expected the ${this.rowCount} rows indexed so far, got ${payloads.length}`,
      );
    }
    const normal = normalizePayloadKey(key);
    this.fields.set(normal, buildField(normal, info, payloads));
    this.infos.set(normal, info);
  }

  /** Removes the index of `key`; conditions on it are then answered by reading payloads. */
  dropField(key: string): void {
    this.fields.delete(normalizePayloadKey(key));
    this.infos.delete(normalizePayloadKey(key));
  }

  /** The full-text index of `key`, if it is indexed as text. */
  textIndex(key: string): InvertedIndex | undefined {
    const field = this.fields.get(normalizePayloadKey(key));
    return field instanceof TextFieldIndex ? field.inverted : undefined;
  }

  /**
   * The values of `key` and their rows, when `key` has a keyword index (what value
   * partitions are built from). The object stays the same until the key's index is replaced
   * or dropped, so a partition built from it is current while it is the one returned here.
   */
  keywordPostings(key: string): KeywordPostings | undefined {
    const field = this.fields.get(normalizePayloadKey(key));
    return field instanceof KeywordIndex ? field : undefined;
  }

  /**
   * Rows 0..rows-1 whose payload matches `filter` (liveness is not considered), as a new
   * bitset the caller owns: answered from indexes where a condition's key is indexed, by
   * reading `payloadAt` for the rest (only for rows still possible). Equal to evaluating
   * `compileFilter(filter, declaredCompileOptions(…))` on every row, given its payload and its
   * id (`ids`, needed only by has_id). `filter` must be valid (what `parseFilter` returns).
   * @throws InvalidArgumentError if `rows` exceeds the rows indexed, or if the filter has a
   * has_id condition and `ids` is not given.
   */
  filter(filter: Filter, rows: number, payloadAt: (offset: number) => RowPayload, ids?: RowIds): Bitset {
    this.checkRows(rows);
    return filterRows(this.indexed, filter, rows, payloadAt, ids);
  }

  /**
   * `filter(…)`'s rows as an ascending list, when a top-level `must` match on an indexed key
   * lists at most `max` candidate rows (filter-rows.ts); undefined when it does not, and the
   * caller uses `filter`. Same validity and `ids` rules as `filter`.
   * @throws InvalidArgumentError if `rows` exceeds the rows indexed.
   */
  listRows(
    filter: Filter,
    rows: number,
    payloadAt: (offset: number) => RowPayload,
    max: number,
    ids?: RowIds,
  ): Uint32Array | undefined {
    this.checkRows(rows);
    return listFilterRows(this.indexed, filter, rows, payloadAt, max, ids);
  }

  /**
   * An upper bound of the rows among 0..rows-1 that match `filter`, from index cardinalities
   * alone (no payload reads, no bitsets; microseconds): for the planner's choice between exact
   * search over the candidates and filtered graph traversal. A condition on an unindexed key
   * allows every row, `must_not` never lowers the bound, and rows with several values of a
   * key may be counted once per value, so the bound is loose but never below the truth.
   * has_id is bounded only when `ids` looks rows up by id (`RowIds.rowsOf`).
   * @throws InvalidArgumentError if `rows` exceeds the rows indexed.
   */
  estimate(filter: Filter, rows: number, ids?: RowIds): number {
    this.checkRows(rows);
    return estimateRows(this.indexed, filter, rows, ids);
  }

  private checkRows(rows: number): void {
    if (!Number.isInteger(rows) || rows < 0 || rows > this.rowCount) {
      throw new InvalidArgumentError(`payload index: expected 0..${this.rowCount} rows, got ${rows}`);
    }
  }
}

/** The index of `key` of the given kind over rows 0..payloads.length-1, compacted. */
function buildField(key: string, info: PayloadIndexInfo, payloads: readonly RowPayload[]): FieldIndex {
  const path = compilePayloadPath(key);
  let field: FieldIndex;
  switch (info.type) {
    case 'keyword':
      field = new KeywordIndex(path);
      break;
    case 'integer':
      field = integerIndex(path);
      break;
    case 'float':
      field = floatIndex(path);
      break;
    case 'bool':
      field = boolIndex(path);
      break;
    case 'datetime':
      field = datetimeIndex(path);
      break;
    case 'text':
      field = new TextFieldIndex(path, analyzerFor(info.analyzer));
      break;
    case 'geo':
      field = geoIndex(path);
      break;
    case 'uuid':
      field = uuidIndex(path);
      break;
    default:
      // A declaration read from a catalog written by a newer Quiver, with a kind this one lacks.
      throw new CorruptDataError(
        'catalog.sqlite',
        `payload index of ${JSON.stringify(key)}: unknown kind ${JSON.stringify((info as { type: unknown }).type)}`,
      );
  }
  for (let row = 0; row < payloads.length; row++) field.add(row, payloads[row]);
  field.compact(payloads.length);
  return field;
}

/**
 * How filters compile on keys with these declarations (keyed as declared, `[]` steps or
 * not): text conditions use the analyzer of the key's text index (English when it has none),
 * and matches on a uuid-indexed key compare UUID strings canonically. Every evaluation of a
 * collection's filters (indexes, scroll predicates) compiles with these options, so that
 * they agree.
 * @example
 * const options = declaredCompileOptions(config.payloadIndexes ?? {});
 * compileFilter(filter, options);
 */
export function declaredCompileOptions(
  declarations: Readonly<Record<string, PayloadIndexInfo>> | ReadonlyMap<string, PayloadIndexInfo>,
): CompileOptions {
  const entries = declarations instanceof Map ? [...declarations] : Object.entries(declarations);
  const byKey = new Map(entries.map(([key, info]) => [normalizePayloadKey(key), info]));
  return declaredOptions((key) => byKey.get(key));
}

/** {@link declaredCompileOptions} over a live lookup by normalized key. */
function declaredOptions(infoOf: (key: string) => PayloadIndexInfo | undefined): CompileOptions {
  return {
    analyzerFor: (key) => {
      const info = infoOf(key);
      return info?.type === 'text' ? analyzerFor(info.analyzer) : undefined;
    },
    isUuidKey: (key) => infoOf(key)?.type === 'uuid',
  };
}
