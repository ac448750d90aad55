/**
 * The `onnx:` provider's runtime, `@huggingface/transformers`, is an optional peer dependency
 * of quiverdb: installing it pulls `onnxruntime-node`, whose install script downloads files
 * from outside the npm registry (NuGet), which an install without that download (a mirror, an
 * offline machine) cannot do. So quiverdb installs without it, and whoever uses `onnx:` adds it
 * beside quiverdb (`npm install @huggingface/transformers`).
 *
 * Invariants: nothing here imports the package statically (so the rest of Quiver loads without
 * it), and this file's declarations name none of its types (so a project that type-checks
 * quiverdb's `.d.ts` files does not need it either). Absence is a
 * `MissingPeerDependencyError` naming the package and the version range quiverdb needs, raised
 * when an `onnx:` provider is created, not at the first `embed`.
 */
import { EmbeddingModelError } from './provider.js';

/** The package that runs `onnx:` models. */
export const ONNX_RUNTIME_PACKAGE = '@huggingface/transformers';

/** The versions of it quiverdb works with: package.json's `peerDependencies` entry (a test checks they agree). */
export const ONNX_RUNTIME_RANGE = '^4.3.1';

/**
 * An optional peer dependency that a feature needs is not installed beside quiverdb (an
 * `EmbeddingModelError`, code `EMBEDDING_MODEL`). Made by {@link requirePeer}; the
 * constructor takes the finished message so that an embedding worker's error can be rebuilt
 * as it was (`worker-protocol.ts`).
 */
export class MissingPeerDependencyError extends EmbeddingModelError {
  constructor(
    /** The npm package to install. */
    readonly packageName: string,
    /** The version range quiverdb needs. */
    readonly range: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks that `packageName` resolves from quiverdb's own location (where `import()` looks),
 * else throws `MissingPeerDependencyError`; `label` names the feature that needs it.
 */
export function requirePeer(packageName: string, range: string, label: string): void {
  try {
    import.meta.resolve(packageName);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new MissingPeerDependencyError(
        packageName,
        range,
        `${label}: needs the npm package ${packageName}, an optional peer dependency of quiverdb that is not ` +
          `installed; add it beside quiverdb with: npm install ${packageName}@'${range}'`,
      );
    }
    throw e;
  }
}

/**
 * Imports the optional peer `packageName` (checked with {@link requirePeer} first); `T` is
 * its module type, written by the caller as `typeof import('<package>')` so that this file's
 * declarations do not name the package.
 */
export async function importPeer<T>(packageName: string, range: string, label: string): Promise<T> {
  requirePeer(packageName, range, label);
  return (await import(packageName)) as T;
}
