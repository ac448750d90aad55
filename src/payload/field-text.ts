/**
 * The text of a full-text field: what `match.text` conditions and full-text indexes analyze,
 * from this one function so that they agree on every payload.
 *
 * A key resolves to zero or more values (payload-path.ts); nulls are dropped, and the text is
 * `textOf` (text/inverted-index.ts) of the single remaining value, or of the list of them when
 * there are several (a string, or an array of strings, has text). A key that resolves to no
 * non-null value has no text, so a field without a non-null value never matches a text query.
 */
import { textOf } from '../text/inverted-index.js';
import { type PayloadPath, payloadValues } from './payload-path.js';

/**
 * The text of `path` in `payload`, or undefined when it has none.
 * @example
 * fieldText({ body: 'Tax cuts' }, compilePayloadPath('body')); // 'Tax cuts'
 * fieldText({ body: null }, compilePayloadPath('body')); // undefined
 */
export function fieldText(payload: unknown, path: PayloadPath): string | undefined {
  const values = payloadValues(payload, path).filter((value) => value !== null);
  if (values.length === 0) return undefined;
  return textOf(values.length === 1 ? values[0] : values);
}
