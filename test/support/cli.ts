/**
 * Runs the `quiver` command line as a child process (`node bin/quiver.js`) for CLI tests,
 * with stdin a pipe (not a terminal), and asserts on its exit code and output. Needs a
 * build (`dist/`), as `npm test` does.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/quiver.js, found from dist/test/support/cli.js. */
const BIN = fileURLToPath(new URL('../../../bin/quiver.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface QuiverRunner {
  /** Runs `quiver [--data <data>] …args`; `env` is added to the environment (without `QUIVER_DATA`). */
  run(args: string[], env?: NodeJS.ProcessEnv, withData?: boolean): Promise<RunResult>;
  /** Asserts a successful run and returns its stdout. */
  ok(args: string[]): Promise<string>;
  /** Asserts exit code `code` and an `error: …` message matching `pattern`, without a stack trace. */
  fails(args: string[], code: 1 | 2, pattern: RegExp): Promise<void>;
}

/** A runner whose commands use the database folder `data()` (read at each run). */
export function quiverRunner(data: () => string): QuiverRunner {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}, withData = true): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...(withData ? ['--data', data()] : []), ...args], {
        env: { ...process.env, QUIVER_DATA: undefined, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end();
    });
  return {
    run,
    ok: async (args) => {
      const result = await run(args);
      assert.equal(result.code, 0, `quiver ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    },
    fails: async (args, code, pattern) => {
      const result = await run(args);
      assert.equal(
        result.code,
        code,
        `quiver ${args.join(' ')}: stdout ${result.stdout} stderr ${result.stderr}`,
      );
      assert.match(result.stderr, /^error: /);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    },
  };
}
