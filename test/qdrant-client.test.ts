/**
 * `@qdrant/js-client-rest` 1.18.0, unchanged, against a real Quiver server on a loopback
 * port: every client method of issue 16's list, with the answers compared to Quiver's
 * embedded API on the same data (the server's own database, opened with `Quiver.open`) and
 * to Qdrant's scoring rules written out plainly (`support/qdrant-reference.ts`): same ids in
 * the same order, scores within 1e-4 (Euclid = the square root of Quiver's `l2`), UUIDs
 * canonical. Searches are exact (`params.exact`, and the data stays in the growing segment),
 * seeds fixed.
 */
import { after, before, describe } from 'node:test';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { clientContext } from './support/qdrant-client-context.js';
import { collectionAndPointSuites } from './support/qdrant-client-crud.js';
import { filterPayloadSnapshotSuites } from './support/qdrant-client-filters.js';
import { searchSuites } from './support/qdrant-client-search.js';
import { qdrantClient } from './support/qdrant-data.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('@qdrant/js-client-rest 1.18.0 against quiver serve', () => {
  let s: TestServer;
  let client: QdrantClient;
  const ctx = clientContext(
    () => s,
    () => client,
  );

  before(async () => {
    s = await startTestServer();
    client = qdrantClient(s.url);
  });
  after(async () => {
    await s.stop();
  });

  // The suites run in this order and build on each other's data: collections, then the
  // `items` collection that the search, filter and snapshot suites read.
  collectionAndPointSuites(ctx);
  searchSuites(ctx);
  filterPayloadSnapshotSuites(ctx);
});
