/**
 * `quiverdb/client`: a Quiver server, behind the same `Database` / `Collection` interface as
 * the embedded `Quiver.open`, so code moves between embedded and remote unchanged.
 *
 * @example
 * import { connect } from 'quiverdb/client';
 * const db = await connect('http://127.0.0.1:6333', { apiKey: process.env.QUIVER_API_KEY });
 * // over TLS, trusting a private CA:
 * // await connect('https://vectors.internal:6333', { apiKey, ca: readFileSync('ca.pem') });
 * const images = db.collection('images');
 * const hits = await images.search(query, { k: 10, withPayload: true });
 */
import { InvalidArgumentError } from '../errors.js';
import { RemoteDatabase } from './database.js';
import { HttpTransport, type TransportOptions } from './http.js';

export type * from '../db/types.js';
export { EmbeddingInputError, EmbeddingModelError } from '../embed/provider.js';
export * from '../errors.js';
export type { Condition, FieldCondition, Filter, MatchValue, Payload } from '../payload/filter.js';
export type { RemoteCollection } from './collection.js';
export type { RemoteDatabase } from './database.js';
export {
  AuthenticationError,
  CertificateError,
  ConnectionError,
  PermissionDeniedError,
  ServerError,
} from './errors.js';

export type ConnectOptions = TransportOptions;

/**
 * Connects to a Quiver server and reads its list of collections (which also checks the
 * address and the API key: a wrong key rejects with `AuthenticationError`).
 * @example
 * const db = await connect('http://127.0.0.1:6333', { apiKey: 'secret' });
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<RemoteDatabase> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new InvalidArgumentError(`url: expected an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InvalidArgumentError(`url: expected an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const db = new RemoteDatabase(new HttpTransport(base.href.replace(/\/+$/, ''), options));
  await db.listCollections();
  return db;
}
