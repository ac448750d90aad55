/**
 * The server of the embedding-under-load benchmark (`embed-load.ts`): `quiver serve`'s own
 * `QuiverServer` on a loopback port, over the database folder given, with its provider
 * fields' models either on worker threads (`workers`, what `quiver serve` does) or on the
 * event loop (`in-process`, `providerResolver({ inProcess: true })`, what it did before),
 * so that the two can be compared on the same data and requests.
 *
 * Usage: `node dist/bench/server/embed-server.js <folder> workers|in-process`; prints
 * `serving at <url> ` on stdout once listening; SIGTERM closes the server and the database.
 * Started with an IPC channel, it also measures its own event-loop delay
 * (`monitorEventLoopDelay`, 1 ms resolution): the message `'reset'` starts a window, and
 * `'report'` answers `{ p50, p99, max }` in ms for the window so far — how long the loop
 * was held, free of the load generator's own scheduling delays.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
process.on('message', (message) => {
  if (message === 'reset') delay.reset();
  else if (message === 'report') {
    const ms = (ns: number) => ns / 1e6;
    process.send?.({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) });
  }
});
process.stdout.write(`serving at ${url} \n`);
process.once('SIGTERM', async () => {
  await server.close();
  await db.close();
  process.exit(0);
});
