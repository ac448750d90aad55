/**
 * Files for the format tests made by Python (h5py, numpy) in a subprocess: see
 * `ann_files.py`. `H5PY_PYTHON` is the first of `python3`, `/usr/bin/python3` that imports
 * h5py and numpy (a pyenv `python3` may shadow Debian's); tests that need it skip with
 * `H5PY_SKIP` as the reason when none does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../test/support/ann_files.py', import.meta.url));

function findPython(modules: string): string | undefined {
  for (const exe of ['python3', '/usr/bin/python3']) {
    if (spawnSync(exe, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0) return exe;
  }
  return undefined;
}

export const H5PY_PYTHON = findPython('h5py, numpy');
export const H5PY_SKIP = H5PY_PYTHON
  ? false
  : 'python3-h5py is not importable (apt-get install -y python3-h5py)';

/** Writes `values` as raw little-endian float32 to `path`. */
function writeF32(path: string, values: Float32Array): void {
  writeFileSync(path, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

/** Writes an ann-benchmarks HDF5 file with exact neighbors (see ann_files.py). */
export function writeAnnHdf5(
  out: string,
  train: Float32Array,
  test: Float32Array,
  d: number,
  k: number,
  metric: 'euclidean' | 'angular',
): void {
  writeF32(`${out}.train.f32`, train);
  writeF32(`${out}.test.f32`, test);
  const args = ['hdf5', out, `${out}.train.f32`, String(train.length / d), `${out}.test.f32`];
  args.push(String(test.length / d), String(d), String(k), metric);
  execFileSync(H5PY_PYTHON!, [SCRIPT, ...args], { stdio: 'pipe' });
}

/** Writes `np.savez[_compressed](out, vectors=…, ids=arange(n))`. */
export function writeNumpyNpz(out: string, vectors: Float32Array, d: number, compressed: boolean): void {
  writeF32(`${out}.f32`, vectors);
  const args = ['npz', out, `${out}.f32`, String(vectors.length / d), String(d), compressed ? '1' : '0'];
  execFileSync(H5PY_PYTHON!, [SCRIPT, ...args], { stdio: 'pipe' });
}
