/**
 * The speech example's collections: recordings stored through the `audio-mfcc` provider (the
 * collection reads each WAV file and keeps only its vector, with word, voice and speed as
 * payload), and the methods that rank by searching them.
 */
import type { EmbedderOptions } from '../../src/embed/provider.js';
import type { EmbeddedCollection as Collection, Quiver } from '../../src/index.js';
import type { Recording } from './speech-corpus.js';
import { candidateCount, type SpeechMethod, scopeFilter } from './speech-eval.js';

/** Recordings upserted per call. */
const BATCH = 100;

/**
 * A new collection `name` with one vector field, `audio` (provider `audio-mfcc` with
 * `providerOptions`, default HNSW index) and a keyword index on `voice`, holding every
 * recording (point id = recording id); flushed, so its index is built.
 */
export async function storeRecordings(
  db: Quiver,
  name: string,
  recordings: readonly Recording[],
  providerOptions: EmbedderOptions = {},
): Promise<Collection> {
  const collection = await db.createCollection(name, {
    vectors: { audio: { provider: 'audio-mfcc', providerOptions } },
    payloadIndexes: { voice: 'keyword', word: 'keyword' },
  });
  for (let first = 0; first < recordings.length; first += BATCH) {
    await collection.upsert(
      recordings.slice(first, first + BATCH).map((r) => ({
        id: r.id,
        audio: r.path,
        payload: { word: r.word, voice: r.voice, speed: r.speed },
      })),
    );
  }
  await collection.flush();
  return collection;
}

/** The stored `audio` vector of every recording, by id. */
export async function storedVectors(
  collection: Collection,
  recordings: readonly Recording[],
): Promise<Float32Array[]> {
  const points = await collection.get(
    recordings.map((r) => r.id),
    { withVector: true },
  );
  const byId = new Map(points.map((p) => [p.id, p.vectors?.audio as Float32Array]));
  return recordings.map((r) => {
    const v = byId.get(r.id);
    if (!v) throw new Error(`recording ${r.id} has no stored vector`);
    return v;
  });
}

/**
 * Ranking by a search of `collection` with the query's stored vector and the scope's filter:
 * `exact` searches every candidate (a full ranking for mAP), otherwise the HNSW index answers
 * the first 10.
 */
export function collectionMethod(
  name: string,
  description: string,
  collection: Collection,
  recordings: readonly Recording[],
  vectors: readonly Float32Array[],
  exact: boolean,
): SpeechMethod {
  return {
    name,
    description,
    ranksAll: exact,
    rank: async (query, scope, full) => {
      const k = full ? candidateCount(recordings, scope, query) : 10;
      const hits = await collection.search(vectors[query.id], {
        k,
        using: 'audio',
        exact,
        filter: scopeFilter(scope, query),
      });
      return hits.map((h) => Number(h.id));
    },
  };
}

/**
 * The mean share of the exact top 10 (every other recording a candidate) that the HNSW
 * search returns: the index's recall@10 on these vectors.
 */
export async function topTenAgreement(
  collection: Collection,
  recordings: readonly Recording[],
  vectors: readonly Float32Array[],
): Promise<number> {
  let sum = 0;
  for (const query of recordings) {
    const options = { k: 10, using: 'audio', filter: scopeFilter('all', query) };
    const exact = new Set(
      (await collection.search(vectors[query.id], { ...options, exact: true })).map((h) => h.id),
    );
    const approx = await collection.search(vectors[query.id], options);
    sum += approx.filter((h) => exact.has(h.id)).length / exact.size;
  }
  return sum / recordings.length;
}
