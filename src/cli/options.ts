/**
 * Option-value parsers for commander. They throw commander's `InvalidArgumentError`, so a bad
 * value is a usage error (exit code 2) reported by commander as
 * `error: option '--k <n>' argument 'x' is invalid. <reason>`. `usageError` does the same for
 * a combination of options that no single parser can check.
 */
import { type Command, InvalidArgumentError as OptionValueError } from 'commander';

export { METRICS } from '../db/metric.js';

/** A parser for integers ≥ `min` (decimal digits only: `1e3` and `0x10` are refused). */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new OptionValueError(`expected an integer ≥ ${min}`);
    return n;
  };
}

/** Parses a JSON array of finite numbers, e.g. `[0.1, 0.2, 0.3]`. */
export function parseVector(value: string): number[] {
  const parsed = parseJson(value);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === 'number')) {
    throw new OptionValueError('expected a non-empty JSON array of numbers, e.g. [0.1, 0.2, 0.3]');
  }
  return parsed;
}

/** Parses a JSON object (the filter language is validated by the engine, not here). */
export function parseJsonObject(value: string): Record<string, unknown> {
  const parsed = parseJson(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OptionValueError('expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new OptionValueError(`invalid JSON (${(error as Error).message})`);
  }
}

/** Reports a usage error like commander's own (`error: …` on stderr, exit code 2) and stops the command. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: 2, code: 'quiver.usage' });
}
