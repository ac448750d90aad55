/**
 * The web console's routes: its bundle (`dist/console/`, built by `npm run build:console`
 * from `console/`) at `/console/`, the redirect of a browser's `GET /` there, and
 * `GET /console/session`, which tells the console the role of its API key.
 *
 * - `/console` redirects to `/console/` (the page names its assets relatively);
 *   `/console/` is `index.html` with `Cache-Control: no-cache`, and `/console/assets/*` are
 *   the hashed bundle files, `immutable` for a year (a new build gives them new names).
 *   Static files are public: they hold no data; every data request the console makes needs
 *   a key like any other client's.
 * - `GET /` redirects (302) to `/console/` only when the request's `Accept` prefers HTML to
 *   JSON (a browser's navigation); API clients, which send `application/json`, `*\/*` or
 *   nothing, keep getting Qdrant's `{ title, version }`.
 * - `GET /console/session` answers `{ keys, role? }`: `keys` false when the server has no
 *   keys (then `role` is `admin`: everyone may do everything); with keys, `role` is the
 *   presented key's (`admin` or `read-only`; for a JWT, `consoleRole` of its grant), absent when the request presents none (so a
 *   console can tell, without a failing request, that it must ask for a key), and a key
 *   that matches none is 401. It says nothing a request without a key could not learn
 *   anyway (any keyed route answers 401 to it). The console disables its write controls
 *   for `read-only`; the server refuses their writes (403) regardless.
 *
 * The bundle is read once when the server starts. Without one (a checkout that was not
 * built), `/console/` answers 404 with a message saying how to build it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Authenticator, presentedKey } from './auth.js';
import { UnauthorizedError } from './auth-errors.js';
import type { Grant } from './auth-grant.js';
import { errorBody } from './errors.js';
import { ErrorResponse } from './schemas.js';

/** dist/console, from dist/src/server/console-route.js. */
const BUNDLE = fileURLToPath(new URL('../../console/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

interface BundleFile {
  body: Buffer;
  type: string;
}

/** The bundle's files by path below the bundle folder (`index.html`, `assets/app-XXXX.js`). */
function readBundle(folder: string): Map<string, BundleFile> {
  const files = new Map<string, BundleFile>();
  if (!existsSync(folder)) return files;
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else
        files.set(`${prefix}${entry.name}`, {
          body: readFileSync(path),
          type: CONTENT_TYPES[extname(entry.name)] ?? 'application/octet-stream',
        });
    }
  };
  walk(folder, '');
  return files;
}

/** The q-value `accept` gives `type` (`text/html`): its own entry, else `text/*`, else `*\/*`; 0 if none. */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let exact: number | undefined;
  let family: number | undefined;
  let any: number | undefined;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (range === type) exact = q;
    else if (range === `${major}/*`) family = q;
    else if (range === '*/*') any = q;
  }
  return exact ?? family ?? any ?? 0;
}

/**
 * Whether a request with this `Accept` is a browser asking for a page: it names HTML (or
 * `text/*`) itself and ranks it above JSON.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const lower = accept.toLowerCase();
  if (!lower.includes('text/html') && !lower.includes('text/*')) return false;
  return quality(lower, 'text/html') > quality(lower, 'application/json');
}

/**
 * Adds the console's routes and the browser redirect of `GET /` to the root app (the
 * redirect is a root hook, so it runs before the JSON route of `/`).
 */
export function registerConsole(app: FastifyInstance, auth: Authenticator): void {
  const files = readBundle(BUNDLE);

  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'GET' && request.url === '/' && prefersHtml(request.headers.accept)) {
      reply.redirect('/console/', 302);
      return;
    }
    done();
  });

  const send = (reply: FastifyReply, path: string) => {
    const file = files.get(path);
    if (file === undefined) {
      const message =
        files.size === 0
          ? 'the console is not built: run `npm run build:console`'
          : `no console file ${path}`;
      return reply.code(404).send(errorBody('NOT_FOUND', message, undefined, reply.elapsedTime / 1000));
    }
    const cache = path === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable';
    return reply.header('cache-control', cache).type(file.type).send(file.body);
  };

  const page = { schema: { hide: true }, config: { access: 'public' as const, bare: true } };
  app.get('/console', page, (_request, reply) => reply.redirect('/console/', 301));
  app.get('/console/', page, (_request, reply) => send(reply, 'index.html'));
  app.get('/console/assets/:file', page, (request, reply) =>
    send(reply, `assets/${(request.params as { file: string }).file}`),
  );

  app.get(
    '/console/session',
    {
      schema: {
        tags: ['operations'],
        summary: 'The role of the presented API key (for the web console)',
        description:
          'Quiver extension: `keys` is false when the server has no keys or token secret (every request is allowed: `role` is ' +
          '`admin`); otherwise `role` is the presented key’s, `admin` or `read-only`, absent without a key; a key ' +
          'that matches none is 401.',
        response: {
          200: Type.Object({
            role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('read-only')])),
            keys: Type.Boolean(),
          }),
          401: ErrorResponse,
        },
      },
      config: { access: 'public' as const, bare: true },
    },
    async (request, reply) => {
      if (!auth.enabled) return { role: 'admin' as const, keys: false };
      if (presentedKey(request.headers) === undefined) return { keys: true };
      let grant: Grant;
      try {
        grant = await auth.grantOf(request.headers);
      } catch (error) {
        if (!(error instanceof UnauthorizedError)) throw error;
        reply.header('www-authenticate', 'Bearer');
        return reply
          .code(401)
          .send(errorBody('UNAUTHORIZED', error.message, undefined, reply.elapsedTime / 1000));
      }
      return { role: consoleRole(grant), keys: true };
    },
  );
}

/**
 * The console's role for a grant: a global `m` (or admin key) is `admin`, a global `r` (or
 * read-only key) `read-only`; a token for some collections is `admin` when it may write one
 * of them, else `read-only`. The console only enables or disables its controls by it: the
 * server checks every request against the grant itself.
 */
function consoleRole(grant: Grant): 'admin' | 'read-only' {
  if (grant.kind === 'global') return grant.manage ? 'admin' : 'read-only';
  for (const c of grant.collections.values()) if (c.write) return 'admin';
  return 'read-only';
}
