/** The data-set checks the ANN harnesses make before any work (see `bench/prerequisites.ts`). */
import { missingFashionMnist } from '../prerequisites.js';

/**
 * Stops the process (exit code 1, the reason on stderr) before any work when `datasets`
 * (names of `datasets.ts`) include one whose files are not installed, rather than after
 * the data sets before it have been measured.
 */
export function exitUnlessInstalled(datasets: readonly string[], tag: string): void {
  const missing = datasets.includes('fashion-mnist') ? missingFashionMnist() : undefined;
  if (missing === undefined) return;
  process.stderr.write(`[${tag}] cannot run: ${missing} (or leave fashion-mnist out of --datasets)\n`);
  process.exit(1);
}
