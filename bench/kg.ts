/**
 * The `kg` section of docs/benchmarks.md (issue 22, item 1): TransE on WordNet, filtered link
 * prediction by brute force and through a collection's exact and HNSW search, beside the
 * published TransE numbers on WN18; writes the bar chart to `docs/kg-link-prediction.svg`.
 * The experiment is examples/support/kg-experiment.ts with its defaults (what
 * `npm run example:kg` prints).
 *
 * Reproduce: `npm run build && node dist/bench/run-all.js kg`.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KG_DEFAULTS, runKgExperiment } from '../examples/support/kg-experiment.js';
import { kgChart, kgMarkdown } from '../examples/support/kg-report.js';
import { Quiver } from '../src/index.js';
import { packageRoot } from './ann/paths.js';

const dir = await mkdtemp(join(tmpdir(), 'quiver-bench-kg-'));
const db = await Quiver.open(dir);
try {
  const exp = await runKgExperiment(db, 'wordnet', KG_DEFAULTS);
  writeFileSync(join(packageRoot(), 'docs', 'kg-link-prediction.svg'), kgChart(exp));
  console.log(
    [
      '## Knowledge graph: TransE on WordNet, filtered link prediction through a collection (issue 22)',
      '',
      kgMarkdown(exp, KG_DEFAULTS),
      '',
      `Read ${exp.seconds.read.toFixed(1)} s, brute-force ranking ${exp.seconds.evaluate.toFixed(0)} s, ` +
        `store ${exp.graph.entities.length.toLocaleString('en')} points with payload and build HNSW32 ` +
        `${exp.seconds.store.toFixed(0)} s.`,
      '',
      '![TransE link prediction, filtered MRR and Hits@k](kg-link-prediction.svg)',
    ].join('\n'),
  );
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
