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
export const TEXT_ANALYZERS = ['english', 'chinese', 'simple'] as const;

/** Analyzers of full-text fields: `english` (lower case, stop words, Porter stemming), `chinese` (word segmentation), `simple` (lower-cased words). */
export type TextAnalyzerName = (typeof TEXT_ANALYZERS)[number];
