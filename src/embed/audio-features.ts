/**
 * Frame-level MFCCs of a mono signal, computed by `meyda` (loaded on first use), and the
 * fixed-length poolings the `audio-mfcc` provider makes of them.
 *
 * The front end, per clip: the signal is scaled to a fixed peak (so the gain of a recording
 * does not change its vector), cut into frames of `frameSize` samples every `hopSize`
 * samples, Hamming-windowed, and meyda returns each frame's MFCCs over `melBands` mel
 * filters; c0 (the frame's log energy) is dropped, c1..c`coefficients` are kept. The peak is
 * set to 32768 (the 16-bit range) because meyda takes the log of `1 + band energy`: at the
 * [-1, 1] scale quiet bands would stay in the near-linear part of that log.
 *
 * With `trimSilence`, leading and trailing frames whose RMS is below 5% of the loudest
 * frame's are dropped (an energy endpointer: synthesized and recorded words carry silence of
 * varying length around them, which would otherwise dominate the pooled statistics).
 *
 * meyda keeps its settings in one shared object; `mfccFrames` sets all of them, and drops
 * meyda's cached filter banks, before each clip, synchronously, so clips with different
 * settings never see each other's.
 */
import type { MeydaAudioFeature } from 'meyda';
import { EmbeddingModelError } from './provider.js';

/** The framing and cepstral settings of the MFCC front end. */
export interface MfccParams {
  /** Hz of the samples given to `mfccFrames`. */
  sampleRate: number;
  /** Samples per analysis frame, a power of two (meyda's FFT size). */
  frameSize: number;
  /** Samples between the starts of consecutive frames. */
  hopSize: number;
  /** Mel filters; at least `coefficients + 1`. */
  melBands: number;
  /** Cepstral coefficients kept per frame (c1..cN; c0 is dropped), at most 39. */
  coefficients: number;
  /** Drop leading and trailing frames quieter than 5% of the loudest frame's RMS. */
  trimSilence: boolean;
}

/** A frame is silence when its RMS is below this fraction of the loudest frame's. */
export const SILENCE_RATIO = 0.05;

/** Peak the signal is scaled to before analysis (see the module comment). */
const PEAK = 32768;

/**
 * meyda's settings-and-extract object. Its types are ES-module declarations over a CommonJS
 * build: TypeScript takes a dynamic import's `default` for the whole module, Node for the object.
 */
type Meyda = typeof import('meyda').default;
let meyda: Promise<Meyda> | undefined;

/** meyda's default export, imported once. */
export function loadMeyda(): Promise<Meyda> {
  meyda ??= import('meyda')
    .then((m) => m.default as unknown as Meyda)
    .catch((e: Error) => {
      meyda = undefined;
      throw new EmbeddingModelError(`audio: cannot load the feature library 'meyda': ${e.message}`);
    });
  return meyda;
}

/**
 * MFCC frames of `samples` (see the module comment), `coefficients` values each, in time
 * order. Returns no frames for a signal shorter than one frame or entirely silent (the
 * caller decides what that means for its input).
 */
export function mfccFrames(m: Meyda, samples: Float32Array, params: MfccParams): Float32Array[] {
  const { frameSize, hopSize, coefficients } = params;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
  if (peak === 0 || samples.length < frameSize) return [];
  configure(m, params);
  const gain = PEAK / peak;
  const features: MeydaAudioFeature[] = ['mfcc', 'rms'];
  const frames: Float32Array[] = [];
  const rms: number[] = [];
  const frame = new Float32Array(frameSize);
  for (let start = 0; start + frameSize <= samples.length; start += hopSize) {
    for (let i = 0; i < frameSize; i++) frame[i] = samples[start + i] * gain;
    const f = m.extract(features, frame);
    if (!f?.mfcc || f.rms === undefined) throw new EmbeddingModelError('audio: meyda returned no MFCCs');
    frames.push(Float32Array.from(f.mfcc.slice(1, coefficients + 1)));
    rms.push(f.rms);
  }
  if (!params.trimSilence) return frames;
  const threshold = Math.max(...rms) * SILENCE_RATIO;
  let first = 0;
  let last = frames.length - 1;
  while (first < last && rms[first] < threshold) first++;
  while (last > first && rms[last] < threshold) last--;
  return frames.slice(first, last + 1);
}

/** Puts `params` into meyda's shared settings and drops the banks it computed for others. */
function configure(m: Meyda, params: MfccParams): void {
  const settings = m as Meyda & { melFilterBank?: unknown; barkScale?: unknown; chromaFilterBank?: unknown };
  settings.bufferSize = params.frameSize;
  settings.sampleRate = params.sampleRate;
  settings.melBands = params.melBands;
  settings.numberOfMFCCCoefficients = params.coefficients + 1;
  settings.windowingFunction = 'hamming';
  // meyda rebuilds its mel bank only when the band count changes, not the rate or frame size.
  settings.melFilterBank = undefined;
  settings.barkScale = undefined;
  settings.chromaFilterBank = undefined;
}

/**
 * Delta (velocity) coefficients of `frames` by linear regression over ±2 frames (HTK's
 * formula), the edges repeating the first and last frame.
 */
export function deltas(frames: readonly Float32Array[]): Float32Array[] {
  const n = frames.length;
  return frames.map((_, t) => {
    const out = new Float32Array(frames[t].length);
    for (let k = 1; k <= 2; k++) {
      const next = frames[Math.min(n - 1, t + k)];
      const prev = frames[Math.max(0, t - k)];
      for (let j = 0; j < out.length; j++) out[j] += (k * (next[j] - prev[j])) / 10;
    }
    return out;
  });
}

/** Per-coefficient mean and standard deviation of `frames[from..to)` (a non-empty range). */
export function meanStd(
  frames: readonly Float32Array[],
  from = 0,
  to = frames.length,
): { mean: Float64Array; std: Float64Array } {
  const d = frames[from].length;
  const count = to - from;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let t = from; t < to; t++) for (let j = 0; j < d; j++) mean[j] += frames[t][j] / count;
  for (let t = from; t < to; t++) for (let j = 0; j < d; j++) std[j] += (frames[t][j] - mean[j]) ** 2 / count;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]);
  return { mean, std };
}

/**
 * `stats` pooling: the mean and standard deviation of the MFCCs and of their deltas, 4 ×
 * coefficients values. Order-free: a word and its reversal pool alike.
 */
export function poolStats(frames: readonly Float32Array[]): Float32Array {
  const c = meanStd(frames);
  const d = meanStd(deltas(frames));
  return Float32Array.from([...c.mean, ...c.std, ...d.mean, ...d.std]);
}

/**
 * `segments` pooling: the frames split into `segments` equal stretches of time, each
 * stretch's mean MFCC minus the whole clip's mean (cepstral mean normalization: a voice's or
 * channel's constant colour cancels), then the clip's standard deviation; (segments + 1) ×
 * coefficients values. It keeps the coarse order of sounds that `stats` loses, and since the
 * stretches scale with the clip, a word said slowly pools like the same word said fast.
 * Clips of fewer frames than segments reuse frames across stretches.
 */
export function poolSegments(frames: readonly Float32Array[], segments: number): Float32Array {
  const n = frames.length;
  const whole = meanStd(frames);
  const out: number[] = [];
  for (let s = 0; s < segments; s++) {
    const from = Math.min(n - 1, Math.floor((s * n) / segments));
    const to = Math.max(from + 1, Math.floor(((s + 1) * n) / segments));
    const { mean } = meanStd(frames, from, to);
    for (let j = 0; j < mean.length; j++) out.push(mean[j] - whole.mean[j]);
  }
  out.push(...whole.std);
  return Float32Array.from(out);
}
