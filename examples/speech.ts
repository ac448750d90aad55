/**
 * Speech: find spoken words by example. Words synthesized offline by Debian's espeak-ng in 8
 * voices and 3 speeds are stored through the `audio-mfcc` provider (the collection reads the
 * WAV files and keeps MFCC vectors), and every recording searches for the other recordings of
 * its word: precision@k and mAP, across voices and within a voice, beside a random baseline
 * and dynamic time warping over the MFCC frames (protocol: examples/support/speech-eval.ts).
 * Prints a report and writes the chart to `docs/speech-precision.svg`.
 *
 * Needs `espeak-ng` (`apt-get install -y espeak-ng`); the recordings are cached in
 * `.bench-cache/speech/`. Runs offline in 2–4 minutes, most of it the DTW reference (every pair of
 * recordings); the database lives in a temporary folder.
 *
 * Run: `npm run example:speech` (that is, `npm run build && node dist/examples/speech.js`)
 */
import { FULL_CORPUS } from './support/speech-corpus.js';
import { consoleReport, runSpeech, writeChart } from './support/speech-report.js';

const run = await runSpeech(FULL_CORPUS);
console.log(consoleReport(run, writeChart(run)));
