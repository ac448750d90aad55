/**
 * Server settings that do not fit on a command line: API keys, the JWT secret, TLS files,
 * limits and the embedding providers that name a server folder or URL which clients may
 * use, from a JSON file (`quiver serve --config <file>`) and the environment
 * (`QUIVER_API_KEY`, `QUIVER_READ_ONLY_API_KEYS`, `QUIVER_JWT_SECRET`). Keys from both
 * sources are all accepted; a JWT secret in the environment wins over the file's.
 * `tls.cert` and `tls.key` are paths of PEM files (relative to the working directory), as are
 * `encryptionKeyFile` and `previousEncryptionKeyFiles` (encryption at rest; the command line's
 * `--encryption-key-file` and `--previous-encryption-key-file` win).
 *
 * ```json
 * { "apiKeys": { "admin": ["…"], "readOnly": ["…", "…"] }, "jwtSecret": "…",
 *   "tls": { "cert": "/etc/quiver/server.pem", "key": "/etc/quiver/server-key.pem" },
 *   "limits": { "bodyBytes": 33554432, "upsertPoints": 10000, "batchQueries": 1000, "ids": 10000, "k": 10000 },
 *   "allowedProviders": ["onnx:/srv/models/minilm", "openai:http://127.0.0.1:8080/v1"],
 *   "encryptionKeyFile": "/etc/quiver/data.key" }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidArgumentError } from '../errors.js';
import type { ApiKeyConfig } from './auth.js';
import { DEFAULT_LIMITS, type ServerLimits } from './schemas.js';

const Key = Type.String({ minLength: 1 });
/** The shortest JWT secret accepted: 32 bytes, the size of HS256's hash (RFC 7518 §3.2). */
export const MIN_JWT_SECRET = 32;
const ConfigFile = Type.Object(
  {
    apiKeys: Type.Optional(
      Type.Object(
        { admin: Type.Optional(Type.Array(Key)), readOnly: Type.Optional(Type.Array(Key)) },
        { additionalProperties: false },
      ),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          bodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
          upsertPoints: Type.Optional(Type.Integer({ minimum: 1 })),
          batchQueries: Type.Optional(Type.Integer({ minimum: 1 })),
          ids: Type.Optional(Type.Integer({ minimum: 1 })),
          k: Type.Optional(Type.Integer({ minimum: 1, maximum: DEFAULT_LIMITS.k })),
        },
        { additionalProperties: false },
      ),
    ),
    allowedProviders: Type.Optional(Type.Array(Type.String({ pattern: '^(onnx|openai):.' }))),
    jwtSecret: Type.Optional(Type.String({ minLength: MIN_JWT_SECRET })),
    tls: Type.Optional(
      Type.Object(
        { cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    ),
    encryptionKeyFile: Type.Optional(Type.String({ minLength: 1 })),
    previousEncryptionKeyFiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

export interface ServerSettings {
  keys: ApiKeyConfig;
  limits: ServerLimits;
  /** See `ServerOptions.allowedProviders`. */
  allowedProviders: string[];
  /** Paths of the PEM certificate chain and private key, when the server speaks HTTPS. */
  tlsFiles?: { cert: string; key: string };
  /** Encryption at rest: the path of the database's key file (64 hex characters), and during a rotation the old keys' files. */
  encryptionKeyFile?: string;
  previousEncryptionKeyFiles?: string[];
}

/** Settings from `file` (if given) and `env`; a malformed file is an `InvalidArgumentError` naming the field. */
export async function loadSettings(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ServerSettings> {
  let parsed: unknown = {};
  if (file !== undefined) {
    const text = await readFile(file, 'utf8');
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InvalidArgumentError(`${file}: not valid JSON (${(error as Error).message})`);
    }
    const problem = Value.Errors(ConfigFile, parsed).First();
    if (problem) {
      const where = problem.path === '' ? 'the top level' : problem.path.slice(1).replaceAll('/', '.');
      throw new InvalidArgumentError(`${file}: ${where}: ${problem.message}`);
    }
  }
  const config = parsed as typeof ConfigFile.static;
  const envAdmin = env.QUIVER_API_KEY ? [env.QUIVER_API_KEY] : [];
  const envReadOnly = (env.QUIVER_READ_ONLY_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  const jwtSecret = env.QUIVER_JWT_SECRET || config.jwtSecret;
  if (jwtSecret !== undefined && jwtSecret.length < MIN_JWT_SECRET) {
    throw new InvalidArgumentError(`QUIVER_JWT_SECRET: expected at least ${MIN_JWT_SECRET} characters`);
  }
  return {
    keys: {
      admin: [...envAdmin, ...(config.apiKeys?.admin ?? [])],
      readOnly: [...envReadOnly, ...(config.apiKeys?.readOnly ?? [])],
      ...(jwtSecret === undefined ? {} : { jwtSecret }),
    },
    ...(config.tls === undefined ? {} : { tlsFiles: config.tls }),
    ...(config.encryptionKeyFile === undefined ? {} : { encryptionKeyFile: config.encryptionKeyFile }),
    ...(config.previousEncryptionKeyFiles === undefined
      ? {}
      : { previousEncryptionKeyFiles: config.previousEncryptionKeyFiles }),
    limits: { ...DEFAULT_LIMITS, ...config.limits },
    allowedProviders: config.allowedProviders ?? [],
  };
}
