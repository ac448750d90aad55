/**
 * The speech example on a subset: 12 words (digits, commands and two minimal pairs: three /
 * tree, ship / sheep) × 4 espeak-ng voices × 2 speeds = 96 recordings, stored through the
 * `audio-mfcc` provider, every recording querying the others by its vector.
 *
 * Thresholds, with what was measured when written (espeak-ng 1.51): precision@1 over all
 * other recordings ≥ 0.95 (1.000); across voices ≥ 0.80 (0.906) and at least 5× the random
 * baseline (0.094); the default `segments` pooling above `stats` across voices (0.906 vs
 * 0.698); HNSW returns ≥ 95% of the exact top 10 (100%).
 * Skipped when espeak-ng is not installed (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  collectionMethod,
  storedVectors,
  storeRecordings,
  topTenAgreement,
} from '../examples/support/speech-collection.js';
import {
  espeakVersion,
  type Recording,
  type SpeechCorpusSpec,
  synthesizeCorpus,
} from '../examples/support/speech-corpus.js';
import { evaluateMethod, type MethodResult, randomMethod } from '../examples/support/speech-eval.js';
import { precisionChart } from '../examples/support/speech-svg.js';
import { type EmbeddedCollection, Quiver } from '../src/index.js';

const SUBSET: SpeechCorpusSpec = {
  words: ['zero', 'one', 'two', 'three', 'tree', 'ship', 'sheep', 'yes', 'no', 'stop', 'go', 'left'],
  voices: ['en-gb', 'en-us', 'en+f3', 'en-029'],
  speeds: [130, 220],
};
const MIN_P1 = 0.95;
const MIN_CROSS_VOICE_P1 = 0.8;
const MIN_OVER_RANDOM = 5;
const MIN_HNSW_AGREEMENT = 0.95;

const espeak = espeakVersion();

describe('speech example (espeak-ng words, audio-mfcc provider)', {
  skip: espeak === undefined ? 'needs espeak-ng (apt-get install -y espeak-ng)' : false,
}, () => {
  let dir: string;
  let db: Quiver;
  let recordings: Recording[];
  let words: EmbeddedCollection;
  let segments: MethodResult;
  let stats: MethodResult;
  let random: MethodResult;
  let vectors: Float32Array[];

  before(async () => {
    recordings = await synthesizeCorpus(SUBSET);
    dir = await mkdtemp(join(tmpdir(), 'quiver-speech-test-'));
    db = await Quiver.open(dir);
    words = await storeRecordings(db, 'words', recordings);
    const wordsStats = await storeRecordings(db, 'words_stats', recordings, { pooling: 'stats' });
    vectors = await storedVectors(words, recordings);
    const statsVectors = await storedVectors(wordsStats, recordings);
    segments = await evaluateMethod(
      collectionMethod('segments', '', words, recordings, vectors, true),
      recordings,
    );
    stats = await evaluateMethod(
      collectionMethod('stats', '', wordsStats, recordings, statsVectors, true),
      recordings,
    );
    random = await evaluateMethod(randomMethod(recordings, 22), recordings);
  });

  after(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('synthesizes one WAV file per word, voice and speed, the same bytes when asked again', async () => {
    assert.equal(recordings.length, SUBSET.words.length * SUBSET.voices.length * SUBSET.speeds.length);
    for (const r of recordings) {
      assert.ok(existsSync(r.path), r.path);
      assert.equal(readFileSync(r.path).subarray(0, 4).toString('latin1'), 'RIFF');
    }
    const again = await synthesizeCorpus(SUBSET, join(dir, 'fresh'));
    for (const i of [0, 37, 95]) {
      assert.deepEqual(readFileSync(again[i].path), readFileSync(recordings[i].path), again[i].path);
    }
  });

  it('stores every recording as a 60-d vector with its word, voice and speed', async () => {
    const info = await words.info();
    assert.equal(info.vectors?.audio.dimension, 60);
    assert.equal(info.vectors?.audio.provider, 'audio-mfcc');
    assert.equal(await words.count(), recordings.length);
    const [p] = await words.get([5], { withPayload: true });
    assert.deepEqual(p.payload, {
      word: recordings[5].word,
      voice: recordings[5].voice,
      speed: recordings[5].speed,
    });
  });

  it(`finds the same word first: precision@1 >= ${MIN_P1}, across voices >= ${MIN_CROSS_VOICE_P1} and >= ${MIN_OVER_RANDOM}x random`, () => {
    const p1 = segments.scopes.all.precision[0];
    const cross = segments.scopes['other voices'].precision[0];
    assert.ok(p1 >= MIN_P1, `precision@1 ${p1}`);
    assert.ok(cross >= MIN_CROSS_VOICE_P1, `cross-voice precision@1 ${cross}`);
    const chance = random.scopes['other voices'].precision[0];
    assert.ok(cross >= MIN_OVER_RANDOM * chance, `cross-voice precision@1 ${cross} vs random ${chance}`);
    assert.ok(segments.scopes.all.map! > 2 * random.scopes.all.map!, 'mAP well above random');
  });

  it('segments pooling beats stats pooling across voices', () => {
    const a = segments.scopes['other voices'];
    const b = stats.scopes['other voices'];
    assert.ok(a.precision[0] > b.precision[0], `precision@1 ${a.precision[0]} vs ${b.precision[0]}`);
    assert.ok(a.map! > b.map!, `mAP ${a.map} vs ${b.map}`);
  });

  it('a voice filter keeps every answer in (or out of) the query voice', async () => {
    const query = recordings[10];
    const out = await words.search(vectors[query.id], {
      k: 20,
      using: 'audio',
      withPayload: true,
      filter: { must_not: [{ has_id: [query.id] }, { key: 'voice', match: { value: query.voice } }] },
    });
    assert.equal(out.length, 20);
    assert.ok(out.every((h) => h.payload?.voice !== query.voice && h.id !== query.id));
    const same = await words.search(vectors[query.id], {
      k: 20,
      using: 'audio',
      withPayload: true,
      filter: { must: [{ key: 'voice', match: { value: query.voice } }] },
    });
    assert.equal(same[0].id, query.id, 'the query finds itself first');
    assert.ok(same.every((h) => h.payload?.voice === query.voice));
  });

  it(`HNSW returns >= ${MIN_HNSW_AGREEMENT * 100}% of the exact top 10`, async () => {
    const agreement = await topTenAgreement(words, recordings, vectors);
    assert.ok(agreement >= MIN_HNSW_AGREEMENT, `agreement ${agreement}`);
  });

  it('charts every method as bars with tooltips', () => {
    const svg = precisionChart([random, stats, segments], 'subset');
    assert.match(svg, /^<svg /);
    // 4 bars per method (P@1, two cross-voice figures, mAP).
    assert.equal(
      svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#[0-9a-f]+"><title>/g)
        ?.length,
      12,
    );
  });
});
