/**
 * Raw inputs of vector fields that name an embedding provider, as requests carry them
 * (`inputs: { field: string }`, encoded as `wire/format.ts` says), turned into the engine's
 * raw keys: `{ id, image: <Buffer>, caption: 'a red dress' }` for an upsert, `{ image:
 * <Buffer> }` for a query.
 *
 * Why the server converts rather than passing strings on: the engine reads a string given to
 * an image field as a file path, and a string from a client must never reach it as one (it
 * would read the server's disk). So an image or audio (WAV) input arrives as base64 bytes
 * only and reaches the engine as a Buffer; a string that is not canonical base64 is refused with a 400. Texts
 * go as they are. A bare `query.text` that the engine would hand to an image field named
 * `text` is refused for the same reason.
 *
 * Which provider a field has comes from `info()`, asked only by requests that need it.
 */
import { isTextProvider } from '../db/field-embedders.js';
import { fileInputName } from '../db/provider-kind.js';
import type { Collection } from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';

/** The provider of each named vector field that has one, by field. */
export type FieldProviders = ReadonlyMap<string, string>;

/** For requests that carry no raw inputs: nothing to look up. */
export const NO_PROVIDERS: FieldProviders = new Map();

/** Properties of a point that a raw input may not be named like (the engine reads them as themselves). */
export const POINT_KEYS: readonly string[] = ['id', 'vector', 'vectors', 'payload'];

/** The same for a query object; `text` only when the query has `text` or `textField` of its own. */
const QUERY_KEYS: readonly string[] = ['vector', 'using', 'textField'];

/** The fields of `collection` that name a provider, with their providers. */
export async function fieldProviders(collection: Collection): Promise<FieldProviders> {
  const { vectors } = await collection.info();
  const out = new Map<string, string>();
  for (const [field, info] of Object.entries(vectors ?? {})) {
    if (info.provider !== undefined) out.set(field, info.provider);
  }
  return out;
}

/**
 * The engine's raw keys for a request's `inputs` (at `where`, e.g. `points[3].inputs`): a
 * text for a text provider's field, the decoded bytes for any other. Throws
 * `InvalidArgumentError` for a field without a provider, a field named like one of
 * `reserved`, or an image or audio input that is not base64.
 */
export function rawInputs(
  inputs: Readonly<Record<string, string>>,
  providers: FieldProviders,
  reserved: readonly string[],
  where: string,
): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [field, value] of Object.entries(inputs)) {
    const provider = providers.get(field);
    if (provider === undefined) {
      const known = [...providers.keys()].join(', ') || 'none in this collection';
      throw new InvalidArgumentError(
        `${where}: unknown field '${field}'; raw inputs go to a vector field with a provider (${known})`,
      );
    }
    if (reserved.includes(field)) {
      throw new InvalidArgumentError(
        `${where}.${field}: a field named '${field}' cannot take a raw input here: ${where.replace(/\.inputs$/, '')}.${field} means something else`,
      );
    }
    out[field] = isTextProvider(provider) ? value : decodeFileInput(value, provider, `${where}.${field}`);
  }
  return out;
}

/** The keys a query's raw input may not take: `text` too when the query has a text of its own. */
export function reservedQueryKeys(query: { text?: string; textField?: string }): readonly string[] {
  return query.text === undefined && query.textField === undefined ? QUERY_KEYS : [...QUERY_KEYS, 'text'];
}

/**
 * Refuses a bare `text` (no `textField`) when the collection has an image or audio field named `text`:
 * the engine would read the text as a path on the server's disk.
 */
export function checkBareText(query: { text?: string; textField?: string }, providers: FieldProviders): void {
  const provider = providers.get('text');
  if (query.text === undefined || query.textField !== undefined || provider === undefined) return;
  if (isTextProvider(provider)) return;
  throw new InvalidArgumentError(
    `query.text: the vector field 'text' takes ${fileInputName(provider) === 'audio file' ? 'audio' : 'images'} (provider ${provider}); send the ${fileInputName(provider)}'s bytes in base64 as inputs.text`,
  );
}

/** Whether a query needs the collection's providers to be converted (`rawInputs`, `checkBareText`). */
export function needsProviders(query: unknown): boolean {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) return false;
  const q = query as { inputs?: unknown; text?: unknown; textField?: unknown };
  return q.inputs !== undefined || (q.text !== undefined && q.textField === undefined);
}

/**
 * The bytes of a base64 image or audio input. Only canonical base64 is accepted (RFC 4648 alphabet,
 * padded, no line breaks), checked by decoding and encoding again: linear in the input,
 * where a regular expression over megabytes of text can overflow the stack.
 */
function decodeFileInput(text: string, provider: string, where: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new InvalidArgumentError(
      `${where}: expected the ${fileInputName(provider)}'s bytes in base64 (A–Z a–z 0–9 + /, padded with =, no line breaks; ` +
        `the server does not read file paths), got a ${text.length}-character string that is not base64`,
    );
  }
  return bytes;
}
