/**
 * Run as a child process by `tls-server.test.ts` (with `NODE_EXTRA_CA_CERTS` naming the
 * test CA, which is how a Node program trusts a private CA for the Qdrant client's undici
 * agent): `@qdrant/js-client-rest` against `QUIVER_URL` (https) with the JWT in
 * `QUIVER_TOKEN`; prints what it saw as one JSON line.
 */
import { QdrantClient } from '@qdrant/js-client-rest';

const client = new QdrantClient({
  url: process.env.QUIVER_URL,
  apiKey: process.env.QUIVER_TOKEN,
  checkCompatibility: false,
});
const { collections } = await client.getCollections();
const hits = await client.search('docs', { vector: [1, 0], limit: 2 });
let writeStatus: number | undefined;
try {
  await client.upsert('docs', { points: [{ id: 9, vector: [1, 1] }] });
} catch (error) {
  writeStatus = (error as { status?: number }).status;
}
process.stdout.write(
  `${JSON.stringify({ collections: collections.map((c) => c.name), hits: hits.map((h) => h.id), writeStatus })}\n`,
);
