/**
 * Decoding of audio inputs: a WAV file's path or its bytes become mono samples in [-1, 1] at
 * one fixed sample rate, parsed and resampled by `wavefile` (loaded on first use). Every audio
 * provider reads its inputs here, so they all accept the same files and fail the same way.
 *
 * Accepted: RIFF/RIFX/RF64 WAVE files of linear PCM (8-bit unsigned, 16-, 24- or 32-bit
 * signed) or IEEE float (32- or 64-bit), any number of channels (averaged to mono), any sample
 * rate (resampled with wavefile's cubic interpolation behind its low-pass filter; none when
 * the rate already matches). Refused, each with an `EmbeddingInputError` naming the input's
 * position: a missing file, bytes that are not WAV, compressed encodings (A-law, µ-law,
 * IMA-ADPCM), a file without samples, one longer than `maxSeconds` (checked from the header,
 * before any sample is decoded, so a long upload costs no decoding).
 */
import { readFile } from 'node:fs/promises';
import { EmbeddingInputError, EmbeddingModelError } from './provider.js';

/** An audio input: a WAV file's path or the file's bytes. */
export type AudioInput = string | Uint8Array;

/** Mono samples in [-1, 1] at `sampleRate` Hz. */
export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: number;
  /** The file's own sample rate and channel count, before resampling and mixing. */
  sourceRate: number;
  channels: number;
}

/** What `decodeAudio` produces and what it refuses. */
export interface AudioDecodeOptions {
  /** Output sample rate in Hz. */
  sampleRate: number;
  /** Longest input accepted, in seconds of audio. */
  maxSeconds: number;
}

/** The sample encodings accepted, as wavefile names them (`bitDepth`). */
const PCM_DEPTHS = ['8', '16', '24', '32', '32f', '64'];

/** The subset of wavefile's `WaveFile` used here. */
interface WaveFileLike {
  bitDepth: string;
  fmt: { numChannels: number; sampleRate: number; blockAlign: number; audioFormat: number };
  data: { samples: Uint8Array };
  toSampleRate(rate: number, options?: object): void;
  getSamples(interleaved?: boolean, container?: Float64ArrayConstructor): Float64Array | Float64Array[];
}

type WaveFileConstructor = new (bytes: Uint8Array) => WaveFileLike;

let waveFileClass: Promise<WaveFileConstructor> | undefined;

/** wavefile's `WaveFile` class, imported once (a CommonJS package: its exports are `default`). */
function loadWaveFile(): Promise<WaveFileConstructor> {
  waveFileClass ??= import('wavefile')
    .then((m) => (m as unknown as { default: { WaveFile: WaveFileConstructor } }).default.WaveFile)
    .catch((e: Error) => {
      waveFileClass = undefined;
      throw new EmbeddingModelError(`audio: cannot load the WAV parser 'wavefile': ${e.message}`);
    });
  return waveFileClass;
}

/** Describes an input for error messages without printing a whole buffer. */
export function describeAudio(input: AudioInput): string {
  return typeof input === 'string' ? `'${input}'` : `${input.length}-byte buffer`;
}

/** The bytes of an input: itself, or the file a path names. */
async function audioBytes(input: unknown, index: number): Promise<Uint8Array> {
  if (input instanceof Uint8Array && input.length > 0) return input;
  if (typeof input === 'string' && input.length > 0) {
    try {
      return await readFile(input);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new EmbeddingInputError(`input ${index}: cannot read audio file '${input}' (${reason})`, index);
    }
  }
  throw new EmbeddingInputError(
    `input ${index}: expected a WAV file path or non-empty bytes, got ${input === null ? 'null' : typeof input}`,
    index,
  );
}

/**
 * Decodes one WAV input to mono samples in [-1, 1] at `options.sampleRate` (see the module
 * comment for what is accepted). `index` is the input's position, for error messages.
 */
export async function decodeAudio(
  input: AudioInput,
  index: number,
  options: AudioDecodeOptions,
): Promise<DecodedAudio> {
  const bytes = await audioBytes(input, index);
  const WaveFile = await loadWaveFile();
  const what = `input ${index} (${describeAudio(input)})`;
  let wav: WaveFileLike;
  try {
    wav = new WaveFile(bytes);
  } catch (e) {
    throw new EmbeddingInputError(`${what}: not a WAV file: ${(e as Error).message}`, index);
  }
  const { numChannels: channels, sampleRate: sourceRate, blockAlign } = wav.fmt;
  if (!PCM_DEPTHS.includes(wav.bitDepth)) {
    throw new EmbeddingInputError(
      `${what}: unsupported WAV encoding (format ${wav.fmt.audioFormat}, ${wav.bitDepth}); expected linear PCM (8, 16, 24 or 32 bits) or IEEE float (32 or 64 bits)`,
      index,
    );
  }
  if (!(channels >= 1 && sourceRate >= 1 && blockAlign >= 1)) {
    throw new EmbeddingInputError(
      `${what}: a WAV header with ${channels} channels at ${sourceRate} Hz is not playable`,
      index,
    );
  }
  const frames = Math.floor(wav.data.samples.length / blockAlign);
  if (frames === 0) throw new EmbeddingInputError(`${what}: the WAV file holds no samples`, index);
  const seconds = frames / sourceRate;
  if (seconds > options.maxSeconds) {
    throw new EmbeddingInputError(
      `${what}: ${seconds.toFixed(1)} s of audio is longer than the provider's maxSeconds (${options.maxSeconds} s)`,
      index,
    );
  }
  try {
    if (sourceRate !== options.sampleRate)
      wav.toSampleRate(options.sampleRate, { method: 'cubic', LPF: true });
    const decoded = wav.getSamples(false, Float64Array);
    const perChannel = Array.isArray(decoded) ? decoded : [decoded];
    return {
      samples: toMono(perChannel, wav.bitDepth),
      sampleRate: options.sampleRate,
      sourceRate,
      channels,
    };
  } catch (e) {
    throw new EmbeddingInputError(`${what}: cannot decode the WAV samples: ${(e as Error).message}`, index);
  }
}

/** The average of the channels, scaled from the encoding's range to [-1, 1]. */
function toMono(channels: readonly Float64Array[], bitDepth: string): Float32Array {
  const float = bitDepth === '32f' || bitDepth === '64';
  const bits = Number(bitDepth);
  // 8-bit WAV is unsigned (silence at 128); wider integer PCM is signed.
  const offset = bitDepth === '8' ? 128 : 0;
  const scale = float ? 1 : 2 ** (bits - 1);
  const n = channels[0].length;
  const out = new Float32Array(n);
  for (const channel of channels) {
    for (let i = 0; i < n; i++) out[i] += (channel[i] - offset) / scale;
  }
  if (channels.length > 1) for (let i = 0; i < n; i++) out[i] /= channels.length;
  return out;
}
