/**
 * One run of the speech example (synthesize the corpus, store it through the `audio-mfcc`
 * provider in a temporary database, score every method) and its renderings: the console
 * report, the Markdown section of `docs/benchmarks.md`, and the chart.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Quiver } from '../../src/index.js';
import { reportTable } from './report-table.js';
import { collectionMethod, storedVectors, storeRecordings, topTenAgreement } from './speech-collection.js';
import {
  CONFUSABLE_PAIRS,
  espeakVersion,
  type Recording,
  type SpeechCorpusSpec,
  synthesizeCorpus,
} from './speech-corpus.js';
import { dtwMatrix } from './speech-dtw.js';
import {
  CUTOFFS,
  distanceMethod,
  evaluateMethod,
  type MethodResult,
  pairConfusionShare,
  randomMethod,
  type Scope,
} from './speech-eval.js';
import { precisionChart } from './speech-svg.js';

/** Seed of the random baseline. */
const SEED = 22;

export interface SpeechRun {
  spec: SpeechCorpusSpec;
  espeak: string;
  recordings: Recording[];
  results: MethodResult[];
  /** Seconds to store (decode, embed, index) every recording, per pooling. */
  storeSeconds: { segments: number; stats: number };
  /** Seconds to compute all DTW distances. */
  dtwSeconds: number;
  /** Mean share of the exact top 10 that the HNSW search returns (scope `all`). */
  hnswAgreement: number;
}

/** The method of the run named `name`. @throws Error when there is none */
export function methodNamed(run: SpeechRun, name: string): MethodResult {
  const found = run.results.find((m) => m.name === name);
  if (!found) throw new Error(`no method named '${name}'`);
  return found;
}

/** Method names, shared by the reports and the test. */
export const METHODS = {
  random: 'random',
  dtw: 'DTW on MFCC frames',
  stats: 'audio-mfcc stats, exact',
  segments: 'audio-mfcc segments, exact',
  hnsw: 'audio-mfcc segments, HNSW',
} as const;

/** Synthesizes `spec`, stores it in two collections (both poolings) and scores every method. */
export async function runSpeech(spec: SpeechCorpusSpec): Promise<SpeechRun> {
  const recordings = await synthesizeCorpus(spec);
  const dir = await mkdtemp(join(tmpdir(), 'quiver-speech-'));
  const db = await Quiver.open(dir);
  try {
    let started = performance.now();
    const segments = await storeRecordings(db, 'words', recordings);
    const segmentsSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const stats = await storeRecordings(db, 'words_stats', recordings, { pooling: 'stats' });
    const statsSeconds = (performance.now() - started) / 1000;
    const segmentVectors = await storedVectors(segments, recordings);
    const statsVectors = await storedVectors(stats, recordings);
    started = performance.now();
    const dtw = await dtwMatrix(recordings);
    const dtwSeconds = (performance.now() - started) / 1000;
    const n = recordings.length;
    const methods = [
      randomMethod(recordings, SEED),
      distanceMethod(
        METHODS.dtw,
        "dynamic time warping between the provider's MFCC frame sequences, every pair (no index)",
        recordings,
        (a, b) => dtw[a * n + b],
      ),
      collectionMethod(
        METHODS.stats,
        'mean and std of MFCCs and deltas (48-d), exact search',
        stats,
        recordings,
        statsVectors,
        true,
      ),
      collectionMethod(
        METHODS.segments,
        'the default: 4 time-segment means after mean normalization + std (60-d), exact search',
        segments,
        recordings,
        segmentVectors,
        true,
      ),
      collectionMethod(
        METHODS.hnsw,
        'the same vectors, HNSW index (default settings), top 10',
        segments,
        recordings,
        segmentVectors,
        false,
      ),
    ];
    const results: MethodResult[] = [];
    for (const method of methods) results.push(await evaluateMethod(method, recordings));
    // The DTW matrix took its time before evaluation began; its column shows both.
    results[1].seconds += dtwSeconds;
    const hnswAgreement = await topTenAgreement(segments, recordings, segmentVectors);
    return {
      spec,
      espeak: espeakVersion() ?? 'unknown',
      recordings,
      results,
      storeSeconds: { segments: segmentsSeconds, stats: statsSeconds },
      dtwSeconds,
      hnswAgreement,
    };
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the run's chart to `docs/speech-precision.svg`; returns the file's path. */
export function writeChart(run: SpeechRun): string {
  // Compiled to dist/examples/support/: the repository is three folders up.
  const file = fileURLToPath(new URL('../../../docs/speech-precision.svg', import.meta.url));
  writeFileSync(
    file,
    precisionChart(
      run.results,
      `Query by example, ${run.recordings.length.toLocaleString('en-US')} spoken words (espeak-ng ${run.espeak})`,
    ),
  );
  return file;
}

/** The protocol in one paragraph. */
export function protocolText(run: SpeechRun): string {
  const { words, voices, speeds } = run.spec;
  return (
    `Corpus: ${words.length} English words (digits, commands, Speech Commands keywords, 11 minimal pairs such as ` +
    `ship/sheep and three/tree) synthesized by espeak-ng ${run.espeak} in ${voices.length} voices ` +
    `(${voices.join(', ')}) at ${speeds.join(', ')} words per minute: ${run.recordings.length.toLocaleString('en-US')} WAV ` +
    'files (16-bit, 22,050 Hz, resampled to 16 kHz by the provider). Each recording is stored through the `audio-mfcc` ' +
    'provider (a collection field `{ provider: "audio-mfcc" }`; the upsert names the WAV file) and queries the others ' +
    'by its vector; relevant answers are the recordings of the same word. Scopes: all other recordings ' +
    `(${(run.spec.voices.length * run.spec.speeds.length - 1).toString()} relevant per query), only other voices (a payload filter ` +
    "`must_not voice`), only the same voice. precision@k is averaged over queries; mAP over each method's full ranking " +
    `(not for the HNSW top 10). Random baseline seed ${SEED}.`
  );
}

/** The findings in words, with this run's numbers. */
export function findingsText(run: SpeechRun): string {
  const segments = methodNamed(run, METHODS.segments);
  const stats = methodNamed(run, METHODS.stats);
  const dtw = methodNamed(run, METHODS.dtw);
  const random = methodNamed(run, METHODS.random);
  const p1 = (m: MethodResult, scope: Scope) => m.scopes[scope].precision[0].toFixed(3);
  const worst = [...segments.voices].sort((a, b) => a.crossP1 - b.crossP1)[0];
  return (
    `Across voices, the default provider finds a recording of the same word first ${p1(segments, 'other voices')} of the ` +
    `time (stats pooling ${p1(stats, 'other voices')}, DTW ${p1(dtw, 'other voices')}, random ${p1(random, 'other voices')}); ` +
    `within a voice (the same word at another speed) ${p1(segments, 'same voice')}. The hardest query voice is ${worst.voice} ` +
    `(cross-voice precision@1 ${worst.crossP1.toFixed(3)}). ${(pairConfusionShare(segments, CONFUSABLE_PAIRS) * 100).toFixed(0)}% ` +
    "of its cross-voice first-place mistakes are the word's minimal pair. HNSW returns " +
    `${(run.hnswAgreement * 100).toFixed(1)}% of the exact top 10. DTW compares whole frame sequences and needs every pair ` +
    `(${run.dtwSeconds.toFixed(1)} s for this corpus, quadratic in its size); the provider's vectors are searched in an index.`
  );
}

/** The console report. */
export function consoleReport(run: SpeechRun, chartFile: string | undefined): string {
  const segments = methodNamed(run, METHODS.segments);
  const lines = [
    'Quiver speech example: query by example over spoken words',
    '',
    protocolText(run),
    '',
    scoreTable(run, 'console'),
    '',
    `per query voice (${METHODS.segments}):`,
    voiceTable(segments, 'console'),
    '',
    `most frequent cross-voice mistakes (${METHODS.segments}): ${segments.confusions
      .slice(0, 8)
      .map((c) => `${c.from}→${c.to} ×${c.count}`)
      .join(', ')}`,
    '',
    findingsText(run),
    '',
    `time: store ${run.recordings.length} recordings ${run.storeSeconds.segments.toFixed(1)} s (segments), ` +
      `${run.storeSeconds.stats.toFixed(1)} s (stats); ` +
      run.results.map((m) => `${m.name} ${m.seconds.toFixed(1)} s`).join(', '),
  ];
  if (chartFile) lines.push(`chart: ${chartFile}`);
  return lines.join('\n');
}

/** The Markdown section of `docs/benchmarks.md`. */
export function markdownSection(run: SpeechRun, command: string): string {
  const segments = methodNamed(run, METHODS.segments);
  return [
    '## Speech: query by example over spoken words (audio-mfcc)',
    '',
    `${protocolText(run)} Command: \`${command}\`; the chart is [speech-precision.svg](speech-precision.svg).`,
    '',
    scoreTable(run, 'markdown'),
    '',
    `Per query voice (${METHODS.segments}):`,
    '',
    voiceTable(segments, 'markdown'),
    '',
    findingsText(run),
    '',
    `Store (read, resample, MFCC, index) ${run.recordings.length.toLocaleString('en-US')} recordings: ` +
      `${run.storeSeconds.segments.toFixed(1)} s (${Math.round(run.recordings.length / run.storeSeconds.segments)} recordings/s, ` +
      'provider on worker threads).',
  ].join('\n');
}

function scoreTable(run: SpeechRun, style: 'console' | 'markdown'): string {
  const header = [
    'method',
    ...CUTOFFS.map((k) => `P@${k}`),
    'mAP',
    ...CUTOFFS.filter((k) => k !== 5).map((k) => `other voices P@${k}`),
    'other voices mAP',
    'same voice P@1',
  ];
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));
  const rows = run.results.map((m) => [
    m.name,
    ...m.scopes.all.precision.map(f),
    f(m.scopes.all.map),
    f(m.scopes['other voices'].precision[0]),
    f(m.scopes['other voices'].precision[2]),
    f(m.scopes['other voices'].map),
    f(m.scopes['same voice'].precision[0]),
  ]);
  return reportTable(header, rows, style);
}

function voiceTable(result: MethodResult, style: 'console' | 'markdown'): string {
  const header = ['query voice', 'other voices P@1', 'other voices P@10', 'same voice P@1'];
  const rows = result.voices.map((v) => [
    v.voice,
    v.crossP1.toFixed(3),
    v.crossP10.toFixed(3),
    v.sameP1.toFixed(3),
  ]);
  return reportTable(header, rows, style);
}
