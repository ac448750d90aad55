import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { test } from 'node:test';
import { readSections } from '../bench/doc-sections.js';
import { fashionMnistFiles, missingFashionMnist } from '../bench/prerequisites.js';
import {
  hashInputs,
  isInput,
  parseStamp,
  renderStamp,
  repositoryRoot,
  type Stamp,
  stampSection,
  withoutStamp,
  workingTreeInputs,
} from '../bench/provenance.js';
import { rerunCommand, SECTIONS, type SectionSpec } from '../bench/sections.js';

const root = repositoryRoot();
const bytes = (text: string) => new TextEncoder().encode(text);

test('every section of docs/benchmarks.md was produced from the code its inputs hold now', () => {
  const sections = readSections(readFileSync(join(root, 'docs', 'benchmarks.md'), 'utf8'));
  const stale: string[] = [];
  for (const spec of SECTIONS) {
    const section = sections.get(spec.name);
    if (section === undefined) {
      stale.push(`section '${spec.name}' is missing; produce it: ${rerunCommand(spec)}`);
      continue;
    }
    const stamp = parseStamp(section);
    if (stamp === undefined) {
      stale.push(
        `section '${spec.name}' has no provenance stamp; rerun it (${rerunCommand(spec)}), or stamp it with the ` +
          `commit that produced it: node dist/bench/stamp.js ${spec.name} --commit <rev>`,
      );
      continue;
    }
    const now = hashInputs(workingTreeInputs(spec, root));
    if (now !== stamp.inputs && now !== stamp.changedSince?.inputs) {
      stale.push(
        `section '${spec.name}' was produced from commit ${stamp.commit.slice(0, 7)} and its inputs have changed ` +
          `since (${spec.inputs.join(', ')}); rerun it: ${rerunCommand(spec)} (about ${spec.minutes} min), or ` +
          `record the change in the section when it cannot be rerun now: ` +
          `node dist/bench/stamp.js ${spec.name} --commit ${stamp.commit.slice(0, 7)} --accept-changes`,
      );
    }
  }
  assert.deepEqual(stale, []);
});

test('every declared input and exclusion exists', () => {
  for (const spec of SECTIONS) {
    for (const input of spec.inputs) {
      const files = workingTreeInputs({ ...spec, inputs: [input], exclude: [] }, root);
      assert.ok(files.length > 0, `section '${spec.name}': input ${input} holds no file`);
    }
    for (const excluded of spec.exclude ?? []) {
      assert.ok(
        spec.inputs.some((input) => input.endsWith('/') && excluded.startsWith(input)),
        `section '${spec.name}': exclusion ${excluded} is under none of its folder inputs`,
      );
      const files = workingTreeInputs({ ...spec, inputs: [excluded], exclude: [] }, root);
      assert.ok(files.length > 0, `section '${spec.name}': exclusion ${excluded} holds no file`);
    }
  }
});

/** Repository-relative paths that `file`'s relative imports (static, dynamic, re-exports) name, as `.ts` sources. */
function relativeImports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.map((s) => posix.normalize(posix.join(posix.dirname(file), s)).replace(/\.js$/, '.ts'));
}

test("a section's inputs hold everything its bench files import", () => {
  const missing: string[] = [];
  for (const spec of SECTIONS) {
    const benchFiles = workingTreeInputs(spec, root)
      .map((f) => f.path)
      .filter((path) => path.startsWith('bench/') && path.endsWith('.ts'));
    assert.ok(benchFiles.length > 0, `section '${spec.name}' has no bench file`);
    for (const file of benchFiles) {
      for (const imported of relativeImports(file)) {
        if (!isInput(spec, imported)) missing.push(`${spec.name}: ${file} imports ${imported}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

const spec: SectionSpec = {
  name: 'example',
  script: 'example.js',
  minutes: 1,
  inputs: ['bench/example.ts', 'src/engine/'],
  exclude: ['src/engine/unused/', 'src/engine/notes.ts'],
};

test('isInput takes files, folders, and leaves out exclusions', () => {
  assert.equal(isInput(spec, 'bench/example.ts'), true);
  assert.equal(isInput(spec, 'bench/example.tsx'), false);
  assert.equal(isInput(spec, 'src/engine/search.ts'), true);
  assert.equal(isInput(spec, 'src/engine/deep/more.ts'), true);
  assert.equal(isInput(spec, 'src/engine/unused/old.ts'), false);
  assert.equal(isInput(spec, 'src/engine/notes.ts'), false);
  assert.equal(isInput(spec, 'src/other/search.ts'), false);
});

test('hashInputs depends on paths and bytes, not on order', () => {
  const a = { path: 'src/a.ts', bytes: bytes('export const a = 1;\n') };
  const b = { path: 'src/b.ts', bytes: bytes('export const b = 2;\n') };
  assert.equal(hashInputs([a, b]), hashInputs([b, a]));
  assert.match(hashInputs([a, b]), /^[0-9a-f]{64}$/);
  assert.notEqual(hashInputs([a, b]), hashInputs([a, { ...b, bytes: bytes('export const b = 3;\n') }]));
  assert.notEqual(hashInputs([a, b]), hashInputs([a, { ...b, path: 'src/c.ts' }]));
  assert.notEqual(hashInputs([a, b]), hashInputs([a]));
  // A byte moved from one file to the next changes the hash (lengths are part of it).
  const split1 = [
    { path: 'x', bytes: bytes('ab') },
    { path: 'y', bytes: bytes('c') },
  ];
  const split2 = [
    { path: 'x', bytes: bytes('a') },
    { path: 'y', bytes: bytes('bc') },
  ];
  assert.notEqual(hashInputs(split1), hashInputs(split2));
});

test('workingTreeInputs reads files and folders under the root, skipping exclusions and missing inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-provenance-'));
  try {
    for (const [path, text] of [
      ['bench/example.ts', 'bench'],
      ['src/engine/search.ts', 'search'],
      ['src/engine/deep/more.ts', 'more'],
      ['src/engine/unused/old.ts', 'old'],
      ['src/engine/notes.ts', 'notes'],
      ['src/other/x.ts', 'x'],
    ]) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const paths = workingTreeInputs({ ...spec, inputs: [...spec.inputs, 'src/gone/'] }, dir).map(
      (f) => f.path,
    );
    assert.deepEqual(paths.sort(), ['bench/example.ts', 'src/engine/deep/more.ts', 'src/engine/search.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const stamp: Stamp = { commit: 'a'.repeat(40), inputs: 'b'.repeat(64) };

test('a stamp renders as a sentence and a comment, parses back, and replaces an older one', () => {
  const run = {
    command: 'npm run bench',
    date: '2026-12-06T04:00:00.000Z',
    minutes: 2.5,
    load: { before: 3, after: 4, cores: 2 },
  };
  const rendered = renderStamp(spec, { ...stamp, run });
  assert.match(rendered, /^_Provenance: produced from commit `aaaaaaa` by `npm run bench`/);
  assert.match(rendered, /load average 3\.0 before, 4\.0 after, on 2 cores/);
  assert.match(
    rendered,
    /bench\/example\.ts, src\/engine\/ \(not src\/engine\/unused\/, src\/engine\/notes\.ts\)/,
  );
  assert.deepEqual(parseStamp(rendered), { ...stamp, run });

  const body = '## Example\n\n| a | b |\n|---|---|\n| 1 | 2 |';
  const once = stampSection(body, spec, { ...stamp, run });
  assert.equal(withoutStamp(once), body);
  const acknowledged: Stamp = {
    ...stamp,
    changedSince: { commit: 'c'.repeat(40), inputs: 'd'.repeat(64), files: ['src/engine/search.ts'] },
  };
  const twice = stampSection(once, spec, acknowledged);
  assert.deepEqual(parseStamp(twice), acknowledged);
  assert.equal(twice.match(/<!-- stamp:/g)?.length, 1);
  assert.match(
    twice,
    /Not rerun after 1 of its input files changed \(as of commit `ccccccc`: src\/engine\/search\.ts\)/,
  );
  assert.match(twice, /the numbers are those of commit `aaaaaaa`/);
});

test('parseStamp: none, or a malformed one', () => {
  assert.equal(parseStamp('## Example\n\nno stamp here'), undefined);
  assert.throws(() => parseStamp('<!-- stamp: {"commit":"abc"} -->'), /stamp without commit and inputs/);
});

test('missingFashionMnist names the Debian package when files are missing, and nothing when all are there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-fashion-'));
  try {
    const empty = missingFashionMnist(dir);
    assert.ok(empty?.includes(`no files in ${dir}`), empty);
    assert.ok(empty?.includes('apt-get install -y dataset-fashion-mnist'), empty);
    const files = fashionMnistFiles(dir);
    for (const file of files.slice(1)) writeFileSync(file, '');
    const partial = missingFashionMnist(dir);
    assert.ok(partial?.includes(files[0]) && !partial.includes(files[1]), partial);
    writeFileSync(files[0], '');
    assert.equal(missingFashionMnist(dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
