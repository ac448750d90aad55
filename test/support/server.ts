/**
 * A Quiver server for tests: an embedded database in a temp folder behind a `QuiverServer`
 * listening on a random loopback port, and helpers for raw HTTP requests against it.
 */
import assert from 'node:assert/strict';
import { Quiver } from '../../src/db/database.js';
import { QuiverServer, type ServerOptions } from '../../src/server/server.js';
import { tempDir } from './reference.js';

export interface TestServer {
  url: string;
  db: Quiver;
  server: QuiverServer;
  dir: string;
  /** Closes the server, then the database, then removes the folder. */
  stop(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = tempDir('quiver-server-test-');
  const db = await Quiver.open(dir.path);
  const server = await QuiverServer.create(db, { logLevel: 'error', ...options });
  const url = await server.listen('127.0.0.1', 0);
  return {
    url,
    db,
    server,
    dir: dir.path,
    stop: async () => {
      await server.close();
      await db.close();
      dir.cleanup();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
}

/**
 * Sends one request. `body` is sent as JSON unless it is a string (sent as it is, to test
 * malformed text); `headers` are added (e.g. an API key, a content type).
 */
export async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...headers };
  }
  const response = await fetch(url + path, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, HTML): keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The `result` of a successful answer (asserting the envelope `{ result, status: 'ok', time }`). */
export function resultOf<T = unknown>(answer: HttpResult): T {
  assert.ok(answer.status < 300, `expected success, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  const body = answer.body as { result?: T; status?: unknown; time?: unknown };
  assert.equal(body.status, 'ok', JSON.stringify(body));
  assert.equal(typeof body.time, 'number');
  return body.result as T;
}

/**
 * Asserts an error response: its status, the one error shape (Qdrant's
 * `{ status: { error }, time }` with Quiver's `code` and `path`), its code and (optionally) its path.
 */
export function assertError(result: HttpResult, status: number, code: string, path?: string): void {
  assert.equal(
    result.status,
    status,
    `expected ${status}, got ${result.status}: ${JSON.stringify(result.body)}`,
  );
  const body = result.body as { status?: Record<string, unknown>; time?: unknown };
  const error = body.status;
  assert.ok(typeof error === 'object' && error !== null, `no error object in ${JSON.stringify(result.body)}`);
  assert.equal(typeof body.time, 'number', 'time in seconds');
  assert.equal(error.code, code, `code: ${JSON.stringify(error)}`);
  assert.equal(typeof error.error, 'string');
  assert.deepEqual(
    Object.keys(error).filter((k) => !['code', 'error', 'path'].includes(k)),
    [],
    'only error, code and path',
  );
  if (path !== undefined) assert.equal(error.path, path, `path: ${JSON.stringify(error)}`);
  assert.doesNotMatch(JSON.stringify(result.body), /\bat .+\.js:\d+/, 'no stack trace');
}
