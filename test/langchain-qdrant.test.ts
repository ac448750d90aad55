/**
 * LangChain.js's Qdrant integration, `@langchain/qdrant` 1.0.3 `QdrantVectorStore`, unchanged,
 * against a real Quiver server on a loopback port (the store builds its own
 * `@qdrant/js-client-rest` client from the URL). Texts are embedded by a deterministic
 * bag-of-words `Embeddings` (`support/bag-of-words-embeddings.ts`), so the right answer of
 * every search is computed here by cosine similarity (and Qdrant's MMR for
 * `maxMarginalRelevanceSearch`) and compared with what comes back: page contents, metadata,
 * ids and scores (within 1e-4).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Document } from '@langchain/core/documents';
import { QdrantVectorStore } from '@langchain/qdrant';
import { BagOfWordsEmbeddings, bagOfWords } from './support/bag-of-words-embeddings.js';
import { qdrantClient } from './support/qdrant-data.js';
import { mmr, qdrantScore } from './support/qdrant-reference.js';
import { startTestServer, type TestServer } from './support/server.js';

const TEXTS = [
  'The cat sat on the mat',
  'A cat chased a dog around the garden',
  'Dogs bark at the mailman, dogs bark at cats',
  'The stock market fell today',
  'Investors sold stocks as the market slid, investors worried',
  'Rain and wind tonight',
  'Sun and warm weather tomorrow, weather stays dry',
  'Flowers bloom in the garden under the tree',
  'A boat drifts down the river',
  'The river flooded after rain',
  'A tree fell in the wind',
  'Market stalls sell flowers',
];
const TOPICS = [
  'pets',
  'pets',
  'pets',
  'finance',
  'finance',
  'weather',
  'weather',
  'nature',
  'nature',
  'nature',
  'nature',
  'finance',
];
const METADATA = TEXTS.map((_, i) => ({ topic: TOPICS[i], n: i, source: { line: i + 1 } }));

/** The texts best first for `query` by cosine similarity of their embeddings. */
function ranked(query: string, texts: readonly string[] = TEXTS) {
  const q = bagOfWords(query);
  return texts
    .map((text) => ({ id: text, score: qdrantScore('Cosine', q, bagOfWords(text)) }))
    .sort((a, b) => b.score - a.score);
}

/** Asserts that the first `k` of `ranked(query)` have distinct scores, so the expected order is unambiguous. */
function assertNoTies(query: string, k: number): void {
  const r = ranked(query);
  for (let i = 0; i < k; i++) assert.ok(r[i].score - r[i + 1].score > 1e-6, `${query}: tie at ${i}`);
}

describe('@langchain/qdrant 1.0.3 QdrantVectorStore against quiver serve', () => {
  let s: TestServer;
  let store: QdrantVectorStore;
  const embeddings = new BagOfWordsEmbeddings();
  const config = () => ({ url: s.url, collectionName: 'lc_docs' });
  const metadataOf = (text: string) => METADATA[TEXTS.indexOf(text)];
  const live = new Set(TEXTS);

  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.stop();
  });

  test('the client built from the URL passes its server version check', async () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      const probe = new QdrantVectorStore(embeddings, config());
      const { version } = await probe.client.versionInfo();
      // The client's rule (client-version.ts): the same major version, minor versions at most 1 apart.
      const [major, minor] = version.split('.').map(Number);
      assert.ok(major === 1 && Math.abs(minor - 18) <= 1, `server version ${version} for client 1.18.0`);
      // The client's own check runs in the background from the constructor: let it settle.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(warnings, []);
  });

  test('fromTexts creates a Cosine collection of the embedding size and stores every text', async () => {
    store = await QdrantVectorStore.fromTexts(TEXTS, METADATA, embeddings, config());
    const client = qdrantClient(s.url);
    const info = await client.getCollection('lc_docs');
    const vectors = info.config.params.vectors as { size: number; distance: string };
    assert.deepEqual([vectors.size, vectors.distance], [bagOfWords('').length, 'Cosine']);
    assert.deepEqual(await client.count('lc_docs', { exact: true }), { count: TEXTS.length });
    assert.equal(await s.db.collection('lc_docs').count(), TEXTS.length, 'the embedded API sees them');
  });

  test('similaritySearch returns the nearest documents with their metadata', async () => {
    const queries: [string, number][] = [
      ['cat', 3],
      ['stock market', 3],
      ['garden flowers', 3],
      ['weather', 1],
    ];
    for (const [query, k] of queries) {
      assertNoTies(query, k);
      const docs = await store.similaritySearch(query, k);
      const expected = ranked(query).slice(0, k);
      assert.deepEqual(
        docs.map((d) => d.pageContent),
        expected.map((e) => e.id),
        query,
      );
      for (const d of docs) {
        assert.deepEqual(d.metadata, metadataOf(d.pageContent));
        assert.match(String(d.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }
    }
  });

  test('similaritySearchWithScore returns cosine similarities', async () => {
    assertNoTies('cat dog', 3);
    const results = await store.similaritySearchWithScore('cat dog', 3);
    const expected = ranked('cat dog').slice(0, 3);
    assert.deepEqual(
      results.map(([d]) => d.pageContent),
      expected.map((e) => e.id),
    );
    for (const [i, [, score]] of results.entries()) {
      assert.ok(Math.abs(score - expected[i].score) < 1e-4, `score ${score} vs ${expected[i].score}`);
    }
  });

  test('similaritySearch with a Qdrant filter on metadata', async () => {
    const filter = { must: [{ key: 'metadata.topic', match: { value: 'finance' } }] };
    const docs = await store.similaritySearch('garden flowers', 2, filter);
    const finance = TEXTS.filter((_, i) => TOPICS[i] === 'finance');
    assert.deepEqual(
      docs.map((d) => d.pageContent),
      ranked('garden flowers', finance)
        .slice(0, 2)
        .map((e) => e.id),
    );
    const nested = { must: [{ key: 'metadata.source.line', range: { gte: 9 } }] };
    const late = await store.similaritySearch('rain', 3, nested);
    assert.ok(late.length === 3 && late.every((d) => (d.metadata.source as { line: number }).line >= 9));
  });

  test('addDocuments with ids: the documents come back with those ids', async () => {
    const extra = [
      new Document({
        id: '5f0d4c1e-8a9b-4c2d-9e3f-0a1b2c3d4e5f',
        pageContent: 'A boat on the river at sun rise',
        metadata: { topic: 'nature' },
      }),
      new Document({
        id: '6a1e5d2f-9b0c-4d3e-8f4a-1b2c3d4e5f60',
        pageContent: 'Cats and dogs and a boat',
        metadata: { topic: 'pets' },
      }),
    ];
    await store.addDocuments(extra);
    const [top] = await store.similaritySearch('boat river sun', 1);
    assert.equal(top.id, extra[0].id);
    assert.equal(top.pageContent, extra[0].pageContent);
    assert.deepEqual(top.metadata, { topic: 'nature' });
    const got = await qdrantClient(s.url).retrieve('lc_docs', { ids: [extra[1].id as string] });
    assert.deepEqual(got[0].payload, { content: extra[1].pageContent, metadata: { topic: 'pets' } });
    await store.delete({ ids: extra.map((d) => d.id as string) });
    assert.deepEqual(await qdrantClient(s.url).count('lc_docs', { exact: true }), { count: TEXTS.length });
  });

  test('maxMarginalRelevanceSearch: Qdrant MMR with diversity = lambda, as the store sends it', async () => {
    assertNoTies('cat dog', 3);
    const q = bagOfWords('cat dog');
    const candidates = ranked('cat dog')
      .slice(0, 3)
      .map((c) => ({ ...c, vector: bagOfWords(c.id) }));
    const diverse = await store.maxMarginalRelevanceSearch('cat dog', { k: 3, fetchK: 3, lambda: 0.9 });
    const expected = mmr('Cosine', q, candidates, 0.9, 3).map((e) => e.id);
    assert.deepEqual(
      diverse.map((d) => d.pageContent),
      expected,
    );
    assert.notDeepEqual(
      expected,
      candidates.map((c) => c.id),
      'diversity reorders the candidates',
    );
    for (const d of diverse) assert.deepEqual(d.metadata, metadataOf(d.pageContent));
    // Without lambda the store sends `diversity: null`: Qdrant's default, 0.5.
    const plain = await store.maxMarginalRelevanceSearch('cat dog', { k: 3, fetchK: 3 });
    assert.deepEqual(
      plain.map((d) => d.pageContent),
      mmr('Cosine', q, candidates, 0.5, 3).map((e) => e.id),
    );
  });

  test('delete by ids and by filter', async () => {
    const client = qdrantClient(s.url);
    const weather = (
      await store.similaritySearch('weather rain wind', 12, {
        must: [{ key: 'metadata.topic', match: { value: 'weather' } }],
      })
    ).map((d) => d.id as string);
    assert.equal(weather.length, 2);
    await store.delete({ ids: weather });
    for (const text of TEXTS.filter((_, i) => TOPICS[i] === 'weather')) live.delete(text);
    assert.deepEqual(await client.count('lc_docs', { exact: true }), { count: live.size });
    await store.delete({ filter: { must: [{ key: 'metadata.topic', match: { value: 'finance' } }] } });
    for (const text of TEXTS.filter((_, i) => TOPICS[i] === 'finance')) live.delete(text);
    assert.deepEqual(await client.count('lc_docs', { exact: true }), { count: live.size });
    const left = await store.similaritySearch('stock market weather', 20);
    assert.deepEqual(left.map((d) => d.pageContent).sort(), [...live].sort());
  });

  test('fromExistingCollection finds what is stored', async () => {
    const again = await QdrantVectorStore.fromExistingCollection(embeddings, config());
    const [top] = await again.similaritySearch('river boat', 1);
    assert.equal(top.pageContent, 'A boat drifts down the river');
  });
});
