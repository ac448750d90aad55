/**
 * The names of the text analyzers, on their own so that the collection types (db/types.ts),
 * the filter language (payload/filter.ts) and the analyzers themselves (text/analyzer.ts)
 * can all import them without importing one another: this file imports nothing.
 *
 * Every name listed here has an analyzer in `analyzerFor` (text/analyzer.ts), and every
 * place that accepts an analyzer name (collection config, REST schema, CLI) checks it
 * against this list.
 */

/** The analyzers of full-text fields, in the order they are documented; `english` is the default. */
export const TEXT_ANALYZERS = ['english', 'chinese', 'simple', 'multilingual'] as const;

/**
 * Analyzers of full-text fields. Each one splits text in every script into terms (words
 * where words are spaced, character n-grams in Chinese, Japanese and Korean, dictionary
 * words in Thai, Lao, Khmer and Burmese) and differs in what it does with them:
 * `english` (English stop words and Porter stemming of Latin-script words), `chinese`
 * (Chinese stop words), `simple` (lower case only), `multilingual` (Unicode NFKC, lower
 * case, accents folded in Latin, Greek, Cyrillic, Arabic and Hebrew; no stop words or stems).
 */
export type TextAnalyzerName = (typeof TEXT_ANALYZERS)[number];
