/**
 * Qdrant's collection-snapshot routes, over `SnapshotDatabase` (db/snapshots.ts):
 * - `POST /collections/{name}/snapshots` creates one (`?wait=false`: 202 `accepted` at once);
 * - `GET /collections/{name}/snapshots` lists them (`{ name, creation_time, size, checksum }`);
 * - `GET /collections/{name}/snapshots/{snapshot_name}` streams the file;
 * - `DELETE /collections/{name}/snapshots/{snapshot_name}` deletes it;
 * - `PUT /collections/{name}/snapshots/recover` `{ location, priority?, checksum?, api_key? }`
 *   creates or replaces the collection from a snapshot at an `http(s)://` URL (downloaded
 *   with `fetch`, `api_key` sent as `api-key`) or a `file://` URL naming a snapshot in this
 *   server's own snapshot folder (no other path: a client must not make the server read
 *   its files);
 * - `POST /collections/{name}/snapshots/upload` does the same from a multipart upload (field
 *   `snapshot`; `?checksum=`).
 *
 * Answers use Qdrant's envelope `{ result, status: 'ok', time }`. Every route needs the
 * admin key when keys are configured. A recovery verifies the whole file before anything
 * changes: a foreign, truncated or damaged file is 400 `INVALID_SNAPSHOT`, and the
 * collection is as it was. Only `create` and `recover` honour `wait=false`; an upload
 * answers once its file is received and restored (or refused). A snapshot whose collection
 * names a provider that clients may not choose here (`provider-policy.ts`) is refused as a
 * create-collection request naming it would be.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import type {
  CollectionConfig,
  Database,
  RecoverOptions,
  SnapshotDatabase,
  SnapshotInfo,
} from '../../db/types.js';
import { InvalidArgumentError, SnapshotError } from '../../errors.js';
import { checkProviderPolicy } from '../provider-policy.js';
import { NameParams, responses } from '../schemas.js';
import {
  Accepted,
  envelope,
  RecoverBody,
  SnapshotDescription,
  SnapshotParams,
  UploadQuery,
  WaitQuery,
} from '../snapshot-schemas.js';
import { KEYED, MANAGE, type RouteContext, WRITE } from './context.js';

/** Whether the database behind the server can take snapshots (the embedded engine can). */
function hasSnapshots(db: Database): db is Database & SnapshotDatabase {
  return typeof (db as Partial<SnapshotDatabase>).createSnapshot === 'function';
}

/** Route responses plus Qdrant's 202 answer to `wait=false`. */
function withAccepted(out: Record<number, TSchema>): Record<number, TSchema> {
  return { ...out, 202: Accepted };
}

/** Qdrant's success envelope; `time` in seconds. */
function ok<T>(result: T, elapsedMs: number) {
  return { result, status: 'ok' as const, time: elapsedMs / 1000 };
}

function accepted(elapsedMs: number) {
  return { result: null, status: 'accepted' as const, time: elapsedMs / 1000 };
}

function described(info: SnapshotInfo) {
  return { name: info.name, creation_time: info.creationTime, size: info.size, checksum: info.checksum };
}

export const snapshotRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { db, allowedProviders },
) => {
  if (!hasSnapshots(db)) return;
  // A recovered collection is created over HTTP: the same provider policy as a created one.
  const acceptConfig = (config: CollectionConfig) =>
    checkProviderPolicy(config as Parameters<typeof checkProviderPolicy>[0], allowedProviders);
  // Scoped to this plugin: only the upload route takes multipart bodies.
  await app.register(multipart, {
    limits: { files: 1, fields: 0, parts: 1, fileSize: Number.MAX_SAFE_INTEGER },
  });
  const tags = ['snapshots'];

  app.post(
    '/collections/:name/snapshots',
    {
      schema: {
        tags,
        summary: 'Create a snapshot of a collection',
        description:
          'One checksummed file holding the collection as it is now (writes go on meanwhile and are not in it).',
        security: KEYED,
        params: NameParams,
        querystring: WaitQuery,
        response: withAccepted(responses(200, envelope(SnapshotDescription), [400, 403, 404, 507])),
      },
      config: WRITE,
    },
    async (request, reply) => {
      const { name } = request.params;
      db.collection(name); // 404 before answering, also with wait=false
      const created = db.createSnapshot(name);
      if (request.query.wait === 'false') {
        background(created, request.log, `creating a snapshot of '${name}'`);
        return reply.code(202).send(accepted(reply.elapsedTime));
      }
      const info = await created;
      return ok(described(info), reply.elapsedTime);
    },
  );

  app.get(
    '/collections/:name/snapshots',
    {
      schema: {
        tags,
        summary: "List a collection's snapshots",
        description: 'Oldest first; snapshots stay listed after their collection is dropped.',
        security: KEYED,
        params: NameParams,
        response: responses(200, envelope(Type.Array(SnapshotDescription)), [400, 403]),
      },
      config: WRITE,
    },
    async (request, reply) => {
      const list = await db.listSnapshots(request.params.name);
      return ok(list.map(described), reply.elapsedTime);
    },
  );

  app.get(
    '/collections/:name/snapshots/:snapshot_name',
    {
      schema: {
        tags,
        summary: 'Download a snapshot',
        description: 'The snapshot file (`application/octet-stream`).',
        security: KEYED,
        params: SnapshotParams,
        response: responses(200, Type.Unsafe({ type: 'string', format: 'binary' }), [400, 403, 404]),
      },
      config: WRITE,
    },
    async (request, reply) => {
      const { name, snapshot_name } = request.params;
      const path = await db.snapshotPath(name, snapshot_name);
      const { size } = await stat(path);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', size)
        .header('content-disposition', `attachment; filename="${snapshot_name}"`)
        .send(createReadStream(path));
    },
  );

  app.delete(
    '/collections/:name/snapshots/:snapshot_name',
    {
      schema: {
        tags,
        summary: 'Delete a snapshot',
        security: KEYED,
        params: SnapshotParams,
        querystring: WaitQuery,
        response: responses(200, envelope(Type.Boolean()), [400, 403, 404]),
      },
      config: WRITE,
    },
    async (request, reply) => {
      await db.deleteSnapshot(request.params.name, request.params.snapshot_name);
      return ok(true, reply.elapsedTime);
    },
  );

  app.put(
    '/collections/:name/snapshots/recover',
    {
      schema: {
        tags,
        summary: 'Recover a collection from a snapshot',
        description:
          'Creates the collection, or replaces it, from the snapshot at `location`; the file is verified whole ' +
          'first (and against `checksum` when given), so a refused one changes nothing.',
        security: KEYED,
        params: NameParams,
        querystring: WaitQuery,
        body: RecoverBody,
        response: withAccepted(responses(200, envelope(Type.Boolean()), [400, 403, 404, 507])),
      },
      config: MANAGE,
    },
    async (request, reply) => {
      const { name } = request.params;
      const { location, checksum, api_key } = request.body;
      const options: RecoverOptions = { label: location, acceptConfig, ...(checksum ? { checksum } : {}) };
      const source = await locate(db, location);
      const recovered = recoverFrom(db, name, source, options, api_key ?? undefined);
      if (request.query.wait === 'false') {
        background(recovered, request.log, `recovering '${name}' from ${location}`);
        return reply.code(202).send(accepted(reply.elapsedTime));
      }
      await recovered;
      return ok(true, reply.elapsedTime);
    },
  );

  app.post(
    '/collections/:name/snapshots/upload',
    {
      schema: {
        tags,
        summary: 'Recover a collection from an uploaded snapshot',
        description:
          'A multipart/form-data body whose file field `snapshot` is the snapshot file; creates or replaces the ' +
          'collection. The file is verified whole first (and against `checksum` when given).',
        security: KEYED,
        params: NameParams,
        querystring: UploadQuery,
        response: responses(200, envelope(Type.Boolean()), [400, 403, 406, 507]),
      },
      config: MANAGE,
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new InvalidArgumentError('expected a multipart/form-data body with the file field `snapshot`');
      }
      const part = await request.file();
      if (part === undefined)
        throw new InvalidArgumentError('the multipart body holds no file (field `snapshot`)');
      const { checksum } = request.query;
      await db.recoverSnapshot(request.params.name, part.file, {
        label: part.filename || 'uploaded snapshot',
        acceptConfig,
        ...(checksum ? { checksum } : {}),
      });
      return ok(true, reply.elapsedTime);
    },
  );
};

/**
 * What a `location` names: a snapshot in this server's folder (`file://`) or a URL to
 * download. Checked before a `wait=false` recovery is answered, so a bad one is a 400.
 */
async function locate(db: SnapshotDatabase, location: string): Promise<string | URL> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new InvalidArgumentError(
      `location: expected an http(s):// or file:// URL, got ${JSON.stringify(location)}`,
    );
  }
  if (url.protocol === 'file:') return ownSnapshot(db, url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(
      `location: expected an http(s):// or file:// URL, got a ${url.protocol} URL`,
    );
  }
  return url;
}

/** Recovers `name` from a located snapshot, downloading it first if it is a URL. */
async function recoverFrom(
  db: SnapshotDatabase,
  name: string,
  source: string | URL,
  options: RecoverOptions,
  apiKey: string | undefined,
): Promise<void> {
  if (typeof source === 'string') {
    await db.recoverSnapshot(name, source, options);
    return;
  }
  const label = options.label ?? source.href;
  let response: Response;
  try {
    response = await fetch(source, { headers: apiKey ? { 'api-key': apiKey } : {} });
  } catch (err) {
    throw new SnapshotError(label, `download failed: ${(err as Error).message}`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new SnapshotError(label, `download failed: HTTP ${response.status}`);
  }
  await db.recoverSnapshot(name, response.body as unknown as AsyncIterable<Uint8Array>, options);
}

/**
 * The path of the snapshot a `file://` URL names, which must be one of this server's
 * snapshots (`<snapshots>/<collection>/<name>.snapshot`, links resolved); anything else is
 * refused without saying whether it exists.
 */
async function ownSnapshot(db: SnapshotDatabase, url: URL): Promise<string> {
  const refused = () =>
    new InvalidArgumentError(
      "location: a file:// location must name a snapshot in the server's snapshot folder",
    );
  let given: string;
  try {
    given = await realpath(fileURLToPath(url));
  } catch {
    throw refused();
  }
  let known: string;
  try {
    known = await realpath(await db.snapshotPath(basename(dirname(given)), basename(given)));
  } catch {
    throw refused();
  }
  if (known !== given) throw refused();
  return known;
}

/** Lets `work` finish in the background (`wait=false`), logging a failure. */
function background(work: Promise<unknown>, log: FastifyBaseLogger, what: string): void {
  work.catch((err: Error) => log.warn({ err }, `${what} failed`));
}
