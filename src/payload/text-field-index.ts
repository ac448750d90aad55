/**
 * The full-text index of a key: an `InvertedIndex` (text/inverted-index.ts) over each row's
 * field text (field-text.ts), analyzed by the field's analyzer. It answers the text forms of
 * `match` for every row, because the rows it indexes carry the very text a text condition
 * reads: `text` exactly (the rows whose terms include every query term, `matchAll`),
 * `text_any` exactly (the union of the terms' rows), and `phrase` as a superset to verify
 * (the rows with every term, whose payloads are then read for the order). It stores strings
 * (so rows with numbers or booleans are foreign); a `match` with a string, `except` and a
 * datetime range need the payload, and a number range or a geo shape never holds for a string.
 */
import type { Analyzer } from '../text/analyzer.js';
import { InvertedIndex } from '../text/inverted-index.js';
import { FieldIndex, type Lookup, matchedValues, NO_ROWS, type ValueCondition } from './field-index.js';
import { fieldText } from './field-text.js';
import { isDatetimeRange, isTextMatch, queryTerms, textQuery } from './filter.js';
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
    if (!('match' in condition)) return NO_ROWS;
    const match = condition.match;
    if (isTextMatch(match)) {
      const terms = queryTerms(textQuery(match), this.inverted.analyze);
      if (terms.length === 0) return NO_ROWS;
      const inverted = this.inverted;
      const frequencies = () => terms.map((term) => inverted.documentFrequency(term));
      if ('text_any' in match) {
        return {
          count: () => frequencies().reduce((sum, frequency) => sum + frequency, 0),
          setIn: (target) => {
            for (const term of terms) target.or(inverted.matchAll([term], target.size));
          },
        };
      }
      return {
        count: () => Math.min(...frequencies()),
        setIn: (target) => target.or(inverted.matchAll(terms, target.size)),
        verify: 'phrase' in match,
      };
    }
    if ('except' in match) return undefined;
    return matchedValues(match).some((scalar) => typeof scalar === 'string') ? undefined : NO_ROWS;
  }

  protected override store(_row: number, value: unknown): boolean {
    return typeof value === 'string';
  }
}
