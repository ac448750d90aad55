/**
 * Synthetic sounds for the audio provider's tests, written as WAV files by `wavefile` in any
 * encoding, rate and channel count: the same sound in every form, so tests can check that
 * the form does not change its vector. Deterministic (seeded noise).
 */
import { SeededRandom } from '../../src/eval/random.js';

type WaveFileClass = new () => {
  fromScratch(
    channels: number,
    rate: number,
    bitDepth: string,
    samples: ArrayLike<number> | ArrayLike<number>[],
  ): void;
  toBuffer(): Uint8Array;
  toALaw(): void;
};

async function waveFile(): Promise<WaveFileClass> {
  const m = (await import('wavefile')) as unknown as { default: { WaveFile: WaveFileClass } };
  return m.default.WaveFile;
}

/** One stretch of a sound: a sum of sine partials (Hz) sweeping from `from` to `to` × their frequency. */
export interface Stretch {
  seconds: number;
  partials: readonly number[];
  /** Frequency multiplier at the stretch's end (1: steady). */
  glide?: number;
  /** Share of seeded white noise mixed in, 0..1. */
  noise?: number;
}

/** A word-like sound: 0.1 s of silence, the stretches with 10 ms fades, 0.1 s of silence. */
export function synthesize(stretches: readonly Stretch[], rate: number, seed = 7): Float64Array {
  const random = new SeededRandom(seed);
  const pad = Math.round(0.1 * rate);
  const out: number[] = new Array(pad).fill(0);
  for (const s of stretches) {
    const n = Math.round(s.seconds * rate);
    const fade = Math.round(0.01 * rate);
    const phases = s.partials.map(() => 0);
    for (let i = 0; i < n; i++) {
      const glide = 1 + ((s.glide ?? 1) - 1) * (i / n);
      let v = 0;
      s.partials.forEach((f, j) => {
        phases[j] += (2 * Math.PI * f * glide) / rate;
        v += Math.sin(phases[j]) / s.partials.length;
      });
      v = v * (1 - (s.noise ?? 0)) + (random.next() * 2 - 1) * (s.noise ?? 0);
      const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
      out.push(0.8 * v * envelope);
    }
  }
  for (let i = 0; i < pad; i++) out.push(0);
  return Float64Array.from(out);
}

/** Three sounds that differ in their order of stretches and content. */
export const SOUNDS: Record<'rising' | 'falling' | 'hiss', Stretch[]> = {
  rising: [
    { seconds: 0.15, partials: [300, 900, 2400] },
    { seconds: 0.2, partials: [500, 1500], glide: 1.6 },
    { seconds: 0.12, partials: [3000], noise: 0.6 },
  ],
  falling: [
    { seconds: 0.12, partials: [3000], noise: 0.6 },
    { seconds: 0.2, partials: [800, 2400], glide: 0.6 },
    { seconds: 0.15, partials: [300, 900, 2400] },
  ],
  hiss: [
    { seconds: 0.3, partials: [6000], noise: 0.9 },
    { seconds: 0.1, partials: [200] },
  ],
};

/** How a sound is written: encoding (wavefile's bit depth), rate, channels, gain. */
export interface WavForm {
  bitDepth: '8' | '16' | '24' | '32' | '32f' | '64';
  rate: number;
  channels?: 1 | 2;
  gain?: number;
  /** Encode as A-law (a compressed encoding the provider refuses). */
  alaw?: boolean;
}

/** The WAV bytes of `stretches` in `form`. */
export async function wavBytes(stretches: readonly Stretch[], form: WavForm): Promise<Buffer> {
  const WaveFile = await waveFile();
  const signal = synthesize(stretches, form.rate);
  const gain = form.gain ?? 1;
  const scaled = signal.map((x) => {
    const v = x * gain;
    switch (form.bitDepth) {
      case '8':
        return Math.round(128 + v * 127);
      case '16':
        return Math.round(v * 32767);
      case '24':
        return Math.round(v * 8388607);
      case '32':
        return Math.round(v * 2147483647);
      default:
        return v;
    }
  });
  const wav = new WaveFile();
  const channels = form.channels ?? 1;
  // The second channel carries the same sound at half level: the mono mix is 0.75 of it.
  const float = form.bitDepth === '32f' || form.bitDepth === '64';
  const half = (x: number) =>
    form.bitDepth === '8' ? Math.round(128 + (x - 128) / 2) : float ? x / 2 : Math.round(x / 2);
  const samples = channels === 1 ? scaled : [scaled, scaled.map(half)];
  wav.fromScratch(channels, form.rate, form.bitDepth, samples);
  if (form.alaw) wav.toALaw();
  return Buffer.from(wav.toBuffer());
}

/** A 16-bit mono 16 kHz WAV of `samples` (values in [-1, 1]). */
export async function pcm16Wav(samples: ArrayLike<number>): Promise<Buffer> {
  const WaveFile = await waveFile();
  const wav = new WaveFile();
  wav.fromScratch(
    1,
    16000,
    '16',
    Array.from(samples, (x) => Math.round(x * 32767)),
  );
  return Buffer.from(wav.toBuffer());
}

/** Cosine similarity of two vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
