/**
 * How the scale children talk to the parent: their arguments come as one JSON argument,
 * progress goes to stderr, and the result is one JSON line on stdout.
 */
import { readFileSync } from 'node:fs';
import { collectGarbage } from '../ann/measure.js';

export interface ChildArgs {
  /** `load`: one more round of the load measurement (Quiver's side only). */
  phase: 'build' | 'measure' | 'load';
  /** For `load`: time the `dd`s before the load (else after). */
  ddFirst?: boolean;
  /** The case's folder for this side (database, index file, state). */
  dir: string;
  dataDir: string;
  count: number;
  dimension: number;
  queryCount: number;
  onDisk: boolean;
}

export function childArgs(): ChildArgs {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('usage: <child>.js <json arguments>');
  return JSON.parse(raw) as ChildArgs;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function reply(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Resident set size after two full collections, in bytes. */
export function settledRss(): number {
  collectGarbage();
  return process.memoryUsage.rss();
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
