/**
 * Turns uploads older than the grace period that were never committed into garbage (their
 * uploader died between uploading and committing), then deletes the objects no manifest has
 * referenced for longer than the grace period, and forgets them. The grace period must exceed the longest query or download, so that a reader
 * still on an older manifest never finds its objects gone. Several nodes may collect at once:
 * deleting an object twice is harmless, and garbage is forgotten only after its objects are
 * deleted, so a collector that dies midway leaves the rest for the next one.
 */
import type { ObjectStore } from '../storage/object-store.js';
import type { PgCatalog } from '../storage/pg-catalog.js';

/** Resolves with the number of keys (or prefixes) deleted. */
export async function collectGarbage(
  catalog: PgCatalog,
  store: ObjectStore,
  graceSeconds: number,
): Promise<number> {
  await catalog.sweepUploads(graceSeconds);
  let deleted = 0;
  for (;;) {
    const due = await catalog.dueGarbage(graceSeconds, 500);
    if (due.length === 0) return deleted;
    for (const key of due) {
      if (key.endsWith('/')) await store.deletePrefix(key);
      else await store.delete(key);
    }
    await catalog.forgetGarbage(due);
    deleted += due.length;
  }
}
