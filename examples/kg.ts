/**
 * A knowledge graph in a vector database: WordNet's noun and verb synsets and the links between
 * them (hypernym, part-of, derivation, …, as in WN18) are embedded with TransE, trained here in
 * TypeScript; the entity vectors go into a Quiver collection (L1, HNSW) with lemmas, gloss,
 * synset offset and part of speech as payload. Link prediction (h, r, ?) is a search for
 * h + r, "what is like X" a search for X's own vector. Prints filtered MRR and Hits@1/3/10 on
 * held-out triples beside the published TransE results on WN18, the exact-vs-HNSW
 * difference, a few answers, and writes a bar chart (SVG).
 *
 * Needs Debian's `wordnet-base` (/usr/share/wordnet). Runs offline in a few minutes on two
 * cores (training dominates); the database lives in a temporary folder.
 *
 * Run: `npm run example:kg` (that is, `npm run build && node dist/examples/kg.js`);
 * `node dist/examples/kg.js --epochs 20` for a quicker, weaker model.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Quiver } from '../src/index.js';
import { predictTails } from './support/kg-collection.js';
import { KG_DEFAULTS, runKgExperiment } from './support/kg-experiment.js';
import { describeEntity, kgChart, kgMarkdown } from './support/kg-report.js';

const { values } = parseArgs({ options: { epochs: { type: 'string' }, svg: { type: 'string' } } });
const options = { ...KG_DEFAULTS, epochs: values.epochs ? Number(values.epochs) : KG_DEFAULTS.epochs };

const dir = await mkdtemp(join(tmpdir(), 'quiver-kg-'));
const db = await Quiver.open(dir);
try {
  console.log(`Quiver knowledge graph: TransE on WordNet, database in ${dir}`);
  const exp = await runKgExperiment(db, 'wordnet', {
    ...options,
    onEpoch: (epoch, loss) => {
      if ((epoch + 1) % 10 === 0)
        process.stderr.write(`  epoch ${epoch + 1}/${options.epochs}: loss ${loss.toFixed(4)}\n`);
    },
  });
  console.log(`\n${kgMarkdown(exp, options)}\n`);

  const { graph, collection, model } = exp;
  // The first synset (in file order) whose head word is `lemma`: `eat` as in eating food, not
  // the `eat, corrode` synset that merely lists it.
  const byLemma = (lemma: string, pos: 'n' | 'v') =>
    graph.entities.findIndex((s) => s.pos === pos && s.lemmas[0] === lemma);
  const relation = (name: string) => graph.relations.indexOf(name);
  const questions: [string, 'n' | 'v', string][] = [
    ['dog', 'n', 'hypernym'],
    ['wheel', 'n', 'part_of'],
    ['violin', 'n', 'hypernym'],
    ['teach', 'v', 'derivationally_related_form'],
  ];
  console.log("link prediction (h, r, ?): the collection's nearest entities to h + r");
  for (const [lemma, pos, rel] of questions) {
    const h = byLemma(lemma, pos);
    if (h < 0) continue;
    // h itself is often near h + r (relation vectors are short); it is never the answer shown.
    const hits = await predictTails(collection, model, h, relation(rel), { k: 6, withPayload: true });
    const answers = hits.filter((hit) => hit.id !== h).slice(0, 5);
    console.log(`  (${lemma}, ${rel}, ?) → ${answers.map(describeEntity).join(' · ')}`);
  }
  console.log("\nwhat is like X: the nearest entities to X's own vector");
  for (const [lemma, pos] of [
    ['violin', 'n'],
    ['Paris', 'n'],
    ['eat', 'v'],
  ] as const) {
    const x = byLemma(lemma, pos);
    if (x < 0) continue;
    const hits = await collection.search(
      model.entities.subarray(x * model.dimension, (x + 1) * model.dimension),
      {
        k: 6,
        withPayload: true,
      },
    );
    console.log(
      `  ${lemma} → ${hits
        .filter((h) => h.id !== x)
        .map(describeEntity)
        .join(' · ')}`,
    );
  }
  const svg = values.svg ?? join(tmpdir(), 'quiver-kg-link-prediction.svg');
  writeFileSync(svg, kgChart(exp));
  console.log(`\nchart: ${svg}`);
  console.log(
    `time: read ${exp.seconds.read.toFixed(1)} s, train ${exp.seconds.train.toFixed(1)} s, ` +
      `brute-force ranking ${exp.seconds.evaluate.toFixed(1)} s, store ${exp.seconds.store.toFixed(1)} s`,
  );
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
