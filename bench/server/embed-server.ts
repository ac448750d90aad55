/**
 * The server of the embedding-under-load benchmark (`embed-load.ts`): `quiver serve`'s own
 * `QuiverServer` on a loopback port, over the database folder given, with its provider
 * fields' models either on worker threads (`workers`, what `quiver serve` does) or on the
 * event loop (`in-process`, `providerResolver({ inProcess: true })`, what it did before),
 * so that the two can be compared on the same data and requests.
 *
 * Usage: `node dist/bench/server/embed-server.js <folder> workers|in-process`; prints
 * `serving at <url> ` on stdout once listening; SIGTERM closes the server and the database.
 */
import { Quiver } from '../../src/db/database.js';
import { providerResolver } from '../../src/embed/index.js';
import { QuiverServer } from '../../src/server/server.js';

const [dir, mode] = process.argv.slice(2);
if (!dir || (mode !== 'workers' && mode !== 'in-process')) {
  throw new Error('usage: embed-server.js <folder> workers|in-process');
}
const db = await Quiver.open(dir, { embedders: providerResolver({ inProcess: mode === 'in-process' }) });
const server = await QuiverServer.create(db, { logLevel: 'error' });
const url = await server.listen('127.0.0.1', 0);
process.stdout.write(`serving at ${url} \n`);
process.once('SIGTERM', async () => {
  await server.close();
  await db.close();
  process.exit(0);
});
