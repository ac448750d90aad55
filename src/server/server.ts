/**
 * The Quiver HTTP server: a fastify app over any `Database` (the REST routes of
 * `routes/`), with API keys, limits, metrics, an OpenAPI document at `/openapi.json` and a
 * browsable page for it at `/docs`, over HTTP or (with `tls`) HTTPS.
 *
 * Request life cycle: `onRequest` turns the API key or JWT into the request's grant and
 * checks it against the route's access (`auth-grant.ts`; before the body is read, so an
 * unauthenticated client cannot make the server parse megabytes; routes read collections
 * through `pathCollection`, which holds a token's tenant filter), the body is parsed
 * (413 over `limits.bodyBytes`; 400 `INVALID_JSON` when it is not UTF-8 JSON, see
 * `json-body.ts`) and validated against the route's TypeBox schema (400),
 * the handler awaits the engine, its value leaves in Qdrant's envelope
 * `{ result, status: 'ok', time }` (`preSerialization`; operations endpoints answer bare),
 * and `onResponse` records the request's metrics. Every error leaves through
 * `toErrorResponse`, so all of them have one shape, `{ status: { error, code }, time }`.
 * A top-level property given as `null` is taken as absent (as Qdrant's clients send
 * optional fields), except inside payloads, vectors and filters.
 *
 * `close()` is graceful: `/readyz` turns 503, the listener stops accepting, requests in
 * flight finish (new requests on kept-alive connections get 503), then `close()` resolves.
 * The database belongs to the caller, which closes it afterwards.
 */
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Database } from '../db/types.js';
import { CollectionNotFoundError } from '../errors.js';
import { type ApiKeyConfig, Authenticator } from './auth.js';
import { accessHook } from './auth-hook.js';
import { registerConsole } from './console-route.js';
import { errorBody, toErrorResponse } from './errors.js';
import { parseJsonBodiesStrictly } from './json-body.js';
import { ServerMetrics, UNMATCHED_ROUTE } from './metrics.js';
import { notReadyFor } from './readiness.js';
import { requestSchemas } from './request-schemas.js';
import { collectionRoutes } from './routes/collections.js';
import type { RouteContext } from './routes/context.js';
import { encryptionRoutes } from './routes/encryption.js';
import { operationRoutes } from './routes/operations.js';
import { payloadRoutes } from './routes/payload.js';
import { payloadIndexRoutes } from './routes/payload-indexes.js';
import { pointRoutes } from './routes/points.js';
import { queryRoutes } from './routes/query.js';
import { searchRoutes } from './routes/search.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { thumbnailRoutes } from './routes/thumbnails.js';
import { DEFAULT_LIMITS, ErrorResponse, type ServerLimits } from './schemas.js';
import { sharedSchemas } from './search-schemas.js';
import { withoutNulls } from './without-nulls.js';

export interface ServerOptions {
  /** API keys; without any, every request is allowed (bind to loopback only: see `serve`). */
  keys?: ApiKeyConfig;
  limits?: Partial<ServerLimits>;
  /**
   * `onnx:<folder>` and `openai:<url>` providers that collections created over HTTP may name
   * (they make the server read a folder or call a URL). Default none; the built-in providers
   * are always allowed.
   */
  allowedProviders?: readonly string[];
  /** pino log level for the server's log on stderr (`silent` to switch it off). Default `warn`. */
  logLevel?: string;
  /**
   * Serve HTTPS with this certificate chain and private key (PEM text). A plain HTTP
   * request to the port then fails its TLS handshake (the connection is closed).
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Further route plugins, registered after the REST routes (cluster mode's node-to-node
   * routes). Their routes declare their access in `config.access` like the others.
   */
  plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

export class QuiverServer {
  /** Set when `close()` begins. */
  private closing = false;

  private constructor(
    readonly app: FastifyInstance,
    readonly limits: ServerLimits,
    private readonly scheme: 'http' | 'https',
  ) {}

  /** Builds the app (routes, hooks, OpenAPI) without listening. */
  static async create(db: Database, options: ServerOptions = {}): Promise<QuiverServer> {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const version = packageVersion();
    const auth = new Authenticator(
      options.keys ?? { admin: [], readOnly: [] },
      async (collection, filter) => {
        try {
          return (await db.collection(collection).count({ filter })) > 0;
        } catch (error) {
          if (error instanceof CollectionNotFoundError) return false;
          throw error;
        }
      },
    );
    const app = Fastify({
      ...(options.tls === undefined ? {} : { https: { cert: options.tls.cert, key: options.tls.key } }),
      bodyLimit: limits.bodyBytes,
      logger: { level: options.logLevel ?? 'warn', stream: process.stderr },
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
      // Errors the router raises before a route runs (a path that is not valid
      // percent-encoded UTF-8, a parameter over maxParamLength) leave in the one error shape too.
      frameworkErrors: (error, _request, reply: FastifyReply) => {
        const { status, body } = toErrorResponse(error, undefined, limits.bodyBytes);
        reply.code(status).send(body);
      },
    }).withTypeProvider<TypeBoxTypeProvider>();
    const server = new QuiverServer(
      app as unknown as FastifyInstance,
      limits,
      options.tls === undefined ? 'http' : 'https',
    );
    parseJsonBodiesStrictly(app);
    const metrics = new ServerMetrics(db);

    // Hooks take `done` rather than being async: they run on every request, and a promise
    // per hook per request is measurable under load.
    app.decorateRequest('grant', null);
    app.addHook('onRequest', accessHook(auth, limits.bodyBytes));
    app.addHook('preValidation', (request, _reply, done) => {
      // A POST or PUT without a body is treated as `{}`, so `curl -X POST …/points/count` works.
      if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT')) {
        request.body = {};
      } else if (typeof request.body === 'object' && request.body !== null) {
        request.body = withoutNulls(request.body);
      }
      done();
    });
    app.addHook('preHandler', (request, _reply, done) => {
      const notReady = notReadyFor(db, request, request.routeOptions.config.access ?? 'read');
      if (notReady) done(notReady);
      else done();
    });
    app.addHook('preSerialization', (request, reply, payload, done) => {
      if (request.routeOptions.config.bare === true || reply.statusCode >= 300) return done(null, payload);
      done(null, { result: payload, status: 'ok', time: seconds(reply) });
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      // While closing, a connection ends with its response: the server closes idle
      // connections when it starts closing, but one busy then would otherwise linger idle
      // until the keep-alive timeout and hold up the shutdown.
      if (server.closing) reply.header('connection', 'close');
      done(null, payload);
    });
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
      metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.setErrorHandler((error, request, reply) => {
      const collection = (request.params as { name?: unknown } | undefined)?.name;
      const { status, body, headers } = toErrorResponse(
        error,
        request.body,
        limits.bodyBytes,
        typeof collection === 'string' ? collection : undefined,
      );
      // 5xx answers withhold the details (file paths): the log keeps them. A 503 (shutting
      // down, a full queue) is the server working as intended.
      if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
      if (headers) reply.headers(headers);
      body.time = seconds(reply);
      return reply.code(status).send(body);
    });
    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .send(
          errorBody(
            'NOT_FOUND',
            `no route for ${request.method} ${request.url.split('?')[0]}`,
            undefined,
            seconds(reply),
          ),
        ),
    );

    for (const schema of sharedSchemas) app.addSchema(schema);
    await app.register(swagger, {
      // Shared schemas appear in the document's components under their own names.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Quiver',
          version,
          description:
            "REST API of the Quiver vector database: Qdrant's API (paths, field names, filter language, query API), " +
            "so Qdrant clients work by changing the URL, with Quiver's extensions in the same style (marked " +
            '"Quiver extension"). Answers are `{ result, status: "ok", time }` (seconds). Errors are ' +
            '`{ status: { error, code, path? }, time }`: `error` is the message, `code` a stable code. A body that is ' +
            'not UTF-8 JSON is 400 `INVALID_JSON` (naming the byte offset), a full disk 507 `STORAGE_FULL` (nothing ' +
            'of the request kept), a full work queue 503 `OVERLOADED` with `Retry-After`. Vectors are JSON number ' +
            'arrays or (Quiver extension) base64 strings of little-endian float32.',
        },
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description:
                "An admin or read-only API key, or a JWT (HS256) with Qdrant's RBAC claims: `exp`, `access` " +
                '("r", "m", or [{ collection, access: "r" | "rw", payload? }]), `value_exists`.',
            },
            apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
          },
          schemas: { Error: ErrorResponse },
        },
      },
    });
    await app.register(async (docs) => {
      docs.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'public', bare: true };
      });
      await docs.register(swaggerUi, { routePrefix: '/docs' });
    });

    let operations = 0;
    const context: RouteContext = {
      db,
      schemas: requestSchemas(limits),
      metrics,
      allowedProviders: options.allowedProviders ?? [],
      draining: () => server.closing,
      nextOperation: () => operations++,
    };
    registerConsole(app, auth);
    await app.register(operationRoutes, { ...context, version });
    await app.register(collectionRoutes, context);
    await app.register(pointRoutes, context);
    await app.register(payloadRoutes, context);
    await app.register(searchRoutes, context);
    await app.register(queryRoutes, context);
    await app.register(payloadIndexRoutes, context);
    await app.register(thumbnailRoutes, context);
    await app.register(encryptionRoutes, context);
    // The snapshot routes write their own envelope (their answers include 202 `accepted`).
    await app.register(async (snapshots) => {
      snapshots.addHook('onRoute', (route) => {
        route.config = { ...route.config, bare: true };
      });
      await snapshots.register(snapshotRoutes, context);
    });
    for (const plugin of options.plugins ?? []) await app.register(plugin);
    await app.ready();
    return server;
  }

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:6333`, `https://…` with TLS). Port 0 picks a free port. */
  async listen(host: string, port: number): Promise<string> {
    await this.app.listen({ host, port });
    const address = this.app.server.address();
    const actual = typeof address === 'object' && address !== null ? address.port : port;
    return `${this.scheme}://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  }

  /** Stops accepting, lets requests in flight finish, then resolves. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    await this.app.close();
  }
}

/** Seconds since the request arrived (the `time` of every answer). */
function seconds(reply: FastifyReply): number {
  return reply.elapsedTime / 1000;
}

/** The version in package.json (three levels up from dist/src/server/server.js). */
function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
