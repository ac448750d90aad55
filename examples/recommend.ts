/**
 * Recommendation with `Collection.recommend`: a real catalogue (Fashion-MNIST's test images)
 * and simulated users whose hidden tastes decide what they interact with (the protocol is in
 * examples/support/recommend-data.ts). Each user's seen items are the positive and negative
 * examples, a filter keeps seen items out of the answer, and the lists are scored by recall@k
 * and nDCG@k on the users' held-out interactions beside a popularity and a random baseline.
 * Prints a report and writes the recall@k curve to `docs/recommend-recall.svg`.
 *
 * Runs offline in about a minute; the database lives in a temporary folder.
 *
 * Run: `npm run example:recommend` (that is, `npm run build && node dist/examples/recommend.js`)
 */
import { FULL_PROTOCOL } from './support/recommend-data.js';
import { consoleReport, runRecommendation, writeRecallCurve } from './support/recommend-report.js';

const run = await runRecommendation(FULL_PROTOCOL);
console.log(consoleReport(run, writeRecallCurve(run)));
