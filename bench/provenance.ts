/**
 * Provenance stamps of `docs/benchmarks.md`'s sections: which commit a section's numbers were
 * produced from, and a hash of its inputs (the files `bench/sections.ts` lists for it) as
 * they were then, so that a test can tell when the code a section measures has changed since.
 *
 * A stamp is two lines at the end of a section: a sentence for readers, then an HTML comment
 * holding the same facts as JSON for the test:
 *
 *     _Provenance: produced from commit `b84f8a1` by `…`; inputs: … (sha256 `0f3a…`)._
 *     <!-- stamp: {"commit":"b84f8a1…","inputs":"0f3a…"} -->
 *
 * Invariants:
 * - `inputs` is `hashInputs` of the section's input files at `commit` (plus the working
 *   tree's uncommitted changes when `uncommitted` is true): a SHA-256 over the sorted
 *   repository-relative paths and the bytes of each file, so the same files give the same
 *   hash whether read from the working tree or from git.
 * - `changedSince`, when present, says that the inputs changed after `commit` without a
 *   rerun, and which files; the section's numbers are still those of `commit`, and the
 *   sentence says so. The test accepts the inputs as they were then (`changedSince.inputs`),
 *   and fails again at the next change.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rerunCommand, type SectionSpec } from './sections.js';

/** A section's stamp, as the HTML comment holds it. */
export interface Stamp {
  /** Full hash of the commit the numbers were produced from. */
  commit: string;
  /** `hashInputs` of the section's inputs as measured. */
  inputs: string;
  /** The run had uncommitted changes to its inputs on top of `commit`. */
  uncommitted?: boolean;
  /** Inputs that changed after `commit` without a rerun, acknowledged at `commit` (full hash) with hash `inputs`. */
  changedSince?: { commit: string; inputs: string; files: string[] };
  /** How the run went, when run-all produced the section (absent for a section stamped after the fact). */
  run?: RunFacts;
}

/** The run that produced a section. */
export interface RunFacts {
  command: string;
  date: string;
  minutes: number;
  /** The 1-minute load average just before and just after the run, and the number of cores. */
  load: { before: number; after: number; cores: number };
}

/** One file: its repository-relative path (with `/`) and its bytes. */
export interface InputFile {
  path: string;
  bytes: Uint8Array;
}

const STAMP_LINE = /^<!-- stamp: (\{.*\}) -->$/m;
const PROVENANCE_PREFIX = '_Provenance:';

/** The nearest ancestor of this file holding a `package.json` (this file runs from `dist/bench/`). */
export function repositoryRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${start}`);
}

/** SHA-256 (hex) of `files` in path order: for each, its path, its length and its bytes. */
export function hashInputs(files: readonly InputFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${file.bytes.byteLength}\0`);
    hash.update(file.bytes);
  }
  return hash.digest('hex');
}

/** Whether the repository-relative `path` is one of `spec`'s inputs. */
export function isInput(spec: SectionSpec, path: string): boolean {
  const included = spec.inputs.some((input) =>
    input.endsWith('/') ? path.startsWith(input) : path === input,
  );
  return included && !(spec.exclude ?? []).some((x) => (x.endsWith('/') ? path.startsWith(x) : path === x));
}

/** Repository-relative paths of the files under `dir` (relative to `root`), recursively. */
function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory()) out.push(...walk(root, `${path}/`));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** `spec`'s input files as they are in the working tree under `root` (missing inputs are skipped). */
export function workingTreeInputs(spec: SectionSpec, root = repositoryRoot()): InputFile[] {
  const paths = spec.inputs.flatMap((input) => {
    if (!existsSync(join(root, input))) return [];
    return input.endsWith('/') ? walk(root, input) : statSync(join(root, input)).isFile() ? [input] : [];
  });
  return [...new Set(paths)]
    .filter((path) => isInput(spec, path))
    .map((path) => ({ path, bytes: readFileSync(join(root, path)) }));
}

function git(root: string, args: readonly string[]): Buffer {
  return execFileSync('git', ['-C', root, ...args], {
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The full hash of `rev`. */
export function resolveCommit(rev: string, root = repositoryRoot()): string {
  return git(root, ['rev-parse', '--verify', `${rev}^{commit}`])
    .toString('utf8')
    .trim();
}

/** `spec`'s input files as they were at `commit` (inputs absent then are skipped). */
export function inputsAtCommit(spec: SectionSpec, commit: string, root = repositoryRoot()): InputFile[] {
  const listed = git(root, ['ls-tree', '-r', '-z', '--name-only', commit, '--', ...spec.inputs])
    .toString('utf8')
    .split('\0')
    .filter((path) => path !== '' && isInput(spec, path));
  return listed.map((path) => ({ path, bytes: git(root, ['show', `${commit}:${path}`]) }));
}

/** Inputs of `spec` that differ between `commit` and the working tree (tracked and untracked), sorted. */
export function changedInputs(spec: SectionSpec, commit: string, root = repositoryRoot()): string[] {
  const diff = git(root, ['diff', '--name-only', '-z', commit, '--', ...spec.inputs])
    .toString('utf8')
    .split('\0');
  const untracked = git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--', ...spec.inputs])
    .toString('utf8')
    .split('\0');
  return [...new Set([...diff, ...untracked])].filter((path) => path !== '' && isInput(spec, path)).sort();
}

/** The stamp of a run of `spec` on the working tree as it is now. */
export function stampForWorkingTree(spec: SectionSpec, root = repositoryRoot()): Stamp {
  const commit = resolveCommit('HEAD', root);
  const uncommitted = changedInputs(spec, commit, root).length > 0;
  return {
    commit,
    inputs: hashInputs(workingTreeInputs(spec, root)),
    ...(uncommitted ? { uncommitted: true } : {}),
  };
}

/** The stamp a section holds, or undefined when it has none. @throws Error when its JSON is malformed. */
export function parseStamp(section: string): Stamp | undefined {
  const match = STAMP_LINE.exec(section);
  if (!match) return undefined;
  const value = JSON.parse(match[1]) as Partial<Stamp>;
  if (typeof value.commit !== 'string' || typeof value.inputs !== 'string') {
    throw new Error(`stamp without commit and inputs: ${match[1]}`);
  }
  return value as Stamp;
}

const short = (hash: string) => hash.slice(0, 7);

/** The inputs of `spec` as a reader reads them: the files and folders, then the exclusions. */
export function describeInputs(spec: SectionSpec): string {
  const excluded = spec.exclude?.length ? ` (not ${spec.exclude.join(', ')})` : '';
  return `${spec.inputs.join(', ')}${excluded}`;
}

/** `files` for a reader: all of them when few, else their folders with a count each. */
function describeFiles(files: readonly string[]): string {
  if (files.length <= 12) return files.join(', ');
  const folders = new Map<string, number>();
  for (const file of files) {
    const folder = file.slice(0, file.lastIndexOf('/') + 1);
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  return [...folders].map(([folder, count]) => `${folder} (${count})`).join(', ');
}

/** The two stamp lines: a sentence for readers, then the comment the test reads. */
export function renderStamp(spec: SectionSpec, stamp: Stamp): string {
  const from = `commit \`${short(stamp.commit)}\`${stamp.uncommitted ? ' with uncommitted changes to its inputs (committed with these results)' : ''}`;
  const { run } = stamp;
  const how = run
    ? ` by \`${run.command}\` on ${run.date} in ${run.minutes.toFixed(1)} min ` +
      `(1-minute load average ${run.load.before.toFixed(1)} before, ${run.load.after.toFixed(1)} after, on ${run.load.cores} cores)`
    : '';
  const sentences = [
    `${PROVENANCE_PREFIX} produced from ${from}${how}; its inputs — ${describeInputs(spec)} — hash to \`${stamp.inputs.slice(0, 12)}\`.`,
  ];
  if (stamp.changedSince) {
    const { commit, files } = stamp.changedSince;
    sentences.push(
      `Not rerun after ${files.length} of its input files changed (as of commit \`${short(commit)}\`: ${describeFiles(files)}): ` +
        `the numbers are those of commit \`${short(stamp.commit)}\`; rerun with \`${rerunCommand(spec)}\` (about ${spec.minutes} min).`,
    );
  }
  return `${sentences.join(' ')}_\n<!-- stamp: ${JSON.stringify(stamp)} -->`;
}

/** `section` without its stamp lines (the provenance sentence and the comment). */
export function withoutStamp(section: string): string {
  return section
    .split('\n')
    .filter((line) => !line.startsWith(PROVENANCE_PREFIX) && !STAMP_LINE.test(line))
    .join('\n')
    .trimEnd();
}

/** `section` ending with the given stamp (any previous stamp removed). */
export function stampSection(section: string, spec: SectionSpec, stamp: Stamp): string {
  return `${withoutStamp(section)}\n\n${renderStamp(spec, stamp)}`;
}
