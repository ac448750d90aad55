/**
 * The `audio-mfcc` provider on synthetic sounds (test/support/wav-signals.ts): its options
 * and dimension; the same sound in any accepted WAV form (8/16/24/32-bit PCM, 32/64-bit
 * float, stereo, 22.05/44.1/48 kHz, a tenth of the level) gives the same vector (cosine ≥
 * 0.99; measured 0.992 for 8-bit, ≥ 0.997 otherwise); `segments` pooling tells a sound from
 * its reversal where `stats` cannot (measured cosine 0.26 vs 0.99); and every bad input is
 * an `EmbeddingInputError` naming its position, for bytes and paths alike.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createEmbedder,
  type EmbedderOptions,
  EmbeddingInputError,
  type EmbeddingProvider,
} from '../src/embed/index.js';
import { InvalidArgumentError } from '../src/errors.js';
import { tempDir } from './support/reference.js';
import { cosine, pcm16Wav, SOUNDS, type WavForm, wavBytes } from './support/wav-signals.js';

/** Cosine at or above which two forms of one sound count as the same sound. */
const SAME_SOUND = 0.99;
const REFERENCE: WavForm = { bitDepth: '16', rate: 16000 };

describe('audio-mfcc provider', () => {
  let audio: EmbeddingProvider;
  let stats: EmbeddingProvider;
  const dir = tempDir('quiver-audio-test-');

  before(async () => {
    audio = await createEmbedder('audio-mfcc');
    stats = await createEmbedder('audio-mfcc', { pooling: 'stats' });
  });
  after(() => dir.cleanup());

  test('describes itself: audio input, cosine, dimension from its options', async () => {
    assert.equal(audio.kind, 'audio');
    assert.equal(audio.metric, 'cosine');
    assert.equal(audio.dimension, 60);
    assert.equal(stats.dimension, 48);
    const wide = await createEmbedder('audio-mfcc', { segments: 6, coefficients: 20 });
    assert.equal(wide.dimension, 140);
    const [v] = await wide.embed([await wavBytes(SOUNDS.rising, REFERENCE)]);
    assert.equal(v.length, 140);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit length');
  });

  test('bad options are InvalidArgumentError', async () => {
    const bad: EmbedderOptions[] = [
      { frameSize: 500 },
      { frameSize: 32 },
      { hopSize: 0 },
      { coefficients: 40 },
      { coefficients: 12, melBands: 12 },
      { pooling: 'max' },
      { segments: 0 },
      { maxSeconds: 0 },
      { sampleRate: 4000 },
      { trimSilence: 'yes' },
      { bogus: 1 },
    ];
    for (const options of bad) {
      await assert.rejects(
        createEmbedder('audio-mfcc', options),
        InvalidArgumentError,
        JSON.stringify(options),
      );
    }
  });

  test(`the same sound in any accepted WAV form gives the same vector (cosine >= ${SAME_SOUND})`, async () => {
    const forms: WavForm[] = [
      REFERENCE,
      { bitDepth: '8', rate: 16000 },
      { bitDepth: '24', rate: 16000 },
      { bitDepth: '32', rate: 16000 },
      { bitDepth: '32f', rate: 16000 },
      { bitDepth: '64', rate: 16000 },
      { bitDepth: '16', rate: 22050 },
      { bitDepth: '16', rate: 44100, channels: 2 },
      { bitDepth: '32f', rate: 48000, channels: 2 },
      { bitDepth: '16', rate: 16000, gain: 0.1 },
    ];
    const vectors = await audio.embed(await Promise.all(forms.map((f) => wavBytes(SOUNDS.rising, f))));
    forms.forEach((form, i) => {
      const c = cosine(vectors[0], vectors[i]);
      assert.ok(c >= SAME_SOUND, `${JSON.stringify(form)}: cosine ${c}`);
    });
  });

  test('a path and the bytes of the same file give the same vector; the same input, the same vector', async () => {
    const bytes = await wavBytes(SOUNDS.falling, { bitDepth: '16', rate: 22050 });
    const path = join(dir.path, 'falling.wav');
    writeFileSync(path, bytes);
    const [a, b, c] = await audio.embed([path, bytes, new Uint8Array(bytes)]);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
  });

  test('segments pooling keeps the order of sounds; stats pooling does not', async () => {
    const inputs = [await wavBytes(SOUNDS.rising, REFERENCE), await wavBytes(SOUNDS.falling, REFERENCE)];
    const [r, f] = await audio.embed(inputs);
    const [rs, fs] = await stats.embed(inputs);
    assert.ok(cosine(r, f) < 0.6, `segments: rising vs falling ${cosine(r, f)}`);
    assert.ok(cosine(rs, fs) > 0.95, `stats: rising vs falling ${cosine(rs, fs)}`);
    const [h] = await audio.embed([await wavBytes(SOUNDS.hiss, REFERENCE)]);
    assert.ok(cosine(r, h) < 0.6, `segments: rising vs hiss ${cosine(r, h)}`);
  });

  test('bad inputs are EmbeddingInputError at their position; a batch with one fails whole', async () => {
    const good = await wavBytes(SOUNDS.rising, REFERENCE);
    const twoSeconds = await wavBytes([{ seconds: 2, partials: [440] }], REFERENCE);
    const tone = (n: number) => pcm16Wav(Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i / 5)));
    const cases: [string, unknown, RegExp, EmbeddingProvider?][] = [
      ['bytes that are not WAV', Buffer.from('these bytes are not a WAV file'), /not a WAV file/],
      ['a truncated WAV header', good.subarray(0, 30), /not a WAV file/],
      ['empty bytes', new Uint8Array(0), /non-empty bytes/],
      ['a missing file', join(dir.path, 'missing.wav'), /cannot read audio file .*ENOENT/],
      ['A-law', await wavBytes(SOUNDS.rising, { ...REFERENCE, alaw: true }), /unsupported WAV encoding/],
      ['silence', await pcm16Wav(new Float64Array(8000)), /no sound to describe/],
      ['a WAV without samples', await pcm16Wav([]), /holds no samples/],
      ['a clip shorter than one frame', await tone(300), /no sound to describe/],
      [
        'longer than maxSeconds',
        twoSeconds,
        /longer than the provider's maxSeconds \(1 s\)/,
        await createEmbedder('audio-mfcc', { maxSeconds: 1 }),
      ],
      ['a number', 7, /non-empty bytes/],
    ];
    for (const [label, bad, message, provider = audio] of cases) {
      await assert.rejects(
        provider.embed([good, bad as Uint8Array]),
        (e: unknown) => e instanceof EmbeddingInputError && e.index === 1 && message.test(e.message),
        label,
      );
    }
  });

  test('createEmbedder and the worker resolver both offer it by name', async () => {
    const { EMBEDDER_NAMES, providerResolver } = await import('../src/embed/index.js');
    assert.ok((EMBEDDER_NAMES as readonly string[]).includes('audio-mfcc'));
    const worker = await providerResolver({ workers: 1 })('audio-mfcc', {});
    try {
      assert.equal(worker.kind, 'audio');
      const bytes = await wavBytes(SOUNDS.hiss, REFERENCE);
      const [inWorker] = await worker.embed([bytes]);
      const [here] = await audio.embed([bytes]);
      assert.deepEqual(inWorker, here);
    } finally {
      await worker.dispose();
    }
  });
});
