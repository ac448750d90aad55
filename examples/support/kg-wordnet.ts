/**
 * WordNet 3.0 (Debian's `wordnet-base`, `/usr/share/wordnet/data.{noun,verb}`) as a knowledge
 * graph in the style of WN18 (Bordes et al. 2013): entities are noun and verb synsets,
 * triples (head, relation, tail) are the synset pointers between them.
 *
 * A data line is `offset lex_filenum ss_type w_cnt word lex_id … p_cnt {symbol offset pos
 * source/target}… [frames] | gloss` (wndb(5WN)); `w_cnt` is hexadecimal, `p_cnt` decimal.
 * Lexical pointers (source/target ≠ 0000, e.g. most `+` derivations) link words, but WN18
 * keeps them as links between their synsets, and so do we. Pointers to adjectives and adverbs
 * are dropped (WN18 has nouns and verbs only). Duplicate triples (two lexical pointers between
 * the same synsets) are kept once.
 *
 * Invariants of a `WordNetGraph`: entity ids are dense 0..n-1 in file order (nouns, then
 * verbs); every triple's head and tail are entity ids and its relation an index into
 * `relations`; no triple occurs twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuiverError } from '../../src/errors.js';
import { SeededRandom } from '../../src/eval/random.js';

/** Where Debian's `wordnet-base` puts the database files. */
export const WORDNET_DIR = '/usr/share/wordnet';

/**
 * The pointer symbols kept, with WN18's relation names: WN18's relations plus the two substance
 * part-whole relations (`#s`, `%s`), which WordNet has and WN18 leaves out. WN18's `similar_to`
 * is left out: WordNet 3.0 has no `&` pointer between nouns or verbs (it links adjectives).
 */
export const RELATIONS: readonly { symbol: string; name: string }[] = [
  { symbol: '@', name: 'hypernym' },
  { symbol: '~', name: 'hyponym' },
  { symbol: '@i', name: 'instance_hypernym' },
  { symbol: '~i', name: 'instance_hyponym' },
  { symbol: '#m', name: 'member_holonym' },
  { symbol: '%m', name: 'member_meronym' },
  { symbol: '#p', name: 'part_of' },
  { symbol: '%p', name: 'has_part' },
  { symbol: '#s', name: 'substance_holonym' },
  { symbol: '%s', name: 'substance_meronym' },
  { symbol: '+', name: 'derivationally_related_form' },
  { symbol: ';c', name: 'synset_domain_topic_of' },
  { symbol: '-c', name: 'member_of_domain_topic' },
  { symbol: ';r', name: 'synset_domain_region_of' },
  { symbol: '-r', name: 'member_of_domain_region' },
  { symbol: ';u', name: 'synset_domain_usage_of' },
  { symbol: '-u', name: 'member_of_domain_usage' },
  { symbol: '^', name: 'also_see' },
  { symbol: '$', name: 'verb_group' },
];

/** One synset. */
export interface Synset {
  /** `n` or `v`. */
  pos: 'n' | 'v';
  /** Byte offset in data.noun / data.verb: WordNet's id of the synset within its part of speech. */
  offset: number;
  /** The lexicographer file, e.g. `noun.animal` (by its number; see LEX_FILES). */
  lexFile: number;
  /** Its words, `_` turned into spaces. */
  lemmas: string[];
  gloss: string;
}

/** The graph: entities, relation names, and triples as flat (h, r, t) triples. */
export interface WordNetGraph {
  entities: Synset[];
  relations: string[];
  /** Length 3 × count: head, relation, tail. */
  triples: Int32Array;
}

/** wndb(5WN)'s lexicographer file names by number (lexnames). */
export const LEX_FILES: readonly string[] =
  `adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact
noun.attribute noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group
noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process
noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change
verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation
verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl`.split(
    /\s+/,
  );

interface RawPointer {
  symbol: string;
  offset: number;
  pos: string;
}

function parseLine(line: string, pos: 'n' | 'v'): { synset: Synset; pointers: RawPointer[] } {
  const bar = line.indexOf(' | ');
  const fields = (bar < 0 ? line : line.slice(0, bar)).trim().split(' ');
  const gloss = bar < 0 ? '' : line.slice(bar + 3).trim();
  let at = 0;
  const offset = Number(fields[at++]);
  const lexFile = Number(fields[at++]);
  at++; // ss_type
  const wordCount = Number.parseInt(fields[at++], 16);
  const lemmas: string[] = [];
  for (let i = 0; i < wordCount; i++) {
    lemmas.push(fields[at].replace(/_/g, ' ').replace(/\(\w+\)$/, ''));
    at += 2;
  }
  const pointerCount = Number(fields[at++]);
  const pointers: RawPointer[] = [];
  for (let i = 0; i < pointerCount; i++) {
    pointers.push({ symbol: fields[at], offset: Number(fields[at + 1]), pos: fields[at + 2] });
    at += 4;
  }
  return { synset: { pos, offset, lexFile, lemmas, gloss }, pointers };
}

/** WordNet's database files are not where they were looked for. */
export class WordNetNotFoundError extends QuiverError {
  constructor(dir: string) {
    super(
      'WORDNET_NOT_FOUND',
      `WordNet's data.noun and data.verb not found in ${dir}: apt-get install -y wordnet-base`,
    );
  }
}

/**
 * Reads data.noun and data.verb from `dir` into the whole noun+verb graph.
 * @throws WordNetNotFoundError when either file is missing
 */
export function readWordNet(dir = WORDNET_DIR): WordNetGraph {
  if (!existsSync(join(dir, 'data.noun')) || !existsSync(join(dir, 'data.verb')))
    throw new WordNetNotFoundError(dir);
  const entities: Synset[] = [];
  const pointersOf: RawPointer[][] = [];
  for (const [file, pos] of [
    ['data.noun', 'n'],
    ['data.verb', 'v'],
  ] as const) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line.length === 0 || line.startsWith('  ')) continue; // licence header
      const { synset, pointers } = parseLine(line, pos);
      entities.push(synset);
      pointersOf.push(pointers);
    }
  }
  const idOf = new Map(entities.map((s, i) => [`${s.pos}${s.offset}`, i]));
  const relationOf = new Map(RELATIONS.map((r, i) => [r.symbol, i]));
  const seen = new Set<number>();
  const triples: number[] = [];
  const n = entities.length;
  for (let h = 0; h < n; h++) {
    for (const p of pointersOf[h]) {
      const r = relationOf.get(p.symbol);
      const t = idOf.get(`${p.pos}${p.offset}`);
      if (r === undefined || t === undefined || t === h) continue;
      const key = (h * RELATIONS.length + r) * n + t;
      if (seen.has(key)) continue;
      seen.add(key);
      triples.push(h, r, t);
    }
  }
  return { entities, relations: RELATIONS.map((r) => r.name), triples: Int32Array.from(triples) };
}

/**
 * The subgraph of the entities with at least `minDegree` triples (counting both ends), keeping
 * the triples between them; ids are renumbered densely in the original order. WN18 is a
 * filtered WordNet of this kind (40,943 entities); the degree cut-off sets the size.
 */
export function denseSubgraph(graph: WordNetGraph, minDegree: number): WordNetGraph {
  const degree = new Int32Array(graph.entities.length);
  const t = graph.triples;
  for (let i = 0; i < t.length; i += 3) {
    degree[t[i]]++;
    degree[t[i + 2]]++;
  }
  const newId = new Int32Array(graph.entities.length).fill(-1);
  const entities: Synset[] = [];
  graph.entities.forEach((s, i) => {
    if (degree[i] >= minDegree) {
      newId[i] = entities.length;
      entities.push(s);
    }
  });
  const triples: number[] = [];
  for (let i = 0; i < t.length; i += 3) {
    const h = newId[t[i]];
    const tail = newId[t[i + 2]];
    if (h >= 0 && tail >= 0) triples.push(h, t[i + 1], tail);
  }
  return { entities, relations: graph.relations, triples: Int32Array.from(triples) };
}

/** A train/valid/test split of a graph's triples. */
export interface TripleSplit {
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

/**
 * Shuffles the triples with `seed` and holds out `held` for validation and `held` for test, as
 * WN18 does (5,000 each). A held-out triple whose head or tail occurs in no training triple
 * goes back to training (its entity would have no trained vector), so the held-out sets can
 * be a little smaller than `held`.
 */
export function splitTriples(triples: Int32Array, held: number, seed: number): TripleSplit {
  const count = triples.length / 3;
  const order = Array.from({ length: count }, (_, i) => i);
  const rng = new SeededRandom(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const heldOut = order.slice(0, 2 * held);
  const train = order.slice(2 * held);
  const inTrain = new Set<number>();
  for (const i of train) {
    inTrain.add(triples[3 * i]);
    inTrain.add(triples[3 * i + 2]);
  }
  const valid: number[] = [];
  const test: number[] = [];
  heldOut.forEach((i, at) => {
    if (!inTrain.has(triples[3 * i]) || !inTrain.has(triples[3 * i + 2])) train.push(i);
    else (at < held ? valid : test).push(i);
  });
  const pick = (rows: number[]) => {
    const out = new Int32Array(rows.length * 3);
    rows.forEach((i, at) => {
      out.set(triples.subarray(3 * i, 3 * i + 3), 3 * at);
    });
    return out;
  };
  return { train: pick(train), valid: pick(valid), test: pick(test) };
}
