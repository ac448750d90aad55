/**
 * The shared `Database` contract (`shared-suite.ts`) against both implementations: the
 * embedded engine in a temp folder, and the HTTP client connected to a real server on a
 * random loopback port.
 */
import { connect } from '../src/client/index.js';
import { Quiver } from '../src/index.js';
import { sharedSuite } from './shared-suite.js';
import { tempDir } from './support/reference.js';
import { startTestServer } from './support/server.js';

sharedSuite('embedded (Quiver.open)', async () => {
  const dir = tempDir();
  const db = await Quiver.open(dir.path);
  return {
    db,
    dispose: async () => {
      await db.close();
      dir.cleanup();
    },
  };
});

sharedSuite('remote (connect to quiver serve)', async () => {
  const server = await startTestServer();
  const db = await connect(server.url);
  return {
    db,
    dispose: async () => {
      await db.close();
      await server.stop();
    },
  };
});
