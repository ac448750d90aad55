/**
 * The speech example's recordings: spoken words synthesized offline by Debian's `espeak-ng`
 * in several voices and speeds, written as WAV files (16-bit mono, 22,050 Hz: espeak-ng's own
 * format, which the `audio-mfcc` provider resamples to 16 kHz) into a cache folder,
 * `.bench-cache/speech/espeak-ng-<version>/<voice>/<speed>/<word>.wav` (gitignored).
 *
 * espeak-ng is deterministic: the same version, voice, speed and word give the same bytes,
 * so the cache is filled once per espeak-ng version and only missing files are synthesized.
 *
 * The vocabulary mixes what users of keyword spotting ask for (digits, the Speech Commands
 * keywords) with confusable pairs (ship / sheep, pin / pen, three / tree, …), so that the
 * precision figures include words that differ by one vowel or consonant.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../bench/ann/paths.js';

const run = promisify(execFile);

/** Digits, commands, more keywords and confusable pairs: 50 words. */
// biome-ignore format: one line per group of words
export const SPEECH_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go',
  // more keywords of the Speech Commands set
  'bird', 'dog', 'happy', 'house', 'wow', 'forward', 'backward', 'follow', 'learn', 'marvin',
  // words that differ from another one by a single sound
  'tree', 'light', 'ship', 'sheep', 'bat', 'bet', 'pin', 'pen', 'cat', 'cut',
  'bed', 'bad', 'full', 'fool', 'seat', 'sit', 'fan', 'van', 'thin', 'fin',
] as const;

/** Pairs of vocabulary words that differ by one sound (minimal pairs), for the confusion count. */
// biome-ignore format: a table
export const CONFUSABLE_PAIRS: readonly (readonly [string, string])[] = [
  ['three', 'tree'], ['right', 'light'], ['ship', 'sheep'], ['bat', 'bet'], ['pin', 'pen'],
  ['cat', 'cut'], ['bed', 'bad'], ['full', 'fool'], ['seat', 'sit'], ['fan', 'van'], ['thin', 'fin'],
];

/**
 * espeak-ng voices: five accents of its English (British, American, Scottish, Caribbean, New
 * York) and three voice variants (`+f3`, `+f2`: female pitch and formants; `+m3`: another
 * male) on top of accents. Only the built-in voices: the MBROLA ones need packages of their own.
 */
export const SPEECH_VOICES = [
  'en-gb',
  'en-us',
  'en-gb-scotland',
  'en-029',
  'en-us-nyc',
  'en+f3',
  'en-us+f2',
  'en-gb-x-rp+m3',
] as const;

/** Speaking rates, words per minute (espeak-ng's default is 175). */
export const SPEECH_SPEEDS = [130, 175, 220] as const;

/** One synthesized recording. */
export interface Recording {
  /** Position in the corpus: the point id in the collections. */
  id: number;
  word: string;
  voice: string;
  speed: number;
  /** The WAV file. */
  path: string;
}

/** Which words, voices and speeds to synthesize. */
export interface SpeechCorpusSpec {
  words: readonly string[];
  voices: readonly string[];
  speeds: readonly number[];
}

/** The example's full corpus: 50 words × 8 voices × 3 speeds = 1,200 recordings. */
export const FULL_CORPUS: SpeechCorpusSpec = {
  words: SPEECH_WORDS,
  voices: SPEECH_VOICES,
  speeds: SPEECH_SPEEDS,
};

/** espeak-ng's version (e.g. `1.51`), or undefined when it is not installed. */
export function espeakVersion(): string | undefined {
  try {
    const out = execFileSync('espeak-ng', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /text-to-speech: (\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return undefined;
  }
}

/** The cache folder of an espeak-ng version. */
export function speechCacheDir(version: string): string {
  return join(packageRoot(), '.bench-cache', 'speech', `espeak-ng-${version}`);
}

/**
 * The recordings of `spec`, in word-major order (ids 0..n-1), synthesizing the missing ones
 * with `espeak-ng` (two at a time; each written to a temporary name, then renamed, so an
 * interrupted run leaves no truncated file in the cache).
 * @throws Error when espeak-ng is not installed or fails
 */
export async function synthesizeCorpus(spec: SpeechCorpusSpec, cacheDir?: string): Promise<Recording[]> {
  const version = espeakVersion();
  if (version === undefined) {
    throw new Error('the speech example needs espeak-ng: apt-get install -y espeak-ng');
  }
  const dir = cacheDir ?? speechCacheDir(version);
  const recordings: Recording[] = [];
  for (const word of spec.words) {
    for (const voice of spec.voices) {
      for (const speed of spec.speeds) {
        const path = join(dir, voice, String(speed), `${word}.wav`);
        recordings.push({ id: recordings.length, word, voice, speed, path });
      }
    }
  }
  const missing = recordings.filter((r) => !existsSync(r.path));
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const r = missing[next++];
      mkdirSync(join(dir, r.voice, String(r.speed)), { recursive: true });
      const partial = `${r.path}.partial`;
      await run('espeak-ng', ['-v', r.voice, '-s', String(r.speed), '-w', partial, r.word]);
      renameSync(partial, r.path);
    }
  };
  await Promise.all([worker(), worker()]);
  return recordings;
}
