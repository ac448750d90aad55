/**
 * The `speech` section of `docs/benchmarks.md`: runs the speech example on its full corpus,
 * writes the chart to `docs/speech-precision.svg` and prints the section's Markdown on stdout
 * (bench/run-all.ts stamps it and places it).
 *
 * Run: `npm run build && node dist/bench/run-all.js speech`
 */
import { FULL_CORPUS } from './support/speech-corpus.js';
import { markdownSection, runSpeech, writeChart } from './support/speech-report.js';

const run = await runSpeech(FULL_CORPUS);
writeChart(run);
console.log(markdownSection(run, 'npm run build && node dist/bench/run-all.js speech'));
