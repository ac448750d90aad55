/**
 * The console's modules in Node tests: the console's sources are browser TypeScript outside
 * the server's `tsc` program, so a module is bundled with esbuild in memory and imported from
 * a data URL. Only modules without DOM use at import time can be loaded this way.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository root (this file runs from dist/test/support/). */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The ES module `console/src/<path>` exports, bundled. */
export async function consoleModule<T>(path: string): Promise<T> {
  const result = await build({
    entryPoints: [join(root, 'console', 'src', path)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as T;
}
