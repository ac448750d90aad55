/**
 * Starting a measuring child process (a Node worker or the FAISS Python runner) and reading
 * the ids file it wrote. The child's stdout is inherited and its stderr passed through, so
 * its progress lines appear as they come; a failure rejects with the last lines of stderr.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs `cmd args`; resolves when it exits with 0, rejects naming `what` and its stderr tail otherwise. */
export function runChildProcess(cmd: string, args: readonly string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve();
        return;
      }
      const last = tail.trim().split('\n').slice(-3).join(' / ');
      reject(new Error(`${cmd} ${what} exited with ${signal ?? `code ${code}`}: ${last}`));
    });
  });
}

/** A raw little-endian i32 file as an `Int32Array` that owns its buffer. */
export function readIds(file: string): Int32Array {
  const bytes = readFileSync(file);
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
