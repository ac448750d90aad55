/**
 * Text analyzers: a text becomes the list of terms that full-text indexes store and queries
 * look up. A document and a query go through the same analyzer, so a query term matches a
 * document term exactly when the two strings are equal.
 *
 * Invariants: every analyzer is deterministic and pure (the stem cache only remembers answers),
 * returns terms in text order with duplicates kept (term frequency counts them), and never
 * returns an empty string.
 *
 * - `simple`: words, lower-cased with full Unicode case mapping (`toLowerCase`). A word is a
 *   maximal run of letters, marks and digits, joined across a single inner apostrophe or period
 *   (`don't`, `u.s`, `3.14`) or a comma between digits (`1,000`); hyphens and other punctuation
 *   split (`tax-cuts` → `tax`, `cuts`). These are the cases of Unicode word segmentation
 *   (UAX #29) that matter for space-separated languages, written as one regex because
 *   `Intl.Segmenter` is about 20× slower on English prose (10.7 MB of State of the Union text:
 *   0.2 s against 3.5 s) and quadratic in the length of its input in Node 20. The typographic
 *   apostrophe ’ counts as '. A run of CJK characters without spaces is one word here: use
 *   `chinese` for such text.
 * - `english`: the words of `simple`; a possessive `'s` is dropped, stop words (npm `stopword`,
 *   list `eng`) are removed, and the rest are Porter-stemmed (npm `stemmer`), except words with
 *   digits or periods, which stay as they are (`3.14`, `u.s`), so `running` and `runs` are both
 *   `run`. The order is Lucene's EnglishAnalyzer: possessive, stop words, stemming.
 * - `chinese`: ICU word segmentation (`Intl.Segmenter('zh')`), word-like segments only (so
 *   punctuation and spaces are dropped), lower-cased, Chinese stop words (npm `stopword`, list
 *   `zho`) removed; Latin words inside are segmented as `Intl.Segmenter` does (`3.14`, `don't`)
 *   and not stemmed. Segmentation follows the ICU dictionary of the running Node, e.g. Node 20
 *   splits 北京大学 into 北京 and 大学. The segmenter's cost is quadratic in the length of its
 *   input, so the text is fed to it in pieces of 256+ characters cut after whitespace or CJK
 *   sentence punctuation, where no word continues (a run of 1024 characters without either
 *   is cut where it reaches that length).
 */
import { stemmer } from 'stemmer';
import { eng, zho } from 'stopword';
import { InvalidArgumentError } from '../errors.js';
import { TEXT_ANALYZERS, type TextAnalyzerName } from './analyzer-config.js';

/** Turns a text into its terms, in order, duplicates kept (term frequency counts them). Pure. */
export type Analyzer = (text: string) => string[];

export { TEXT_ANALYZERS };

/** A word of `simple`: letters/marks/digits, joined by one inner ' or ., or by , between digits. */
const WORD = /[\p{L}\p{M}\p{N}]+(?:(?:['.]|(?<=\p{N}),(?=\p{N}))[\p{L}\p{M}\p{N}]+)*/gu;
/** Where the Chinese segmenter's input is cut: whitespace and CJK sentence punctuation. */
const PIECE_BREAKS: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0d, 0x20, 0xa0, 0x3000, 0x3001, 0x3002, 0xff01, 0xff0c, 0xff1a, 0xff1b, 0xff1f,
]);
/** The Chinese segmenter's input is cut at the first break after this many characters… */
const MIN_PIECE = 256;
/** …or here when there is none (a text this long without a space or punctuation). */
const MAX_PIECE = 1024;
/** Words that Porter stemming would mangle (`u.s` → `u.`): with a digit or a period. */
const UNSTEMMED = /[\p{N}.]/u;
/** Distinct words whose stems are remembered; the cache starts over when full. */
const STEM_CACHE_LIMIT = 50_000;

const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(eng.map((word) => word.toLowerCase()));
const CHINESE_STOP_WORDS: ReadonlySet<string> = new Set(zho);
const stems = new Map<string, string>();
const chineseSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** Lower-case with the typographic apostrophe as '. */
function normalize(text: string): string {
  const lower = text.toLowerCase();
  return lower.includes('’') ? lower.replaceAll('’', "'") : lower;
}

const simple: Analyzer = (text) => normalize(text).match(WORD) ?? [];

/** The Porter stem of a lower-case word (the word itself when it has a digit or a period). */
function stem(word: string): string {
  let found = stems.get(word);
  if (found === undefined) {
    found = UNSTEMMED.test(word) ? word : stemmer(word);
    if (stems.size >= STEM_CACHE_LIMIT) stems.clear();
    stems.set(word, found);
  }
  return found;
}

const english: Analyzer = (text) => {
  const terms: string[] = [];
  for (const word of simple(text)) {
    const base = word.endsWith("'s") ? word.slice(0, -2) : word;
    if (!ENGLISH_STOP_WORDS.has(base)) terms.push(stem(base));
  }
  return terms;
};

const chinese: Analyzer = (text) => {
  const terms: string[] = [];
  for (let start = 0, end = 0; start < text.length; start = end) {
    end = pieceEnd(text, start);
    for (const segment of chineseSegmenter.segment(normalize(text.slice(start, end)))) {
      if (segment.isWordLike && !CHINESE_STOP_WORDS.has(segment.segment)) terms.push(segment.segment);
    }
  }
  return terms;
};

/** Where the piece of `text` that starts at `start` ends (exclusive; never inside a surrogate pair). */
function pieceEnd(text: string, start: number): number {
  const limit = Math.min(text.length, start + MAX_PIECE);
  for (let i = start + MIN_PIECE; i < limit; i++) if (PIECE_BREAKS.has(text.charCodeAt(i))) return i + 1;
  const last = text.charCodeAt(limit - 1);
  return limit < text.length && last >= 0xd800 && last < 0xdc00 ? limit - 1 : limit;
}

const ANALYZERS: Readonly<Record<TextAnalyzerName, Analyzer>> = { english, chinese, simple };

/**
 * The analyzer of a given name (the same function on every call).
 * @example
 * analyzerFor('english')("The nation's tax-cuts are running"); // ['nation', 'tax', 'cut', 'run']
 * analyzerFor('chinese')('我们在北京大学学习'); // ['我们', '北京', '大学', '学习'] (在 is a stop word)
 */
export function analyzerFor(name: TextAnalyzerName): Analyzer {
  const analyzer = Object.hasOwn(ANALYZERS, name) ? ANALYZERS[name] : undefined;
  if (!analyzer) {
    throw new InvalidArgumentError(
      `analyzer: expected one of ${TEXT_ANALYZERS.join(', ')}, got '${String(name)}'`,
    );
  }
  return analyzer;
}
