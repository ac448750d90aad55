/**
 * Splits a text in any script into tokens, each tagged with how it was cut, so that every
 * analyzer (analyzer.ts) sees the same tokens and differs only in what it does with them.
 * The input is expected already lower-cased (tokens are substrings of it, or of its NFC form
 * for n-grams).
 *
 * Three kinds of token, by the script of the characters:
 *
 * - `word`, in scripts written with spaces between words (Latin, Cyrillic, Greek, Arabic,
 *   Hebrew, Devanagari…): a maximal run of letters, marks and digits, joined across one inner
 *   apostrophe or period (`don't`, `u.s`, `3.14`) or a comma between digits (`1,000`); hyphens
 *   and other punctuation split (`tax-cuts` → `tax`, `cuts`). These are the cases of Unicode
 *   word segmentation (UAX #29) that matter in spaced scripts, written as one regular
 *   expression because `Intl.Segmenter` is about 8× slower on English prose (10.8 MB of State
 *   of the Union text: 0.4 s against 3.1 s of CPU) and superlinear in the length of its input
 *   in Node 20 (a Thai run of 16,000 characters: 21 ms; of 64,000: 306 ms).
 * - `ngram`, in Chinese, Japanese and Korean (Han, Hiragana, Katakana, Hangul, Bopomofo): each
 *   maximal run of such characters gives every character (unigram) and every pair of
 *   neighbours (bigram), in text order: `数据库` → `数`, `数据`, `据`, `据库`, `库`. This is
 *   Lucene's CJKBigramFilter with unigrams kept. A "character" is a code point with the
 *   combining marks that follow it, after NFC (so decomposed Hangul or kana match composed).
 *   Why not dictionary words: `Intl.Segmenter` cuts a word differently in different contexts
 *   (in Node 20, 南京市 is one word, so a query 南京 missed 南京市长江大桥; データベース is one
 *   word, so データ missed it; hiragana runs come out as single characters): the `chinese`
 *   analyzer, when it indexed ICU words, found the document for 122 of 462 parts (1 to 6
 *   characters) of four CJK test documents. With n-grams all are found, by construction:
 *   **when a query's run of CJK characters occurs inside a document's run, every n-gram of the
 *   query is an n-gram of the document** (a single character is a unigram; anything longer is
 *   covered by its bigrams and unigrams). The price: about two terms per character, and a
 *   document that holds all the bigrams of a query apart from each other also matches (rare).
 *   Korean is spaced, but its words carry particles (데이터베이스는 = database + topic marker),
 *   so the same reasoning holds there.
 * - `segmented`, in Thai, Lao, Khmer and Burmese (written without spaces, with vowel signs and
 *   tone marks that make character n-grams meaningless): the word-like segments of ICU's
 *   dictionary word break (`Intl.Segmenter`), run by run. A query of dictionary words matches
 *   where ICU cuts the document at the same places, as it does for ฐานข้อมูล ("database":
 *   ฐาน + ข้อมูล); a string with two readings (ข้อมูลฐาน: ข้อมูล + ฐาน or ข้อ + มูลฐาน) may be cut
 *   differently in different contexts. Runs longer than 1,024 characters are fed in pieces cut
 *   at the last word boundary before that length (no character is lost or repeated).
 *
 * Invariants: tokens come in text order, are never empty, and depend only on the text (the
 * runtime's ICU data aside, for `segmented`). A `word` never contains a CJK, Thai, Lao, Khmer
 * or Burmese letter, so `2024年` is the word `2024` and the n-gram `年`.
 */

/** How a token was cut from the text (see the module comment). */
export type TokenKind = 'word' | 'ngram' | 'segmented';

/** Receives each token of a text in order. */
export type TokenVisitor = (token: string, kind: TokenKind) => void;

/**
 * Letters cut into character n-grams: Han, Hiragana, Katakana, Hangul and Bopomofo by
 * Script_Extensions (so that ー, 々 and 〆 count), except the few shared marks and modifier
 * letters below U+3000 outside the Hangul Jamo block (ʼ, ˇ, U+0303…), which Latin also uses.
 */
const NGRAM_CHAR = String.raw`[[\p{L}\p{M}\p{N}]&&[[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}\p{scx=Bopomofo}]--[\u0000-\u10ff\u1200-\u2fff]]]`;
/** Letters cut by ICU's dictionary word break: Thai, Lao, Khmer and Burmese, by Script. */
const SEGMENTED_CHAR = String.raw`[[\p{L}\p{M}\p{N}]&&[\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]]`;
/** Letters of words: every other letter, mark and digit. */
const WORD_CHAR = `[[\\p{L}\\p{M}\\p{N}]--${NGRAM_CHAR}--${SEGMENTED_CHAR}]`;
/**
 * One token: a run of n-gram characters (1), a run of segmented characters (2), or a word.
 * Combining marks after a run's character stay with the run. Built from strings because
 * the `v` flag (set operations in classes) postdates the TypeScript target.
 */
const TOKEN = new RegExp(
  `(${NGRAM_CHAR}(?:${NGRAM_CHAR}|\\p{M})*)|(${SEGMENTED_CHAR}(?:${SEGMENTED_CHAR}|\\p{M})*)|` +
    `${WORD_CHAR}+(?:(?:['.]|(?<=\\p{N}),(?=\\p{N}))${WORD_CHAR}+)*`,
  'gv',
);
/** A letter of a script that is not cut into words by `WORD` (built from a string: `v` flag). */
const UNSPACED_LETTER = new RegExp(`${NGRAM_CHAR}|${SEGMENTED_CHAR}`, 'v');
/**
 * Every `UNSPACED_LETTER` is in these blocks (test/text-scripts checks each code point): a
 * first test, 5× faster without the `u` flag, where code units from U+3000 up include the
 * surrogates of every supplementary character.
 */
const UNSPACED_BLOCKS = /[\u0e00-\u11ff\u1780-\u17ff\u3000-\uffff]/;
/**
 * A word, in a text without n-gram or segmented letters: the third branch of `TOKEN`, which is
 * what it equals on such text, without the cost of match objects (1.5× faster on English prose).
 */
const WORD = /[\p{L}\p{M}\p{N}]+(?:(?:['.]|(?<=\p{N}),(?=\p{N}))[\p{L}\p{M}\p{N}]+)*/gu;
/** A combining mark, which belongs to the character before it. */
const MARK = /\p{M}/u;
/** Runs of segmented scripts longer than this are fed to the segmenter in pieces. */
const MAX_PIECE = 1024;

/** Locale only picks tailorings; Thai, Lao, Khmer and Burmese dictionaries apply in any. */
const segmenter = new Intl.Segmenter('th', { granularity: 'word' });

/**
 * Calls `visit` with every token of `text` (lower-cased already), in order.
 * @example
 * forEachToken('tax 数据库 ข้อมูล', (t, k) => console.log(t, k));
 * // tax word · 数 ngram · 数据 ngram · 据 ngram · 据库 ngram · 库 ngram · ข้อมูล segmented
 */
export function forEachToken(text: string, visit: TokenVisitor): void {
  if (!hasUnspacedLetter(text)) {
    for (const word of text.match(WORD) ?? []) visit(word, 'word');
    return;
  }
  for (const match of text.matchAll(TOKEN)) {
    if (match[1] !== undefined) visitNgrams(match[1], visit);
    else if (match[2] !== undefined) visitSegmented(match[2], visit);
    else visit(match[0], 'word');
  }
}

/**
 * The tokens of `text` (lower-cased already), in order, without their kinds: what
 * `forEachToken` visits, as one array (built directly from the match in spaced text).
 * @example
 * tokensOf('tax 数据'); // ['tax', '数', '数据', '据']
 */
export function tokensOf(text: string): string[] {
  if (!hasUnspacedLetter(text)) return text.match(WORD) ?? [];
  const tokens: string[] = [];
  forEachToken(text, (token) => tokens.push(token));
  return tokens;
}

/** Whether `text` has a letter of a script written without spaces (n-gram or segmented). */
export function hasUnspacedLetter(text: string): boolean {
  return UNSPACED_BLOCKS.test(text) && UNSPACED_LETTER.test(text);
}

/** The unigrams and bigrams of a run of n-gram characters, in text order. */
function visitNgrams(run: string, visit: TokenVisitor): void {
  const chars: string[] = [];
  for (const point of run.normalize('NFC')) {
    if (chars.length > 0 && MARK.test(point)) chars[chars.length - 1] += point;
    else chars.push(point);
  }
  for (let i = 0; i < chars.length; i++) {
    visit(chars[i], 'ngram');
    if (i + 1 < chars.length) visit(chars[i] + chars[i + 1], 'ngram');
  }
}

/** The dictionary words of a run of Thai, Lao, Khmer or Burmese, in pieces of at most MAX_PIECE. */
function visitSegmented(run: string, visit: TokenVisitor): void {
  for (let start = 0; start < run.length; ) {
    const end = Math.min(run.length, start + MAX_PIECE);
    const words = [...segmenter.segment(run.slice(start, end))];
    // Unless the piece ends the run, its last word may continue past the cut: redo it.
    const last = end < run.length && words.length > 1 ? words.length - 1 : words.length;
    for (let i = 0; i < last; i++) if (words[i].isWordLike) visit(words[i].segment, 'segmented');
    start += last < words.length ? words[last].index : end - start;
  }
}
