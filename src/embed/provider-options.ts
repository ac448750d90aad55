/**
 * Reading providers' JSON options (`createEmbedder(name, options)`, stored in collection
 * schemas) with typed errors.
 *
 * Invariants: an option reader either returns a value inside the stated range or throws
 * `InvalidArgumentError` naming the provider, the option, what was expected and what was
 * given; unknown option names are rejected (a misspelt option never silently falls back to
 * its default).
 */
import { InvalidArgumentError } from '../errors.js';
import type { EmbedderOptions } from './provider.js';

type OptionValue = EmbedderOptions[string];

/** Throws unless every key of `options` is one of `known`. */
export function checkOptionNames(provider: string, options: EmbedderOptions, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`${provider}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(
        `${provider}: unknown option '${key}'; expected one of ${known.join(', ')}`,
      );
    }
  }
}

/** `options[key]` as an integer in [lo, hi], or `fallback` when absent (undefined or null). */
export function integerOption(
  provider: string,
  options: EmbedderOptions,
  key: string,
  fallback: number,
  lo: number,
  hi: number,
): number {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be an integer in [${lo}, ${hi}], got ${describe(v)}`,
    );
  }
  return v;
}

/**
 * `options[key]` as `length` integers in [lo, hi]: an array of that length, or one number
 * standing for all of them; `fallback` when absent.
 */
export function integerTupleOption(
  provider: string,
  options: EmbedderOptions,
  key: string,
  fallback: readonly number[],
  lo: number,
  hi: number,
): number[] {
  const v = options[key];
  if (v === undefined || v === null) return [...fallback];
  const values = typeof v === 'number' ? fallback.map(() => v) : v;
  const ok =
    Array.isArray(values) &&
    values.length === fallback.length &&
    values.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi);
  if (!ok) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be an integer in [${lo}, ${hi}] or ${fallback.length} of them, got ${describe(v)}`,
    );
  }
  return values as number[];
}

/** `options[key]` as one of `choices`, or `fallback` when absent. */
export function choiceOption<T extends string>(
  provider: string,
  options: EmbedderOptions,
  key: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be one of ${choices.join(', ')}, got ${describe(v)}`,
    );
  }
  return v as T;
}

/** `options[key]` as a boolean, or `fallback` when absent. */
export function booleanOption(
  provider: string,
  options: EmbedderOptions,
  key: string,
  fallback: boolean,
): boolean {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') {
    throw new InvalidArgumentError(`${provider}: option '${key}' must be true or false, got ${describe(v)}`);
  }
  return v;
}

/** `options[key]` as a non-empty string, or undefined when absent. */
export function stringOption(provider: string, options: EmbedderOptions, key: string): string | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be a non-empty string, got ${describe(v)}`,
    );
  }
  return v;
}

function describe(v: OptionValue | unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map((x) => describe(x)).join(', ')}]`;
  return v === null ? 'null' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}
