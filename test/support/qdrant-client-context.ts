/**
 * What the suites of `qdrant-client.test.ts` share: the seeded data (240 items of dimension 8,
 * one in ten with a UUID id; 6 queries), small helpers, and the running server, its Qdrant
 * client and its database through the embedded API.
 */
import assert from 'node:assert/strict';
import type { QdrantClient } from '@qdrant/js-client-rest';
import type { Collection, Hit, SearchOptions } from '../../src/index.js';
import { compareQIds, type Item, makeItems, type QId } from './qdrant-data.js';
import { type Distance, normalize, type Scored } from './qdrant-reference.js';
import type { TestServer } from './server.js';

export const DIM = 8;
export const ITEMS = makeItems(240, DIM, 1601);
export const BY_ID = new Map<QId, Item>(ITEMS.map((i) => [i.id, i]));
export const QUERIES = makeItems(6, DIM, 77).map((q) => q.vector);
export const DISTANCES: Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];

/** Stored vectors as Qdrant returns them: normalized for Cosine. */
export const stored = (distance: Distance, v: number[]) => (distance === 'Cosine' ? normalize(v) : v);
/** Items as Qdrant points (payloads copied). */
export const points = (list: readonly Item[]) =>
  list.map((i) => ({ id: i.id, vector: i.vector, payload: { ...i.payload } }));
export const ids = (list: readonly { id: QId | string | number }[]) => list.map((p) => p.id);
export const sortedIds = (list: readonly Item[]) => ids(list).sort(compareQIds);

export function assertVectorClose(got: unknown, expected: readonly number[], message: string): void {
  assert.ok(Array.isArray(got), `${message}: vector ${JSON.stringify(got)}`);
  assert.equal(got.length, expected.length, message);
  for (const [i, x] of got.entries()) {
    assert.ok(Math.abs(x - expected[i]) < 1e-5, `${message}[${i}]: ${x} vs ${expected[i]}`);
  }
}

/** The server under test, read once the suite's `before` has started it. */
export interface ClientContext {
  readonly s: TestServer;
  readonly client: QdrantClient;
  /** A collection of the server's database, through the embedded API. */
  col(name: string): Collection;
  /** Quiver's embedded exact search on the same collection, scores in Qdrant's convention (Euclid = √l2). */
  embedded(
    name: string,
    distance: Distance,
    vector: number[],
    options: Record<string, unknown>,
  ): Promise<Scored[]>;
}

/** A context over the server that `server()` returns (set in a `before` hook). */
export function clientContext(server: () => TestServer, client: () => QdrantClient): ClientContext {
  const col = (name: string) => server().db.collection(name);
  return {
    get s() {
      return server();
    },
    get client() {
      return client();
    },
    col,
    async embedded(name, distance, vector, options) {
      const hits = (await col(name).search(vector, { exact: true, ...options } as SearchOptions)) as Hit[];
      return hits.map((h) => ({ id: h.id, score: distance === 'Euclid' ? Math.sqrt(h.score) : h.score }));
    },
  };
}
