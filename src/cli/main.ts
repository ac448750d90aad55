/**
 * The `quiver` command line: `create`, `import`, `export`, `search`, `recommend`, `payload-index`,
 * `info`, `drop`, `snapshot`, `restore`, `serve`, `worker` (cluster mode) and `bench` over a database folder (`--data`, default `$QUIVER_DATA` or
 * `./quiver-data`).
 *
 * Exit codes: 0 success; 1 a Quiver error or a bad file (`error: <message>` on stderr, no
 * stack trace); 2 a usage error (unknown command or option, bad option value, missing
 * argument). Each command opens the database, runs, and closes it (see `database.ts`), with
 * the key of `--encryption-key-file` when the database is encrypted at rest.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerBench } from './commands/bench-file.js';
import { registerCreate } from './commands/create.js';
import { registerDrop } from './commands/drop.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerInfo } from './commands/info.js';
import { registerPayloadIndex } from './commands/payload-index.js';
import { registerPurgeReport } from './commands/purge-report.js';
import { registerRecommend } from './commands/recommend.js';
import { registerRestore } from './commands/restore.js';
import { registerRotateKey } from './commands/rotate-key.js';
import { registerSearch } from './commands/search.js';
import { registerServe } from './commands/serve.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerWorker } from './commands/worker.js';
import { reportError } from './output.js';

/** The program with all commands. Settings that subcommands inherit are set before they are added. */
function buildProgram(): Command {
  const program = new Command('quiver')
    .description('Quiver vector database: create collections, import vectors, search')
    .version(packageVersion())
    .addOption(new Option('--data <dir>', 'database folder').env('QUIVER_DATA').default('./quiver-data'))
    .addOption(
      new Option(
        '--encryption-key-file <file>',
        'file holding the 256-bit key (64 hex characters) of a database encrypted at rest; given when creating one, it encrypts it',
      ).env('QUIVER_ENCRYPTION_KEY_FILE'),
    )
    .addOption(
      new Option(
        '--previous-encryption-key-file <file...>',
        'key files a key rotation rotates from (with the new key in --encryption-key-file: starts or resumes the rotation)',
      ),
    )
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  for (const register of [
    registerCreate,
    registerImport,
    registerExport,
    registerSearch,
    registerRecommend,
    registerPayloadIndex,
    registerInfo,
    registerDrop,
    registerSnapshot,
    registerPurgeReport,
    registerRestore,
    registerRotateKey,
    registerServe,
    registerWorker,
    registerBench,
  ]) {
    register(program);
  }
  return program;
}

/** The version in package.json (three levels up from dist/src/cli/main.js). */
function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
