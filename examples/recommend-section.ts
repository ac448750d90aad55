/**
 * The `recommend` section of `docs/benchmarks.md`: runs the recommendation example's full
 * protocol, writes the recall@k curve to `docs/recommend-recall.svg` and prints the section's
 * Markdown on stdout (bench/run-all.ts stamps it and places it).
 *
 * Run: `npm run build && node dist/bench/run-all.js recommend`
 */
import { FULL_PROTOCOL } from './support/recommend-data.js';
import { markdownSection, runRecommendation, writeRecallCurve } from './support/recommend-report.js';

const run = await runRecommendation(FULL_PROTOCOL);
writeRecallCurve(run);
console.log(markdownSection(run, 'npm run build && node dist/bench/run-all.js recommend'));
