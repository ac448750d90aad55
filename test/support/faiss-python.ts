/**
 * Python FAISS and hnswlib (Debian's python3-faiss, python3-hnswlib) in a subprocess, for
 * the interoperability tests. `FAISS_PYTHON` is the first of `python3`, `/usr/bin/python3`
 * that imports faiss (a pyenv `python3` may shadow Debian's); tests skip with
 * `FAISS_SKIP` as the reason when none does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../test/support/faiss_ref.py', import.meta.url));

function findPython(module: string): string | undefined {
  for (const exe of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(exe, ['-c', `import ${module}`], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return undefined;
}

export const FAISS_PYTHON = findPython('faiss, numpy');
export const FAISS_SKIP = FAISS_PYTHON
  ? false
  : 'python3-faiss is not importable (apt-get install -y python3-faiss)';
export const HNSWLIB_PYTHON = findPython('hnswlib, numpy');
export const HNSWLIB_SKIP = HNSWLIB_PYTHON
  ? false
  : 'python3-hnswlib is not importable (apt-get install -y python3-hnswlib)';

export interface FaissInfo {
  class: string;
  d: number;
  ntotal: number;
  metric: number;
  is_trained: boolean;
}

/** Runs operations of `faiss_ref.py` in one Python process (one import of faiss). */
export function runFaissBatch(cmds: Record<string, unknown>[]): FaissInfo[] {
  const out = execFileSync(FAISS_PYTHON as string, [SCRIPT, JSON.stringify(cmds)], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as FaissInfo);
}

/** A `search` operation for `runFaissBatch` and where its results will be. */
export function searchOp(
  scratch: ScratchDir,
  index: string,
  d: number,
  queries: string,
  k: number,
  params: { nprobe?: number; efSearch?: number } = {},
): { op: Record<string, unknown>; results: () => { distances: Float32Array; labels: BigInt64Array } } {
  const outD = scratch.path(`D${Math.random().toString(36).slice(2)}`);
  const outI = scratch.path(`I${Math.random().toString(36).slice(2)}`);
  return {
    op: { op: 'search', index, d, queries, k, ...params, outD, outI },
    results: () => ({ distances: scratch.readF32(outD), labels: scratch.readI64(outI) }),
  };
}

/** A temporary folder for the files exchanged with Python. */
export class ScratchDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'quiver-faiss-'));
  private n = 0;

  path(name: string): string {
    return join(this.dir, name);
  }

  writeF32(data: Float32Array): string {
    const p = this.path(`v${this.n++}.f32`);
    writeFileSync(p, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return p;
  }

  writeI64(data: BigInt64Array): string {
    const p = this.path(`i${this.n++}.i64`);
    writeFileSync(p, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return p;
  }

  readF32(path: string): Float32Array {
    const b = readFileSync(path);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  readI64(path: string): BigInt64Array {
    const b = readFileSync(path);
    return new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  readU64(path: string): BigUint64Array {
    const b = readFileSync(path);
    return new BigUint64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
