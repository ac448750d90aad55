/**
 * Qdrant's snapshot routes against two real servers on loopback: a snapshot created on A,
 * downloaded and uploaded to B, or recovered on B from A's URL, restores the collection
 * exactly; refused files (damaged, truncated, wrong checksum, foreign) are 400
 * `INVALID_SNAPSHOT` and change nothing; `file://` locations outside the snapshot folder are
 * refused; the routes need the admin key; and `@qdrant/js-client-rest` drives them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  type CollectionInfo,
  type EmbeddedCollection,
  type FieldEmbedder,
  gaussianMixture,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { tempDir } from './support/reference.js';
import { assertError, http, startTestServer, type TestServer } from './support/server.js';

const ADMIN = 'admin-key';
const READER = 'read-key';
const N = 1200;
const DIM = 8;
const data = gaussianMixture(N + 10, DIM, 12, 7);
const row = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));

interface Envelope<T> {
  result: T;
  status: string;
  time: number;
}
interface Description {
  name: string;
  creation_time: string;
  size: number;
  checksum: string;
}

/**
 * `info()` without its memory figures (and name): an index loaded from its file holds less
 * memory than the same index freshly built, which is no difference in what it answers.
 */
function comparableInfo(info: CollectionInfo) {
  const { memory: _memory, name: _name, indexingSegments: _indexing, loading: _loading, ...rest } = info;
  const vectors = rest.vectors
    ? Object.fromEntries(Object.entries(rest.vectors).map(([k, { memory: _m, ...f }]) => [k, f]))
    : undefined;
  return { ...rest, vectors };
}

/** Ids, vectors, payloads, and a few filtered and unfiltered searches of a collection. */
async function observe(c: EmbeddedCollection) {
  const page = await c.scroll({ limit: 10_000, withVector: true });
  const searches = [];
  for (let q = 0; q < 6; q++) {
    const filter = q % 2 ? { must: [{ key: 'tag', match: { value: `t${q}` } }] } : undefined;
    searches.push(await c.search(row(N + q), { k: 8, filter, withPayload: true }));
  }
  const info = await c.info();
  return { points: page.points, searches, info: comparableInfo(info) };
}

describe('snapshot routes across two servers', () => {
  let a: TestServer;
  let b: TestServer;
  const auth = { authorization: `Bearer ${ADMIN}` };
  let expected: Awaited<ReturnType<typeof observe>>;
  let snapshot: Description;
  let bytes: Uint8Array;

  before(async () => {
    a = await startTestServer({ keys: { admin: [ADMIN], readOnly: [READER] } });
    b = await startTestServer();
    const c = await a.db.createCollection('docs', {
      dimension: DIM,
      segmentSize: 500,
      index: 'HNSW8',
      payloadIndexes: { tag: 'keyword' },
    });
    await c.upsert(
      Array.from({ length: N }, (_, i) => ({ id: i, vector: row(i), payload: { tag: `t${i % 6}`, i } })),
    );
    await c.flush();
    await c.delete([3, 4, 5, 700]);
    await c.upsert([{ id: 'extra', vector: row(N + 9), payload: { tag: 't1' } }]);
    expected = await observe(c);
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  test('create and list need the admin key and answer in Qdrant envelopes', async () => {
    assertError(await http(a.url, 'POST', '/collections/docs/snapshots'), 401, 'UNAUTHORIZED');
    assertError(
      await http(a.url, 'POST', '/collections/docs/snapshots', undefined, { 'api-key': READER }),
      403,
      'FORBIDDEN',
    );
    assertError(
      await http(a.url, 'GET', '/collections/docs/snapshots', undefined, { 'api-key': READER }),
      403,
      'FORBIDDEN',
    );
    const created = await http(a.url, 'POST', '/collections/docs/snapshots?wait=true', undefined, auth);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const body = created.body as Envelope<Description>;
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.time, 'number');
    snapshot = body.result;
    assert.match(snapshot.name, /^docs-.*\.snapshot$/);
    assert.match(snapshot.checksum, /^[0-9a-f]{64}$/);
    const listed = (await http(a.url, 'GET', '/collections/docs/snapshots', undefined, auth)).body;
    assert.deepEqual(listed, { ...(listed as object), result: [snapshot], status: 'ok' });
    assertError(
      await http(a.url, 'POST', '/collections/nope/snapshots', undefined, auth),
      404,
      'COLLECTION_NOT_FOUND',
    );
  });

  test('download, then upload to another server: the collection comes back exactly', async () => {
    const response = await fetch(`${a.url}/collections/docs/snapshots/${snapshot.name}`, { headers: auth });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(bytes.length, snapshot.size);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), snapshot.checksum);

    const uploaded = await upload(b.url, 'docs', bytes, `?checksum=${snapshot.checksum}`);
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    assert.deepEqual((uploaded.body as Envelope<boolean>).result, true);
    assert.deepEqual(await observe(b.db.collection('docs')), expected);
  });

  test('recover on B from A by URL (with A’s key), and from B’s own folder by file://', async () => {
    const location = `${a.url}/collections/docs/snapshots/${snapshot.name}`;
    const unauthorized = await http(b.url, 'PUT', '/collections/copy/snapshots/recover', { location });
    assertError(unauthorized, 400, 'INVALID_SNAPSHOT');
    assert.match((unauthorized.body as { status: { error: string } }).status.error, /HTTP 401/);
    assert.deepEqual(await b.db.listCollections(), ['docs']);

    const recovered = await http(b.url, 'PUT', '/collections/copy/snapshots/recover', {
      location,
      api_key: ADMIN,
      checksum: snapshot.checksum,
      priority: 'snapshot',
    });
    assert.equal(recovered.status, 200, JSON.stringify(recovered.body));
    assert.deepEqual(await observe(b.db.collection('copy')), expected);

    const own = await b.db.createSnapshot('copy');
    const path = await b.db.snapshotPath('copy', own.name);
    const again = await http(b.url, 'PUT', '/collections/again/snapshots/recover', {
      location: pathToFileURL(path).href,
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(await observe(b.db.collection('again')), expected);

    // A file outside the snapshot folder, even a valid snapshot, is refused.
    const outside = join(b.dir, 'elsewhere.snapshot');
    writeFileSync(outside, bytes);
    for (const where of [
      pathToFileURL(outside).href,
      'file:///etc/passwd',
      'ftp://127.0.0.1/x.snapshot',
      'not a url',
    ]) {
      assertError(
        await http(b.url, 'PUT', '/collections/again/snapshots/recover', { location: where }),
        400,
        'INVALID_ARGUMENT',
      );
      // Checked before a wait=false recovery is accepted.
      assertError(
        await http(b.url, 'PUT', '/collections/again/snapshots/recover?wait=false', { location: where }),
        400,
        'INVALID_ARGUMENT',
      );
    }
  });

  test('a damaged, truncated, foreign or wrong-checksum upload is 400 INVALID_SNAPSHOT and changes nothing', async () => {
    const before = await observe(b.db.collection('docs'));
    const collections = await b.db.listCollections();
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length >> 1] ^= 4;
    const cases: [string, Uint8Array, string][] = [
      ['flipped', flipped, ''],
      ['truncated', bytes.subarray(0, bytes.length - 1), ''],
      [
        'foreign',
        new TextEncoder().encode('PK\u0003\u0004 not a snapshot at all, but long enough to be read'),
        '',
      ],
      ['checksum', bytes, `?checksum=${'a'.repeat(64)}`],
    ];
    for (const [what, body, query] of cases) {
      const result = await upload(b.url, 'docs', body, query);
      assertError(result, 400, 'INVALID_SNAPSHOT');
      assert.ok(what);
    }
    assertError(await upload(b.url, 'docs', bytes, '?checksum=xyz'), 400, 'INVALID_ARGUMENT');
    const notMultipart = await http(b.url, 'POST', '/collections/docs/snapshots/upload', { snapshot: 'x' });
    assert.ok(notMultipart.status === 400 || notMultipart.status === 406, String(notMultipart.status));
    assert.deepEqual(await observe(b.db.collection('docs')), before);
    assert.deepEqual(await b.db.listCollections(), collections);
  });

  test('a snapshot whose collection names a provider clients may not choose here is refused', async () => {
    const dir = tempDir();
    const fake: FieldEmbedder = {
      kind: 'text',
      dimension: 3,
      metric: 'cosine',
      embed: async (t) => t.map(() => Float32Array.of(1, 2, 3)),
    };
    const db = await Quiver.open(dir.path, { embedders: async () => fake });
    try {
      await db.createCollection('remote', {
        vectors: { text: { provider: 'openai:http://127.0.0.1:9/v1' } },
      });
      const file = await db.snapshotPath('remote', (await db.createSnapshot('remote')).name);
      const collections = await b.db.listCollections();
      const refused = await upload(b.url, 'remote', readFileSync(file), '');
      assertError(refused, 400, 'INVALID_ARGUMENT');
      assert.match(
        (refused.body as { status: { error: string } }).status.error,
        /not enabled on this server/,
      );
      assert.deepEqual(await b.db.listCollections(), collections);
      // The embedded API has no such policy: the admin restores it there.
      await b.db.recoverSnapshot('remote', file);
      await b.db.dropCollection('remote');
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('wait=false answers 202 accepted; delete answers true, then 404', async () => {
    const accepted = await http(a.url, 'POST', '/collections/docs/snapshots?wait=false', undefined, auth);
    assert.equal(accepted.status, 202);
    assert.deepEqual(
      { ...(accepted.body as object), time: 0 },
      { result: null, status: 'accepted', time: 0 },
    );
    let listed: Description[] = [];
    while (listed.length < 2) {
      listed = (
        (await http(a.url, 'GET', '/collections/docs/snapshots', undefined, auth)).body as Envelope<
          Description[]
        >
      ).result;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = listed.find((s) => s.name !== snapshot.name)!;
    const deleted = await http(
      a.url,
      'DELETE',
      `/collections/docs/snapshots/${second.name}`,
      undefined,
      auth,
    );
    assert.equal(deleted.status, 200);
    assert.equal((deleted.body as Envelope<boolean>).result, true);
    assertError(
      await http(a.url, 'DELETE', `/collections/docs/snapshots/${second.name}`, undefined, auth),
      404,
      'SNAPSHOT_NOT_FOUND',
    );
    assertError(
      await http(a.url, 'GET', `/collections/docs/snapshots/${second.name}`, undefined, auth),
      404,
      'SNAPSHOT_NOT_FOUND',
    );
    assert.equal(
      (await http(a.url, 'GET', '/collections/docs/snapshots/..%2Fcatalog.sqlite', undefined, auth)).status,
      400,
    );
  });

  test('fuzz: 400 malformed snapshot requests (seeded) get no 5xx and change nothing', async () => {
    const random = new SeededRandom(16);
    const before = await observe(b.db.collection('docs'));
    const collections = await b.db.listCollections();
    const junk = (): unknown => {
      const pick = random.int(8);
      if (pick === 0) return random.int(1000) - 500;
      if (pick === 1) return 'x'.repeat(random.int(40));
      if (pick === 2) return null;
      if (pick === 3) return [junk(), junk()];
      if (pick === 4) return { location: junk() };
      if (pick === 5) return `file:///${'../'.repeat(random.int(4))}etc/${random.int(9)}`;
      if (pick === 6) return `${b.url}/collections/docs/snapshots/${random.int(1000)}.snapshot`;
      return { [`k${random.int(5)}`]: junk() };
    };
    const statuses = new Map<number, number>();
    for (let n = 0; n < 400; n++) {
      let result: { status: number; body: unknown };
      const kind = n % 4;
      if (kind === 0) {
        const body = random.next() < 0.3 ? { location: junk(), checksum: junk() } : junk();
        result = await http(b.url, 'PUT', '/collections/docs/snapshots/recover', body);
      } else if (kind === 1) {
        // A valid snapshot with a byte changed, cut short, or grown.
        let mutated = Uint8Array.from(bytes);
        const how = random.int(3);
        if (how === 0) mutated[random.int(mutated.length)] ^= 1 + random.int(255);
        else if (how === 1) mutated = mutated.subarray(0, random.int(mutated.length));
        else mutated = Uint8Array.from([...mutated, random.int(256)]);
        result = await upload(b.url, 'docs', mutated, '');
        assert.equal(result.status, 400, JSON.stringify(result.body));
      } else if (kind === 2) {
        const name = encodeURIComponent(String(junk()));
        result = await http(
          b.url,
          random.next() < 0.5 ? 'GET' : 'DELETE',
          `/collections/docs/snapshots/${name}`,
        );
      } else {
        const query = `?wait=${encodeURIComponent(String(junk()))}&checksum=${encodeURIComponent(String(junk()))}`;
        result = await http(b.url, 'POST', `/collections/docs/snapshots/upload${query}`, junk());
      }
      assert.ok(result.status < 500, `request ${n}: ${result.status} ${JSON.stringify(result.body)}`);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    }
    assert.ok((statuses.get(400) ?? 0) >= 200, JSON.stringify([...statuses]));
    assert.deepEqual(await observe(b.db.collection('docs')), before);
    assert.deepEqual(await b.db.listCollections(), collections);
  });

  test('@qdrant/js-client-rest creates, lists, recovers and deletes snapshots', async () => {
    const client = new QdrantClient({ url: b.url, checkCompatibility: false });
    const created = await client.createSnapshot('docs', { wait: true });
    assert.ok(created);
    assert.match(created.name, /^docs-/);
    const listed = await client.listSnapshots('docs');
    assert.ok(listed.some((s) => s.name === created.name && s.checksum === created.checksum));
    const path = await b.db.snapshotPath('docs', created.name);
    assert.equal(
      await client.recoverSnapshot('from-client', {
        location: pathToFileURL(path).href,
        checksum: created.checksum ?? undefined,
      }),
      true,
    );
    assert.deepEqual(await observe(b.db.collection('from-client')), expected);
    assert.equal(await client.deleteSnapshot('docs', created.name), true);
    assert.ok(!(await client.listSnapshots('docs')).some((s) => s.name === created.name));
  });
});

/** POSTs `bytes` as the multipart file field `snapshot` to the upload route. */
async function upload(url: string, collection: string, bytes: Uint8Array, query: string) {
  const form = new FormData();
  form.append('snapshot', new Blob([bytes]), 'upload.snapshot');
  const response = await fetch(`${url}/collections/${collection}/snapshots/upload${query}`, {
    method: 'POST',
    body: form,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body };
}
