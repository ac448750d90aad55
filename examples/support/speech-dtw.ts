/**
 * The stronger reference of the speech example: nearest neighbours by dynamic time warping
 * (DTW) over whole MFCC sequences, the classic template matcher of isolated-word recognition.
 * It aligns every frame of one recording with frames of the other, so it keeps the order and
 * timing of sounds that any fixed-length vector pools away, at a cost no index can cut: each
 * pair of recordings is a (frames × frames) dynamic programme, and a query compares with
 * every recording.
 *
 * The frames are the `audio-mfcc` provider's own (the same decoding, resampling, MFCCs and
 * silence trimming, from src/embed/), so DTW and the provider differ only in how they compare
 * sequences. Local distance: Euclidean between frames; steps (1,0), (0,1), (1,1) with equal
 * weight; the total is divided by the two lengths' sum, so long and short words compare.
 */

import { loadMeyda, mfccFrames } from '../../src/embed/audio-features.js';
import { decodeAudio } from '../../src/embed/audio-input.js';
import { audioMfccSettings } from '../../src/embed/audio-mfcc.js';
import type { Recording } from './speech-corpus.js';

/** One recording's MFCC frames, `coefficients` values per frame, row after row. */
interface Sequence {
  frames: Float32Array;
  length: number;
}

/** The MFCC frames of every recording, as the default `audio-mfcc` provider computes them. */
export async function mfccSequences(recordings: readonly Recording[]): Promise<Sequence[]> {
  const settings = audioMfccSettings({});
  const meyda = await loadMeyda();
  const out: Sequence[] = [];
  for (const r of recordings) {
    const audio = await decodeAudio(r.path, r.id, settings);
    const frames = mfccFrames(meyda, audio.samples, settings);
    const flat = new Float32Array(frames.length * settings.coefficients);
    frames.forEach((f, t) => {
      flat.set(f, t * settings.coefficients);
    });
    out.push({ frames: flat, length: frames.length });
  }
  return out;
}

/** The normalized DTW distance of two sequences of `dimension`-value frames. */
export function dtwDistance(a: Sequence, b: Sequence, dimension: number): number {
  const m = b.length;
  let prev = new Float64Array(m + 1).fill(Number.POSITIVE_INFINITY);
  let cur = new Float64Array(m + 1);
  prev[0] = 0;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = Number.POSITIVE_INFINITY;
    const ai = (i - 1) * dimension;
    for (let j = 1; j <= m; j++) {
      const bj = (j - 1) * dimension;
      let d = 0;
      for (let c = 0; c < dimension; c++) {
        const x = a.frames[ai + c] - b.frames[bj + c];
        d += x * x;
      }
      cur[j] = Math.sqrt(d) + Math.min(prev[j], cur[j - 1], prev[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m] / (a.length + m);
}

/**
 * The symmetric matrix of DTW distances between all recordings (row-major, n × n), from
 * their frames; the diagonal is 0.
 */
export async function dtwMatrix(recordings: readonly Recording[]): Promise<Float64Array> {
  const sequences = await mfccSequences(recordings);
  const dimension = audioMfccSettings({}).coefficients;
  const n = recordings.length;
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = dtwDistance(sequences[i], sequences[j], dimension);
      matrix[i * n + j] = d;
      matrix[j * n + i] = d;
    }
  }
  return matrix;
}
