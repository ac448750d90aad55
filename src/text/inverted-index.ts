/**
 * The full-text index of one text payload field in one segment: for each term, its postings
 * (rows containing it, with term frequencies; posting-list.ts), and each document's length in
 * terms; it answers "rows containing all these terms" (`matchAll`, for filters) and BM25
 * top-k (`search`).
 *
 * A document is a row added with text that has at least one term (as in Lucene, a row whose
 * text analyzes to nothing, e.g. only stop words, does not count in the corpus). Rows are
 * added in increasing offset order, once each: a sealed segment adds all its rows at
 * construction, a growing one keeps appending between queries.
 *
 * BM25 is Lucene's: with N documents, average length avgdl, and df documents containing a
 * term, idf = ln(1 + (N − df + 0.5) / (df + 0.5)) and a document of length |d| with term
 * frequency tf scores Σ over query terms idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl)),
 * k1 = 1.2, b = 0.75. N, avgdl and df are collection-wide (`bm25Stats` over every segment's
 * live documents), so a score does not depend on how rows are cut into segments.
 */
import { InvalidArgumentError } from '../errors.js';
import { Bitset } from '../index/bitset.js';
import type { Analyzer } from './analyzer.js';
import { PostingList, withCapacity } from './posting-list.js';
import { ScoreHeap } from './score-heap.js';

/** Corpus-level numbers BM25 needs, gathered over every segment of a collection at query time. */
export interface Bm25Stats {
  /** Live documents that have the field. */
  docCount: number;
  /** Their mean length in terms. */
  avgLength: number;
  /** Live documents containing each query term. */
  df: ReadonlyMap<string, number>;
}

/** One row's BM25 score split by query term (`InvertedIndex.explainRow`). */
export interface Bm25RowTerms {
  k1: number;
  b: number;
  /** The row's length in terms. */
  docLength: number;
  terms: {
    term: string;
    queryCount: number;
    tf: number;
    df: number;
    idf: number;
    lengthNorm: number;
    contribution: number;
  }[];
}

/** BM25 term-frequency saturation. */
const K1 = 1.2;
/** BM25 length normalization. */
const B = 0.75;

/**
 * The text of a payload value of a full-text field: a string is its own text; an array whose
 * items are all strings is one document, its strings joined by line breaks (so words never
 * merge across items); any other value (number, object, mixed array, null) has no text.
 * The database and the payload indexes both read text through this function, so they agree.
 * @example
 * textOf('tax cuts'); // 'tax cuts'
 * textOf(['tax', 'cuts']); // 'tax\ncuts'
 * textOf(42); // undefined
 */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('\n');
  return undefined;
}

/**
 * Collection-wide BM25 statistics of `terms` over segments' full-text indexes of one field,
 * each restricted to its `live` rows (all rows when undefined).
 * @example
 * const stats = bm25Stats([{ index: sealed, live: sealedLive }, { index: growing }], terms);
 * sealed.search(terms, 10, stats, allow);
 */
export function bm25Stats(
  indexes: readonly { index: InvertedIndex; live?: Bitset }[],
  terms: readonly string[],
): Bm25Stats {
  let docCount = 0;
  let totalLength = 0;
  const df = new Map<string, number>();
  for (const term of terms) df.set(term, 0);
  for (const { index, live } of indexes) {
    const corpus = index.corpus(live);
    docCount += corpus.docCount;
    totalLength += corpus.totalLength;
    for (const [term, count] of df) df.set(term, count + index.documentFrequency(term, live));
  }
  return { docCount, avgLength: docCount > 0 ? totalLength / docCount : 0, df };
}

/** Lucene's BM25 idf; `df` is clamped to [0, docCount] so that it stays positive. */
function idf(docCount: number, df: number): number {
  const n = Math.min(Math.max(df, 0), docCount);
  return Math.log(1 + (docCount - n + 0.5) / (n + 0.5));
}

export class InvertedIndex {
  private readonly postings = new Map<string, PostingList>();
  /** Length in terms of row `offset` (0 for rows that are not documents); grows with the rows. */
  private lengths: Uint32Array = new Uint32Array(16);
  /** Offsets of the documents, increasing; the first `docCount` entries are meaningful. */
  private docs: Uint32Array = new Uint32Array(16);
  private docCount = 0;
  private totalLength = 0;
  private lastOffset = -1;
  /** The last `corpus(live)` answer, valid while `live` is the same object with the same count. */
  private liveCorpus?: {
    live: Bitset;
    liveCount: number;
    docCount: number;
    docs: number;
    totalLength: number;
  };
  /** Per-row score accumulator of `search`; all zeros between calls. */
  private scores = new Float64Array(0);

  constructor(readonly analyze: Analyzer) {}

  /**
   * Adds the text of row `offset`; offsets must increase from call to call (rows without text
   * are skipped by the caller; a text without terms adds no document).
   */
  add(offset: number, text: string): void {
    if (!Number.isSafeInteger(offset) || offset <= this.lastOffset || offset > 0xffffffff) {
      throw new InvalidArgumentError(
        `text row offset: expected an integer > ${this.lastOffset}, got ${offset}`,
      );
    }
    this.lastOffset = offset;
    const terms = this.analyze(text);
    if (terms.length === 0) return;
    for (const term of terms) {
      let list = this.postings.get(term);
      if (list === undefined) {
        list = new PostingList();
        this.postings.set(term, list);
      }
      list.addOccurrence(offset);
    }
    this.lengths = withCapacity(this.lengths, offset + 1);
    this.lengths[offset] = terms.length;
    this.docs = withCapacity(this.docs, this.docCount + 1);
    this.docs[this.docCount++] = offset;
    this.totalLength += terms.length;
  }

  /**
   * Documents among `live` rows (all rows when undefined), and their total length in terms.
   * The answer for a `live` bitset is remembered while the same object keeps the same count
   * and no document is added, so a bitset changed in place must only lose rows.
   */
  corpus(live?: Bitset): { docCount: number; totalLength: number } {
    if (live === undefined) return { docCount: this.docCount, totalLength: this.totalLength };
    const liveCount = live.count();
    const cached = this.liveCorpus;
    if (cached?.live === live && cached.liveCount === liveCount && cached.docCount === this.docCount) {
      return { docCount: cached.docs, totalLength: cached.totalLength };
    }
    let docs = 0;
    let totalLength = 0;
    for (let i = 0; i < this.docCount; i++) {
      const offset = this.docs[i];
      if (live.has(offset)) {
        docs++;
        totalLength += this.lengths[offset];
      }
    }
    this.liveCorpus = { live, liveCount, docCount: this.docCount, docs, totalLength };
    return { docCount: docs, totalLength };
  }

  /** Live documents containing `term` (all documents containing it when `live` is undefined). */
  documentFrequency(term: string, live?: Bitset): number {
    const list = this.postings.get(term);
    if (list === undefined) return 0;
    if (live === undefined) return list.length;
    let count = 0;
    for (let i = 0; i < list.length; i++) if (live.has(list.offsetAt(i))) count++;
    return count;
  }

  /**
   * Rows 0..size-1 whose text contains every one of `terms` (none when `terms` is empty):
   * the shortest posting list drives, the others are searched forward from where they were.
   */
  matchAll(terms: readonly string[], size: number): Bitset {
    const result = new Bitset(size);
    const lists: PostingList[] = [];
    for (const term of new Set(terms)) {
      const list = this.postings.get(term);
      if (list === undefined) return result;
      lists.push(list);
    }
    if (lists.length === 0) return result;
    lists.sort((a, b) => a.length - b.length);
    const [driver, ...others] = lists;
    const cursors = new Array<number>(others.length).fill(0);
    candidates: for (let i = 0; i < driver.length; i++) {
      const offset = driver.offsetAt(i);
      if (offset >= size) break;
      for (let j = 0; j < others.length; j++) {
        const at = others[j].seek(offset, cursors[j]);
        cursors[j] = at;
        if (at === others[j].length) break candidates;
        if (others[j].offsetAt(at) !== offset) continue candidates;
      }
      result.set(offset);
    }
    return result;
  }

  /**
   * The k best rows by BM25 for `terms` (already analyzed; duplicates count as repeated query
   * terms), among `allow` (all rows when undefined), with corpus statistics `stats`. Scores
   * descending; ties by lower offset. Rows matching no term are never returned.
   */
  search(
    terms: readonly string[],
    k: number,
    stats: Bm25Stats,
    allow?: Bitset,
  ): { offsets: Uint32Array; scores: Float64Array } {
    if (k <= 0) return { offsets: new Uint32Array(0), scores: new Float64Array(0) };
    const repeats = new Map<string, number>();
    for (const term of terms) repeats.set(term, (repeats.get(term) ?? 0) + 1);
    const avgLength = stats.avgLength > 0 ? stats.avgLength : 1;
    if (this.scores.length < this.lengths.length) this.scores = new Float64Array(this.lengths.length);
    const scores = this.scores;
    const touched: number[] = [];
    for (const [term, repeat] of repeats) {
      const list = this.postings.get(term);
      if (list === undefined) continue;
      const weight = repeat * idf(stats.docCount, stats.df.get(term) ?? 0) * (K1 + 1);
      const data = list.data;
      const end = 2 * list.length;
      for (let i = 0; i < end; i += 2) {
        const offset = data[i];
        if (allow !== undefined && !allow.has(offset)) continue;
        const tf = data[i + 1];
        const norm = K1 * (1 - B + (B * this.lengths[offset]) / avgLength);
        if (scores[offset] === 0) touched.push(offset);
        scores[offset] += (weight * tf) / (tf + norm);
      }
    }
    const heap = new ScoreHeap(Math.min(k, touched.length));
    for (const offset of touched) {
      heap.offer(offset, scores[offset]);
      scores[offset] = 0;
    }
    return heap.drain();
  }

  /**
   * The BM25 terms of row `offset`'s score for `terms` as `search` computes it, term by term
   * in the same order and arithmetic, so the contributions added up from 0 in order equal
   * the score `search` gives the row (bit for bit). Terms the row lacks contribute 0.
   */
  explainRow(terms: readonly string[], offset: number, stats: Bm25Stats): Bm25RowTerms {
    const repeats = new Map<string, number>();
    for (const term of terms) repeats.set(term, (repeats.get(term) ?? 0) + 1);
    const avgLength = stats.avgLength > 0 ? stats.avgLength : 1;
    const docLength = offset < this.lengths.length ? this.lengths[offset] : 0;
    const norm = K1 * (1 - B + (B * docLength) / avgLength);
    const out: Bm25RowTerms = { k1: K1, b: B, docLength, terms: [] };
    for (const [term, repeat] of repeats) {
      const df = stats.df.get(term) ?? 0;
      const termIdf = idf(stats.docCount, df);
      const list = this.postings.get(term);
      const at = list === undefined ? 0 : list.seek(offset, 0);
      const tf =
        list !== undefined && at < list.length && list.offsetAt(at) === offset ? list.data[2 * at + 1] : 0;
      const weight = repeat * termIdf * (K1 + 1);
      const contribution = tf === 0 ? 0 : (weight * tf) / (tf + norm);
      out.terms.push({ term, queryCount: repeat, tf, df, idf: termIdf, lengthNorm: norm, contribution });
    }
    return out;
  }

  /**
   * Verifies the index's invariants and throws an Error naming the first one broken: postings
   * increase with term frequencies ≥ 1 and only at documents, term frequencies of a document
   * add up to its length, documents increase and their lengths add up to the total.
   */
  checkIntegrity(): void {
    const fail = (what: string) => {
      throw new Error(`inverted index: ${what}`);
    };
    const sums = new Map<number, number>();
    for (const [term, list] of this.postings) {
      if (list.length === 0) fail(`term '${term}' has no postings`);
      for (let i = 0; i < list.length; i++) {
        const offset = list.data[2 * i];
        const tf = list.data[2 * i + 1];
        if (i > 0 && offset <= list.data[2 * i - 2]) fail(`postings of '${term}' do not increase at ${i}`);
        if (tf < 1) fail(`term '${term}' has frequency ${tf} at row ${offset}`);
        if (offset > this.lastOffset || this.lengths[offset] === 0)
          fail(`'${term}' posts row ${offset}, not a document`);
        sums.set(offset, (sums.get(offset) ?? 0) + tf);
      }
    }
    let total = 0;
    for (let i = 0; i < this.docCount; i++) {
      const offset = this.docs[i];
      if (i > 0 && offset <= this.docs[i - 1]) fail(`documents do not increase at ${i}`);
      if (sums.get(offset) !== this.lengths[offset])
        fail(`row ${offset}: length ${this.lengths[offset]}, postings say ${sums.get(offset)}`);
      total += this.lengths[offset];
    }
    if (sums.size !== this.docCount) fail(`${sums.size} rows have postings, ${this.docCount} documents`);
    if (total !== this.totalLength) fail(`total length ${this.totalLength}, documents add up to ${total}`);
  }
}
