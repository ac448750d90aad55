/**
 * Every code block of README.md runs as written (issue 14, item 12): a failure names the
 * block by its line in README.md.
 *
 * What runs, and how:
 * - every ```ts block. All of them are type-checked together (strict, as this project's
 *   tsconfig), then each is transpiled to an ES module and run by `node` in its own empty temp
 *   folder, so `./quiver-data` starts empty. That folder's `node_modules/quiverdb` links to
 *   this checkout, so `from 'quiverdb'` (and `quiverdb/client`, `quiverdb/embed`) resolves
 *   through package.json's `exports` to the built `dist/`, as in a project that installed it.
 *   Files a block opens (`./cat.jpg`, `./dog.png`, `./query.jpg`) are copied there first from
 *   face-api's sample photos. A block is self-contained: it defines what it uses.
 * - ```sh blocks whose every command is `quiver …`, `curl …` or `echo …`: run by bash
 *   (`set -euo pipefail`) in an empty temp folder, with a `quiver` command on PATH
 *   (`node bin/quiver.js`).
 * - ```json blocks: parsed, and accepted by the server's config loader.
 * - `localhost:6333` / `127.0.0.1:6333` in a block are replaced by a server this test starts
 *   on a free loopback port for that block (a fixed port may be taken on a shared machine).
 *
 * What does not run: ```sh blocks with an `npm` command (install, build, demos, the test suite
 * and the benchmarks take minutes to hours, and the suite runs this very test) or a
 * `quiver … serve` (it runs until stopped; the server is tested in server-*.test.ts), and
 * plain ``` blocks, which are synopses rather than code. The test lists them and checks that
 * nothing else is left out.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { loadSettings } from '../src/server/config.js';
import { startTestServer, type TestServer } from './support/server.js';

/** The checkout's root, found from dist/test/readme.test.js. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = join(ROOT, 'README.md');

/** One fenced block: its language tag, the 1-based line of its opening fence, its text. */
interface Block {
  lang: string;
  line: number;
  code: string;
}

/** The fenced blocks of a Markdown text (fences at the start of a line, not nested). */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { lang: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (open === undefined) {
      const fence = /^```(\w*)\s*$/.exec(text);
      if (fence) open = { lang: fence[1], line: i + 1, lines: [] };
    } else if (/^```\s*$/.test(text)) {
      blocks.push({ lang: open.lang, line: open.line, code: open.lines.join('\n') + '\n' });
      open = undefined;
    } else {
      open.lines.push(text);
    }
  });
  assert.equal(open, undefined, `README.md:${open?.line}: a code block is never closed`);
  return blocks;
}

/** Why an sh block is not run, or undefined when it is. */
function skipReason(block: Block): string | undefined {
  const commands = block.code
    .split('\n')
    .map((line) => line.trim())
    .filter((line, i, all) => line !== '' && !line.startsWith('#') && !all[i - 1]?.endsWith('\\'));
  if (commands.some((c) => /^npm\b/.test(c))) return 'npm: installs, builds, the test suite or benchmarks';
  if (commands.some((c) => /^quiver\b.*\b(serve|worker)\b/.test(c)))
    return 'quiver serve and worker run until stopped';
  const other = commands.find((c) => !/^(quiver|curl|echo)\s/.test(c));
  return other === undefined ? undefined : `unknown command: ${other}`;
}

/** `localhost:6333` and `127.0.0.1:6333` pointed at `url`'s host and port. */
function withServer(code: string, url: string): string {
  return code.replace(/\b(localhost|127\.0\.0\.1):6333\b/g, new URL(url).host);
}

const usesServer = (code: string) => /\b(localhost|127\.0\.0\.1):6333\b/.test(code);

/** Sample files copied into a block's folder when the block names them. */
const FIXTURES: Record<string, string> = {
  'cat.jpg': 'node_modules/@vladmandic/face-api/demo/sample1.jpg',
  'dog.png': 'node_modules/@vladmandic/face-api/demo/facemesh.png',
  'query.jpg': 'node_modules/@vladmandic/face-api/demo/sample2.jpg',
};

/** A fresh folder for a block: `node_modules/quiverdb` → this checkout, and the fixtures it names. */
function blockFolder(parent: string, block: Block): string {
  const dir = join(parent, `line-${block.line}`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'quiverdb'), 'dir');
  for (const [name, source] of Object.entries(FIXTURES)) {
    if (block.code.includes(`./${name}`)) copyFileSync(join(ROOT, source), join(dir, name));
  }
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment of a block: no database folder or API key from this process's. */
function blockEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.QUIVER_DATA;
  delete env.QUIVER_API_KEY;
  delete env.QUIVER_READ_ONLY_API_KEYS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Runs `body` with a server when `code` names one, passing the code pointed at it. */
async function maybeWithServer<T>(code: string, body: (code: string) => Promise<T>): Promise<T> {
  if (!usesServer(code)) return body(code);
  const server: TestServer = await startTestServer();
  try {
    return await body(withServer(code, server.url));
  } finally {
    await server.stop();
  }
}

const blocks = fencedBlocks(readFileSync(README, 'utf8'));
const tsBlocks = blocks.filter((b) => b.lang === 'ts');

describe('README.md code blocks', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'quiver-readme-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the blocks are the kinds this test knows, and it runs all but npm and serve', (t) => {
    assert.ok(tsBlocks.length >= 10, `${tsBlocks.length} ts blocks`);
    for (const block of blocks) {
      assert.ok(
        ['ts', 'sh', 'json', ''].includes(block.lang),
        `README.md:${block.line}: a block of kind '${block.lang}' that this test does not run`,
      );
      if (block.lang !== 'sh') continue;
      const reason = skipReason(block);
      assert.ok(
        reason === undefined || !reason.startsWith('unknown'),
        `README.md:${block.line}: ${reason} (run it here, or say why not)`,
      );
      if (reason !== undefined) t.diagnostic(`README.md:${block.line}: not run (${reason})`);
    }
    assert.ok(blocks.filter((b) => b.lang === 'sh' && skipReason(b) === undefined).length >= 2);
  });

  test('the ts blocks type-check (strict)', () => {
    const dir = join(work, 'typecheck');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'quiverdb'), 'dir');
    const files = new Map<string, Block>();
    for (const block of tsBlocks) {
      const file = join(dir, `readme-line-${block.line}.mts`);
      writeFileSync(file, block.code);
      files.set(file, block);
    }
    const program = ts.createProgram([...files.keys()], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const block = d.file === undefined ? undefined : files.get(d.file.fileName);
      if (d.file === undefined || block === undefined || d.start === undefined) return message;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `README.md:${block.line + 1 + line}: ${message}`;
    });
    assert.deepEqual(problems, []);
  });

  for (const block of tsBlocks) {
    test(`README.md:${block.line} (ts) runs`, { timeout: 300_000 }, async () => {
      const dir = blockFolder(work, block);
      await maybeWithServer(block.code, async (code) => {
        const js = ts.transpileModule(code, {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
        }).outputText;
        writeFileSync(join(dir, 'block.mjs'), js);
        const result = await run(process.execPath, ['block.mjs'], dir, blockEnv());
        assert.equal(
          result.code,
          0,
          `README.md:${block.line}: the ts block failed (exit ${result.code}):\n${result.stderr}`,
        );
      });
    });
  }

  for (const block of blocks.filter((b) => b.lang === 'sh' && skipReason(b) === undefined)) {
    test(`README.md:${block.line} (sh) runs`, { timeout: 300_000 }, async () => {
      const dir = blockFolder(work, block);
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'quiver'),
        `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'quiver.js')}" "$@"\n`,
      );
      chmodSync(join(bin, 'quiver'), 0o755);
      await maybeWithServer(block.code, async (code) => {
        const env = blockEnv({ PATH: `${bin}:${process.env.PATH}` });
        const result = await run('bash', ['-c', `set -euo pipefail\n${code}`], dir, env);
        const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
        assert.equal(
          result.code,
          0,
          `README.md:${block.line}: the sh block failed (exit ${result.code}):\n${output}`,
        );
        // curl exits 0 on HTTP errors: the server's error shape must not appear.
        assert.doesNotMatch(
          result.stdout,
          /"error"\s*:/,
          `README.md:${block.line}: a request failed:\n${output}`,
        );
        assert.doesNotMatch(
          result.stderr,
          /^error:/m,
          `README.md:${block.line}: a command failed:\n${output}`,
        );
      });
    });
  }

  for (const block of blocks.filter((b) => b.lang === 'json')) {
    test(`README.md:${block.line} (json) is a config file the server accepts`, async () => {
      const file = join(work, `config-line-${block.line}.json`);
      writeFileSync(file, block.code);
      const settings = await loadSettings(file, {});
      assert.ok(settings.keys.admin.length > 0, `README.md:${block.line}: no admin key read`);
    });
  }
});
