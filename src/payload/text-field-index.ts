/**
 * The full-text index of a key: an `InvertedIndex` (text/inverted-index.ts) over each row's
 * field text (field-text.ts), analyzed by the field's analyzer. It answers `match.text`
 * exactly for every row, because the rows it indexes carry the very text a text condition
 * reads: the rows whose terms include every query term (`matchAll`). It stores strings (so
 * rows with numbers or booleans are foreign); a `match` with a string and a datetime range
 * need the payload, and a number range never holds for a string.
 */
import type { Analyzer } from '../text/analyzer.js';
import { InvertedIndex } from '../text/inverted-index.js';
import { FieldIndex, type Lookup, matchedValues, NO_ROWS, type ValueCondition } from './field-index.js';
import { fieldText } from './field-text.js';
import { isDatetimeRange, queryTerms } from './filter.js';
import type { RowPayload } from './filter-types.js';
import type { PayloadPath } from './payload-path.js';

export class TextFieldIndex extends FieldIndex {
  readonly inverted: InvertedIndex;

  constructor(path: PayloadPath, analyze: Analyzer) {
    super(path);
    this.inverted = new InvertedIndex(analyze);
  }

  override add(row: number, payload: RowPayload): void {
    super.add(row, payload);
    const text = fieldText(payload, this.path);
    if (text !== undefined) this.inverted.add(row, text);
  }

  override lookup(condition: ValueCondition): Lookup | undefined {
    if ('range' in condition) return isDatetimeRange(condition.range) ? undefined : NO_ROWS;
    if ('text' in condition.match) {
      const terms = queryTerms(condition.match.text, this.inverted.analyze);
      if (terms.length === 0) return NO_ROWS;
      const inverted = this.inverted;
      return {
        count: () => Math.min(...terms.map((term) => inverted.documentFrequency(term))),
        setIn: (target) => target.or(inverted.matchAll(terms, target.size)),
      };
    }
    return matchedValues(condition.match).some((scalar) => typeof scalar === 'string') ? undefined : NO_ROWS;
  }

  protected override store(_row: number, value: unknown): boolean {
    return typeof value === 'string';
  }
}
