/**
 * Encryption at rest from the command line: `--encryption-key-file` creates and opens an
 * encrypted database (exit 1 with a clear message without it, with another key, or with a
 * file that is not 64 hex characters); `rotate-key` re-encrypts under `--new-key-file`;
 * `quiver serve` takes the key from the option or from its config file's
 * `encryptionKeyFile`, and the points written over REST are nowhere on disk in clear.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { quiverRunner } from './support/cli.js';
import { clearBytes, KEY_A, KEY_B } from './support/encryption-data.js';
import { purgeSecret, purgeVector } from './support/purge-data.js';
import { tempDir } from './support/reference.js';

const BIN = fileURLToPath(new URL('../../bin/quiver.js', import.meta.url));

/** Starts `quiver --data <dir> …args serve --port 0`; resolves with the child and its URL. */
function serve(
  dir: string,
  args: string[],
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--data', dir, 'serve', '--port', '0', ...args], {
      env: { ...process.env, QUIVER_API_KEY: undefined, QUIVER_READ_ONLY_API_KEYS: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.stdout?.on('data', (d) => {
      stdout += d;
      const match = /at (http:\/\/[^\s]+) /.exec(stdout);
      if (match) resolve({ child, url: match[1], exited });
    });
    child.on('error', reject);
    exited.then((code) => reject(new Error(`quiver serve exited early (${code}): ${stderr}`)));
  });
}

async function rest(url: string, method: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return (json as { result: unknown }).result;
}

describe('encryption at rest from the command line', () => {
  const dir = tempDir('quiver-enc-cli-');
  const keyA = join(dir.path, 'a.key');
  const keyB = join(dir.path, 'b.key');
  const bad = join(dir.path, 'bad.key');
  writeFileSync(keyA, `${KEY_A}\n`);
  writeFileSync(keyB, KEY_B.toUpperCase());
  writeFileSync(bad, 'not a key');
  let data = join(dir.path, 'db');
  const cli = quiverRunner(() => data);
  after(() => dir.cleanup());

  test('create, open, refuse, rotate', async () => {
    await cli.ok(['--encryption-key-file', keyA, 'create', 'faces', '--dim', '8']);
    await cli.fails(['info'], 1, /the database is encrypted; open it with its encryptionKey/);
    await cli.fails(['--encryption-key-file', keyB, 'info'], 1, /does not match/);
    await cli.fails(['--encryption-key-file', bad, 'info'], 1, /expected 64 hex characters/);
    assert.match(await cli.ok(['--encryption-key-file', keyA, 'info']), /faces/);
    const env = await cli.run(['info'], { QUIVER_ENCRYPTION_KEY_FILE: keyA });
    assert.equal(env.code, 0, env.stderr);
    assert.match(
      await cli.ok(['--encryption-key-file', keyA, 'rotate-key', '--new-key-file', keyB]),
      /re-encrypted/,
    );
    await cli.fails(['--encryption-key-file', keyA, 'info'], 1, /does not match/);
    assert.match(await cli.ok(['--encryption-key-file', keyB, 'info']), /faces/);
  });

  test('serve with --encryption-key-file, then with the config file: REST writes are encrypted at rest', async () => {
    data = join(dir.path, 'served');
    const first = await serve(data, ['--encryption-key-file', keyA]);
    try {
      await rest(first.url, 'PUT', '/collections/faces', { vectors: { size: 8, distance: 'Euclid' } });
      const points = [1, 2, 3].map((i) => ({
        id: i,
        vector: purgeVector(i),
        payload: { secret: purgeSecret(i) },
      }));
      await rest(first.url, 'PUT', '/collections/faces/points?wait=true', { points });
      assert.deepEqual(clearBytes(data, [1, 2, 3]), []);
    } finally {
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);
    }
    const config = join(dir.path, 'server.json');
    writeFileSync(config, JSON.stringify({ encryptionKeyFile: keyA }));
    const second = await serve(data, ['--config', config]);
    try {
      const hits = (await rest(second.url, 'POST', '/collections/faces/points/search', {
        vector: purgeVector(2),
        limit: 1,
        with_payload: true,
      })) as { id: number; payload: { secret: string } }[];
      assert.equal(hits[0].id, 2);
      assert.equal(hits[0].payload.secret, purgeSecret(2));
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
    assert.deepEqual(clearBytes(data, [1, 2, 3]), []);
    await cli.fails(['info'], 1, /encrypted/);
  });
});
