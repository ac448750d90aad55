import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import { SeededRandom } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { analyzerFor } from '../src/text/analyzer.js';
import { type Bm25Stats, bm25Stats, InvertedIndex, textOf } from '../src/text/inverted-index.js';

const TOLERANCE = 1e-9;
const simple = analyzerFor('simple');

const CORPUS = [
  'the quick brown fox jumps over the lazy dog',
  'a quick brown dog outpaces a quick fox',
  'tax cuts for the middle class',
  'the senate debated tax cuts and tax credits all night',
  'brown bears and brown dogs',
  'dogs and foxes are not cats',
  'a long speech about the economy taxes jobs trade and the war',
  'fox',
];
const QUERIES = ['quick fox', 'the tax cuts tax', 'brown dog economy'];

/** A document of the reference: its global index, and its terms. */
interface ReferenceDoc {
  id: number;
  terms: string[];
}

/**
 * BM25 as written in the textbook (Lucene's idf, k1 = 1.2, b = 0.75), over `docs` (the live
 * documents of the whole collection): the score of every document matching a query term.
 */
function referenceBm25(docs: readonly ReferenceDoc[], query: readonly string[]): Map<number, number> {
  const n = docs.length;
  const avgLength = docs.reduce((sum, d) => sum + d.terms.length, 0) / n;
  const scores = new Map<number, number>();
  for (const doc of docs) {
    let score = 0;
    let matched = false;
    for (const term of query) {
      const tf = doc.terms.filter((t) => t === term).length;
      if (tf === 0) continue;
      matched = true;
      const df = docs.filter((d) => d.terms.includes(term)).length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      score += (idf * tf * (1.2 + 1)) / (tf + 1.2 * (1 - 0.75 + (0.75 * doc.terms.length) / avgLength));
    }
    if (matched) scores.set(doc.id, score);
  }
  return scores;
}

/** Reference hits among `ids` (global doc ids), best first, ties by lower id, at most k. */
function referenceTop(scores: Map<number, number>, ids: readonly number[], k: number) {
  return ids
    .filter((id) => scores.has(id))
    .map((id) => ({ id, score: scores.get(id)! }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

function assertHits(
  found: { offsets: Uint32Array; scores: Float64Array },
  expected: { id: number; score: number }[],
  idOf: (offset: number) => number,
): void {
  assert.deepEqual(
    Array.from(found.offsets, idOf),
    expected.map((e) => e.id),
  );
  expected.forEach((e, i) => {
    assert.ok(
      Math.abs(found.scores[i] - e.score) <= TOLERANCE,
      `doc ${e.id}: ${found.scores[i]} vs ${e.score}`,
    );
  });
}

function indexOf(texts: readonly string[]): InvertedIndex {
  const index = new InvertedIndex(simple);
  texts.forEach((text, offset) => {
    index.add(offset, text);
  });
  index.checkIntegrity();
  return index;
}

const referenceDocs = CORPUS.map((text, id) => ({ id, terms: simple(text) }));

describe('BM25 search', () => {
  test(`scores equal a reference computation within ${TOLERANCE}`, () => {
    const index = indexOf(CORPUS);
    for (const query of QUERIES) {
      const terms = simple(query);
      const expected = referenceTop(
        referenceBm25(referenceDocs, terms),
        CORPUS.map((_, id) => id),
        100,
      );
      assert.ok(expected.length >= 3, query);
      assertHits(index.search(terms, 100, bm25Stats([{ index }], terms)), expected, (o) => o);
      assertHits(index.search(terms, 2, bm25Stats([{ index }], terms)), expected.slice(0, 2), (o) => o);
    }
  });

  test(`collection-wide statistics over two segments, one with a deleted doc, equal the reference (${TOLERANCE})`, () => {
    // Segment A holds docs 0..4 at offsets 0..4 plus a row with text of no terms (offset 5)
    // and a skipped row (offset 6, no text); segment B holds docs 5..7 at offsets 0..2, and
    // doc 6 (B offset 1) is deleted.
    const a = new InvertedIndex(simple);
    for (let offset = 0; offset < 5; offset++) a.add(offset, CORPUS[offset]);
    a.add(5, ' -- ');
    a.add(7, CORPUS[0]);
    const aLive = Bitset.full(8);
    aLive.clear(7);
    const b = indexOf(CORPUS.slice(5));
    const bLive = Bitset.full(3);
    bLive.clear(1);
    a.checkIntegrity();
    const live = referenceDocs.filter((d) => d.id !== 6);
    for (const query of QUERIES) {
      const terms = simple(query);
      const stats = bm25Stats(
        [
          { index: a, live: aLive },
          { index: b, live: bLive },
        ],
        terms,
      );
      assert.equal(stats.docCount, 7);
      const reference = referenceBm25(live, terms);
      assertHits(a.search(terms, 10, stats, aLive), referenceTop(reference, [0, 1, 2, 3, 4], 10), (o) => o);
      assertHits(b.search(terms, 10, stats, bLive), referenceTop(reference, [5, 7], 10), (o) => o + 5);
    }
  });

  test('only rows in `allow` are returned, with unchanged scores', () => {
    const index = indexOf(CORPUS);
    const terms = simple('brown dog fox');
    const stats = bm25Stats([{ index }], terms);
    const all = index.search(terms, 100, stats);
    const allow = Bitset.fromOffsets(CORPUS.length, [1, 4, 5, 6]);
    const found = index.search(terms, 100, stats, allow);
    const expected = Array.from(all.offsets)
      .map((offset, i) => ({ id: offset, score: all.scores[i] }))
      .filter((hit) => allow.has(hit.id));
    assert.deepEqual(
      expected.map((e) => e.id),
      [1, 4],
    );
    assertHits(found, expected, (o) => o);
  });

  test('a repeated query term counts twice', () => {
    const index = indexOf(CORPUS);
    const once = index.search(['tax'], 10, bm25Stats([{ index }], ['tax']));
    const twice = index.search(['tax', 'tax'], 10, bm25Stats([{ index }], ['tax', 'tax']));
    assert.deepEqual(twice.offsets, once.offsets);
    once.scores.forEach((score, i) => {
      assert.ok(Math.abs(twice.scores[i] - 2 * score) <= TOLERANCE);
    });
  });

  test('ties are broken by lower offset; k larger than the matches returns the matches', () => {
    const index = indexOf(['red car', 'blue car', 'red car', 'green bike', 'red car']);
    const stats = bm25Stats([{ index }], ['red']);
    const found = index.search(['red'], 10, stats);
    assert.deepEqual(Array.from(found.offsets), [0, 2, 4]);
    assert.equal(found.scores[0], found.scores[2]);
    assert.deepEqual(Array.from(index.search(['red'], 2, stats).offsets), [0, 2]);
  });

  test('no terms, unknown terms or k = 0 give no hits', () => {
    const index = indexOf(CORPUS);
    const stats: Bm25Stats = { docCount: 8, avgLength: 7, df: new Map() };
    for (const [terms, k] of [
      [[], 5],
      [['zebra'], 5],
      [['fox'], 0],
    ] as const) {
      const found = index.search(terms, k, stats);
      assert.equal(found.offsets.length, 0);
      assert.equal(found.scores.length, 0);
    }
  });

  test('random corpora: 300 docs × 40-word vocabulary, 20 queries, scores equal the reference (1e-9)', () => {
    const random = new SeededRandom(61);
    const vocabulary = Array.from({ length: 40 }, (_, i) => `w${i}`);
    // Zipf-like: low-numbered words are frequent.
    const word = () => vocabulary[Math.floor(vocabulary.length * random.next() ** 2)];
    const texts = Array.from({ length: 300 }, () =>
      Array.from({ length: 1 + random.int(30) }, word).join(' '),
    );
    const index = indexOf(texts);
    const live = Bitset.full(texts.length);
    for (let i = 0; i < 30; i++) live.clear(random.int(texts.length));
    const docs = texts.map((text, id) => ({ id, terms: simple(text) })).filter((d) => live.has(d.id));
    for (let q = 0; q < 20; q++) {
      const terms = Array.from({ length: 1 + random.int(4) }, word);
      const stats = bm25Stats([{ index, live }], terms);
      const expected = referenceTop(
        referenceBm25(docs, terms),
        docs.map((d) => d.id),
        25,
      );
      assertHits(index.search(terms, 25, stats, live), expected, (o) => o);
    }
  });
});

describe('corpus, documentFrequency and matchAll', () => {
  test('corpus and documentFrequency count live documents only; a cached answer follows deletes and adds', () => {
    const index = indexOf(CORPUS);
    const lengths = referenceDocs.map((d) => d.terms.length);
    const total = lengths.reduce((x, y) => x + y, 0);
    assert.deepEqual(index.corpus(), { docCount: 8, totalLength: total });
    const live = Bitset.full(16);
    assert.deepEqual(index.corpus(live), { docCount: 8, totalLength: total });
    live.clear(3);
    assert.deepEqual(index.corpus(live), { docCount: 7, totalLength: total - lengths[3] });
    index.add(9, 'one more fox');
    assert.deepEqual(index.corpus(live), { docCount: 8, totalLength: total - lengths[3] + 3 });
    assert.equal(index.documentFrequency('fox'), 4);
    assert.equal(index.documentFrequency('fox', Bitset.fromOffsets(16, [0, 1, 2, 9])), 3);
    assert.equal(index.documentFrequency('zebra'), 0);
  });

  test('matchAll: rows containing every term, none for no terms or an unknown term, bounded by size', () => {
    const index = indexOf(CORPUS);
    const rows = (terms: string[], size = CORPUS.length) => {
      const found: number[] = [];
      const set = index.matchAll(terms, size);
      assert.equal(set.size, size);
      set.forEach((offset) => {
        found.push(offset);
      });
      return found;
    };
    assert.deepEqual(rows(['fox']), [0, 1, 7]);
    assert.deepEqual(rows(['quick', 'fox']), [0, 1]);
    assert.deepEqual(rows(['fox', 'quick', 'brown', 'fox']), [0, 1]);
    assert.deepEqual(rows(['tax', 'cuts']), [2, 3]);
    assert.deepEqual(rows(['brown', 'zebra']), []);
    assert.deepEqual(rows([]), []);
    assert.deepEqual(rows(['fox'], 5), [0, 1]);
    assert.deepEqual(rows(['the'], 100), [0, 2, 3, 6]);
  });

  test('offsets must increase', () => {
    const index = indexOf(['a b']);
    assert.throws(() => index.add(0, 'c'), InvalidArgumentError);
    assert.throws(() => index.add(-1, 'c'), InvalidArgumentError);
    assert.throws(() => index.add(1.5, 'c'), InvalidArgumentError);
  });
});

describe('textOf', () => {
  test('strings and arrays of strings have text; other values have none', () => {
    assert.equal(textOf('tax cuts'), 'tax cuts');
    assert.equal(textOf(['tax', 'cuts']), 'tax\ncuts');
    assert.equal(textOf([]), '');
    for (const value of [42, true, null, undefined, { text: 'x' }, ['a', 1], [['a']]]) {
      assert.equal(textOf(value), undefined);
    }
  });

  test('an array is one document whose words do not merge across items', () => {
    const index = new InvertedIndex(simple);
    index.add(0, textOf(['tax', 'cuts'])!);
    assert.deepEqual(index.corpus(), { docCount: 1, totalLength: 2 });
    assert.equal(index.matchAll(['tax', 'cuts'], 1).count(), 1);
  });
});
