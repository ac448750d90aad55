/**
 * The schemas of Qdrant's collection-snapshot routes (`routes/snapshots.ts`), in TypeBox,
 * with Qdrant's field names and its `{ result, status, time }` envelope.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { CollectionName, closed, stringEnum } from './schemas.js';

/** Qdrant's `wait` query flag (query strings are not coerced: `true` or `false`). */
const Wait = stringEnum(
  ['true', 'false'] as const,
  'Wait for the operation to finish (default `true`); with `false` the answer is 202 `accepted` at once.',
);
const Priority = stringEnum(
  ['replica', 'snapshot', 'no_sync'] as const,
  "Qdrant's replica priority; accepted for compatibility (a single node has no replicas).",
);
const Checksum = Type.String({
  pattern: '^[0-9a-fA-F]{64}$',
  description: 'SHA-256 (hex) the snapshot file must have; a mismatch refuses it and changes nothing.',
});

export const SnapshotParams = Type.Object(
  {
    name: CollectionName,
    snapshot_name: Type.String({
      pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}\\.snapshot$',
      description: 'A snapshot file name, as listed.',
    }),
  },
  closed,
);

export const WaitQuery = Type.Object({ wait: Type.Optional(Wait) }, closed);

export const UploadQuery = Type.Object(
  { wait: Type.Optional(Wait), priority: Type.Optional(Priority), checksum: Type.Optional(Checksum) },
  closed,
);

export const RecoverBody = Type.Object(
  {
    location: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        'Where the snapshot is: an `http(s)://` URL the server downloads it from, or a `file://` URL of a ' +
        "snapshot in the server's own snapshot folder.",
    }),
    priority: Type.Optional(Type.Union([Priority, Type.Null()])),
    checksum: Type.Optional(Type.Union([Checksum, Type.Null()])),
    api_key: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 4096, description: 'Sent as `api-key` to an http(s) location.' }),
        Type.Null(),
      ]),
    ),
  },
  closed,
);

export const SnapshotDescription = Type.Object({
  name: Type.String(),
  creation_time: Type.Union([Type.String({ description: 'UTC, `YYYY-MM-DDTHH:MM:SS`.' }), Type.Null()]),
  size: Type.Integer({ description: 'Bytes.' }),
  checksum: Type.Union([Type.String({ description: 'SHA-256 of the file, hex.' }), Type.Null()]),
});

/** Qdrant's success envelope around `result`. */
export function envelope<T extends TSchema>(result: T) {
  return Type.Object({
    result,
    status: Type.Literal('ok'),
    time: Type.Number({ description: 'Seconds the server spent.' }),
  });
}

/** Qdrant's answer to `wait=false`: the operation goes on in the background. */
export const Accepted = Type.Object({
  result: Type.Null(),
  status: Type.Literal('accepted'),
  time: Type.Number(),
});
