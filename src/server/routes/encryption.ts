/**
 * Encryption at rest over REST (a Quiver extension, admin only): `GET /quiver/encryption`
 * says whether the database is encrypted and whether a key rotation is running;
 * `POST /quiver/encryption/rotate` with `{ "key_file": "<path on the server>" }` starts
 * re-encrypting everything under the key that file holds (64 hex characters), in the
 * background while the server keeps serving (db/encryption.ts); `?wait=true` answers once it
 * is done, with what it re-sealed. The key travels as a path on the server, never in a
 * request body or a log. A database without encryption, the current key again, or a rotation
 * already running are 400 `ENCRYPTION_KEY`; a file that is not a key is 400 `INVALID_ARGUMENT`.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Quiver } from '../../db/database.js';
import { InvalidArgumentError, QuiverError } from '../../errors.js';
import { closed, responses, stringEnum } from '../schemas.js';
import { KEYED, MANAGE, type RouteContext } from './context.js';

const State = Type.Object({
  encrypted: Type.Boolean(),
  rotating: Type.Boolean(),
});
const Rotation = Type.Object({
  status: Type.Union([Type.Literal('started'), Type.Literal('done')]),
  files: Type.Optional(Type.Integer()),
  rows: Type.Optional(Type.Integer()),
});

/** The embedded database behind the server, when it is one (a remote `Database` has no encryption to manage). */
function embedded(db: RouteContext['db']): Quiver {
  if (!('rotateEncryptionKey' in db)) {
    throw new QuiverError('INVALID_ARGUMENT', 'this server does not manage a local database');
  }
  return db as Quiver;
}

export const encryptionRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db }) => {
  const tags = ['service'];

  app.get(
    '/quiver/encryption',
    {
      schema: {
        tags,
        summary: 'Encryption at rest: state',
        description:
          'Quiver extension: whether the database is encrypted at rest, and whether a key rotation is running.',
        security: KEYED,
        response: responses(State, [400]),
      },
      config: MANAGE,
    },
    async () => {
      const quiver = embedded(db);
      return { encrypted: quiver.encrypted, rotating: quiver.encryptionRotation !== undefined };
    },
  );

  app.post(
    '/quiver/encryption/rotate',
    {
      schema: {
        tags,
        summary: 'Encryption at rest: rotate the key',
        description:
          'Quiver extension: re-encrypts every file and catalog row under the key in `key_file` (a path on the server ' +
          'holding 64 hex characters) in the background; reads and writes go on. `wait=true` answers when it is done. ' +
          'Restart the server with the new key file (`--encryption-key-file`) afterwards.',
        security: KEYED,
        querystring: Type.Object(
          {
            wait: Type.Optional(
              stringEnum(
                ['true', 'false'] as const,
                'Answer when the rotation is done (default `false`: once it started).',
              ),
            ),
          },
          closed,
        ),
        body: Type.Object({ key_file: Type.String({ minLength: 1 }) }, closed),
        response: responses(Rotation, [400]),
      },
      config: MANAGE,
    },
    async (request) => {
      const quiver = embedded(db);
      const file = request.body.key_file;
      let key: string;
      try {
        key = (await readFile(file, 'utf8')).trim();
      } catch {
        throw new InvalidArgumentError(`key_file: cannot read ${JSON.stringify(file)}`);
      }
      if (!/^[0-9a-fA-F]{64}$/.test(key)) {
        throw new InvalidArgumentError('key_file: expected a file holding 64 hex characters (a 256-bit key)');
      }
      const rotation = quiver.rotateEncryptionKey(key);
      if (request.query.wait === 'true') return { status: 'done' as const, ...(await rotation) };
      // A refusal (no encryption, same key, already rotating) rejects before anything starts.
      await Promise.race([rotation, new Promise((resolve) => setImmediate(resolve))]);
      rotation.catch((err: Error) => request.log.error(`key rotation stopped: ${err.message}`));
      return { status: 'started' as const };
    },
  );
};
