/**
 * A deterministic LangChain `Embeddings` for tests: a bag of words over a fixed vocabulary
 * (one dimension per word, counting its occurrences, a trailing `s` stripped), plus one
 * constant dimension so that no text embeds to the zero vector. Texts that share words are
 * near under cosine similarity, so a search's right answer is plain to see and to compute.
 */
import { Embeddings } from '@langchain/core/embeddings';

export const VOCABULARY = [
  'cat',
  'dog',
  'bark',
  'mat',
  'stock',
  'market',
  'investor',
  'rain',
  'wind',
  'sun',
  'weather',
  'garden',
  'flower',
  'tree',
  'river',
  'boat',
] as const;

export function bagOfWords(text: string): number[] {
  const counts = new Array<number>(VOCABULARY.length + 1).fill(0);
  for (const raw of text.toLowerCase().split(/[^a-z]+/)) {
    const word = raw.endsWith('s') ? raw.slice(0, -1) : raw;
    const i = (VOCABULARY as readonly string[]).indexOf(word);
    if (i >= 0) counts[i] += 1;
  }
  counts[VOCABULARY.length] = 0.25;
  return counts;
}

export class BagOfWordsEmbeddings extends Embeddings {
  constructor() {
    super({});
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map(bagOfWords);
  }

  async embedQuery(document: string): Promise<number[]> {
    return bagOfWords(document);
  }
}
