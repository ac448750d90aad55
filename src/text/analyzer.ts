/**
 * Text analyzers: a text becomes the list of terms that full-text indexes store and queries
 * look up. A document and a query go through the same analyzer, so a query term matches a
 * document term exactly when the two strings are equal.
 *
 * Every analyzer reads every script: the text is split by script-tokens.ts into words (scripts
 * written with spaces), character unigrams and bigrams (Chinese, Japanese, Korean) and
 * dictionary words (Thai, Lao, Khmer, Burmese), so a query of a sub-word of a CJK run always
 * finds the document (see script-tokens.ts for why n-grams and not dictionary words). The
 * analyzers differ only in normalization and in the language rules they apply, each to its own
 * language's tokens and to nothing else:
 *
 * - `simple`: the tokens, lower-cased with full Unicode case mapping (`toLowerCase`); the
 *   typographic apostrophe ’ counts as '. No stop words, no stemming.
 * - `english` (the default): the tokens of `simple`; in words written in Latin letters only
 *   (digits, marks and joiners allowed), a possessive `'s` is dropped, stop words (npm
 *   `stopword`, list `eng`) are removed, and the rest are Porter-stemmed (npm `stemmer`), except
 *   words with digits or periods, which stay as they are (`3.14`, `u.s`), so `running` and
 *   `runs` are both `run`. The order is Lucene's EnglishAnalyzer: possessive, stop words,
 *   stemming. Words in other scripts (`поиск`, `βάση`) and CJK n-grams are kept unchanged.
 * - `chinese`: the tokens of `simple`, with the CJK unigrams that are Chinese stop words (npm
 *   `stopword`, list `zho`: 的, 在, 我…) removed; Latin words are not stemmed. Chinese is
 *   indexed as character n-grams, not as ICU words as this analyzer once did, so that 京大 and
 *   南京 find 北京大学 and 南京市 (script-tokens.ts says why and measures it).
 * - `multilingual`: for mixed-language collections, after Qdrant's `multilingual` tokenizer,
 *   which normalizes as charabia does (Qdrant segments CJK with dictionaries, jieba and
 *   vaporetto; here CJK is n-grams, as in every analyzer): the text is put in
 *   Unicode NFKC (full-width ＡＢＣ is abc, half-width ｶﾀｶﾅ is カタカナ, ﬁ is fi), lower-cased,
 *   and in words of Latin, Greek, Cyrillic, Arabic and Hebrew letters the non-spacing marks are
 *   removed (café → cafe, βάση → βαση, ё → е, Arabic harakat and tatweel) and Greek final ς is
 *   σ. No stop words and no stemming, since they belong to one language. Marks that spell
 *   vowels (Devanagari, Thai) are kept: folding applies only to the scripts named.
 *
 * Invariants: every analyzer is deterministic and pure (its caches only remember answers),
 * returns terms in text order with duplicates kept (term frequency counts them), and never
 * returns an empty string. Language rules never change a token of another script: a Chinese
 * or Russian text gets the same terms from `english` as from `simple`.
 */
import { stemmer } from 'stemmer';
import { eng, zho } from 'stopword';
import { InvalidArgumentError } from '../errors.js';
import { TEXT_ANALYZERS, type TextAnalyzerName } from './analyzer-config.js';
import { forEachToken, tokensOf } from './script-tokens.js';

/** Turns a text into its terms, in order, duplicates kept (term frequency counts them). Pure. */
export type Analyzer = (text: string) => string[];

export { TEXT_ANALYZERS };

/** Words that Porter stemming would mangle (`u.s` → `u.`): with a digit or a period. */
const UNSTEMMED = /[\p{N}.]/u;
/** Sources of the two classes below: built at run time, as the `v` flag postdates the TypeScript target. */
const CLASSES = {
  nonLatin: String.raw`[\p{L}--\p{scx=Latin}]`,
  unfolded: String.raw`[\p{L}--[\p{scx=Latin}\p{scx=Greek}\p{scx=Cyrillic}\p{scx=Arabic}\p{scx=Hebrew}]]`,
};
/** A letter outside the Latin script: such a word is not English. */
const NON_LATIN_LETTER = new RegExp(CLASSES.nonLatin, 'v');
/** A letter outside the scripts whose marks `multilingual` folds. */
const UNFOLDED_LETTER = new RegExp(CLASSES.unfolded, 'v');
/** What `multilingual` removes from a word of those scripts: non-spacing marks, Arabic tatweel. */
const FOLDED_AWAY = /[\p{Mn}\u0640]/gu;
/** Distinct words whose English or folded form is remembered; a cache starts over when full. */
const CACHE_LIMIT = 50_000;

const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(eng.map((word) => word.toLowerCase()));
const CHINESE_STOP_WORDS: ReadonlySet<string> = new Set(zho);

/** A bounded memo of a pure function of a word (cleared when it holds CACHE_LIMIT words). */
function remembered(compute: (word: string) => string): (word: string) => string {
  const answers = new Map<string, string>();
  return (word) => {
    let found = answers.get(word);
    if (found === undefined) {
      found = compute(word);
      if (answers.size >= CACHE_LIMIT) answers.clear();
      answers.set(word, found);
    }
    return found;
  };
}

/** Lower-case with the typographic apostrophe as '. */
function lowerCase(text: string): string {
  const lower = text.toLowerCase();
  return lower.includes('’') ? lower.replaceAll('’', "'") : lower;
}

const simple: Analyzer = (text) => tokensOf(lowerCase(text));

/**
 * The English term of a lower-case word, '' for a stop word: possessive dropped, then stop
 * words, then the Porter stem (not of words with a digit or a period). Non-Latin words stay.
 */
const englishTerm = remembered((word) => {
  if (NON_LATIN_LETTER.test(word)) return word;
  const base = word.endsWith("'s") ? word.slice(0, -2) : word;
  if (ENGLISH_STOP_WORDS.has(base)) return '';
  return UNSTEMMED.test(base) ? base : stemmer(base);
});

const english: Analyzer = (text) => {
  const terms: string[] = [];
  forEachToken(lowerCase(text), (token, kind) => {
    const term = kind === 'word' ? englishTerm(token) : token;
    if (term !== '') terms.push(term);
  });
  return terms;
};

const chinese: Analyzer = (text) => {
  const terms: string[] = [];
  forEachToken(lowerCase(text), (token, kind) => {
    if (kind !== 'ngram' || !CHINESE_STOP_WORDS.has(token)) terms.push(token);
  });
  return terms;
};

/** A word with the marks of Latin, Greek, Cyrillic, Arabic and Hebrew folded away (itself otherwise). */
const foldedWord = remembered((word) => {
  if (UNFOLDED_LETTER.test(word)) return word;
  const folded = word.normalize('NFD').replace(FOLDED_AWAY, '').normalize('NFC').replaceAll('ς', 'σ');
  return folded === '' ? word : folded;
});

const multilingual: Analyzer = (text) => {
  const terms: string[] = [];
  forEachToken(lowerCase(text.normalize('NFKC')), (token, kind) => {
    terms.push(kind === 'word' ? foldedWord(token) : token);
  });
  return terms;
};

const ANALYZERS: Readonly<Record<TextAnalyzerName, Analyzer>> = { english, chinese, simple, multilingual };

/**
 * The analyzer of a given name (the same function on every call).
 * @example
 * analyzerFor('english')("The nation's tax-cuts are running"); // ['nation', 'tax', 'cut', 'run']
 * analyzerFor('english')('数据库'); // ['数', '数据', '据', '据库', '库']
 * analyzerFor('chinese')('在北京'); // ['在北', '北', '北京', '京'] (在 is a stop word)
 * analyzerFor('multilingual')('Café ＤＢ'); // ['cafe', 'db']
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
