/**
 * The part of npm `stopword` (3.x, CommonJS, ships no types) that the analyzers read: its
 * stop-word lists, one array of words per ISO 639-3 language code.
 */
declare module 'stopword' {
  /** English stop words (mixed case: lower-case them before use). */
  export const eng: readonly string[];
  /** Chinese stop words (single characters and short words). */
  export const zho: readonly string[];
}
