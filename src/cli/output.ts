/**
 * What the CLI prints: aligned tables and key/value lists on stdout, and errors on stderr as
 * `error: <message>`. Results go to stdout and diagnostics to stderr, so `quiver search … --json | jq`
 * sees only JSON.
 */
import { CommanderError } from 'commander';
import type { Hit, HitGroup } from '../db/types.js';
import { QuiverError } from '../errors.js';

/** A column of a table: its header and whether values are right-aligned (numbers). */
export interface Column {
  header: string;
  alignRight?: boolean;
}

/**
 * Renders rows as a table with a header line, columns separated by two spaces. The last
 * column is not padded, so long payloads do not leave trailing blanks.
 */
export function formatTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, c) =>
    Math.max(column.header.length, ...rows.map((row) => row[c].length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => {
        if (c === cells.length - 1 && !columns[c].alignRight) return cell;
        return columns[c].alignRight ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
      })
      .join('  ');
  return [line(columns.map((column) => column.header)), ...rows.map(line)].join('\n') + '\n';
}

/** Renders `key value` lines with the values aligned. */
export function formatKeyValues(entries: [string, string][]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n') + '\n';
}

/** A score with 6 significant digits (`0.123457`, `42`, `1.5e-7`). */
export function formatScore(score: number): string {
  return String(Number(score.toPrecision(6)));
}

/** Hits as a table: rank, id, score, and the payload when asked for. */
export function hitTable(hits: Hit[], withPayload: boolean): string {
  return formatTable(
    hitColumns([], withPayload),
    hits.map((hit, i) => hitRow([], hit, i, withPayload)),
  );
}

/** Groups of hits as one table: each row is a hit, led by its group's value. */
export function groupTable(groups: HitGroup[], withPayload: boolean): string {
  const rows = groups.flatMap((g) => g.hits.map((hit, i) => hitRow([String(g.group)], hit, i, withPayload)));
  return formatTable(hitColumns([{ header: 'group' }], withPayload), rows);
}

/** Hits as printed by `--json`: id, score and payload (vectors are left out). */
export function jsonHits(hits: Hit[]): unknown[] {
  return hits.map(({ id, score, payload, explain }) => ({ id, score, payload, explain }));
}

function hitColumns(lead: Column[], withPayload: boolean): Column[] {
  const columns: Column[] = [
    ...lead,
    { header: 'rank', alignRight: true },
    { header: 'id' },
    { header: 'score', alignRight: true },
  ];
  if (withPayload) columns.push({ header: 'payload' });
  return columns;
}

function hitRow(lead: string[], hit: Hit, i: number, withPayload: boolean): string[] {
  const row = [...lead, String(i + 1), String(hit.id), formatScore(hit.score)];
  if (withPayload) row.push(hit.payload === undefined ? '' : JSON.stringify(hit.payload));
  return row;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Reports an error thrown by a command and returns the process exit code:
 * - commander's own errors (usage, `--help`, `--version`) were already printed by commander:
 *   0 for help/version, 2 for usage errors;
 * - a `QuiverError` (including bad files) or a system error (file not found, permission
 *   denied): `error: <message>` without a stack trace, exit code 1; a system error's message
 *   is the path it concerns and the reason in words (`error: points.jsonl: no such file or
 *   folder`), not Node's `ENOENT: …, open 'points.jsonl'`;
 * - anything else is a bug: `error: <stack>`, exit code 1.
 */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof QuiverError) {
    process.stderr.write(`error: ${error.message}\n`);
  } else if (isSystemError(error)) {
    process.stderr.write(`error: ${systemErrorMessage(error)}\n`);
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  return 1;
}

/** Reasons, in words, for the system errors a command meets when it opens a file or folder. */
const SYSTEM_ERROR_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of this path is not a folder',
  EADDRINUSE: 'address already in use',
};

/** `<path>: <reason>` for the errors above (Node's own message otherwise). */
export function systemErrorMessage(error: NodeJS.ErrnoException): string {
  const reason = error.code === undefined ? undefined : SYSTEM_ERROR_REASONS[error.code];
  if (reason === undefined) return error.message;
  if (error.path !== undefined) return `${error.path}: ${reason}`;
  const address = (error as { address?: string; port?: number }).address;
  const port = (error as { port?: number }).port;
  return address === undefined ? `${reason} (${error.code})` : `${address}:${port}: ${reason}`;
}

/** An error from Node's fs/os layer (ENOENT, EACCES, EISDIR…): it has a `syscall` and a string `code`. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error
  );
}
