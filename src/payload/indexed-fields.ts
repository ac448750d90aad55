/**
 * What filter evaluation over a segment is given: its payload indexes by key, and the ids of
 * its rows (for has_id). Shared by the bitset evaluation (`filter-bitset.ts`) and the
 * planner's estimates (`filter-estimate.ts`), below both.
 */
import type { FieldIndex } from './field-index.js';
import type { CompileOptions } from './filter.js';
import type { FilterPointId } from './filter-types.js';

/** The indexes of a segment by key, and how to compile what they cannot answer. */
export interface IndexedFields {
  readonly fields: ReadonlyMap<string, FieldIndex>;
  readonly options: CompileOptions;
}

/**
 * The ids of a segment's rows, for has_id: what the segment knows and the payload layer does
 * not (it stays unaware of the id column).
 */
export interface RowIds {
  /** The id of row `row`. */
  idAt(row: number): FilterPointId;
  /**
   * The rows holding `id`, when the segment can look them up directly (a sealed segment's
   * id map); has_id then costs a lookup per listed id instead of an id read per candidate row.
   * Must list every row holding `id`.
   */
  rowsOf?(id: FilterPointId): readonly number[];
}
