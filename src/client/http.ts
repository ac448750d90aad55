/**
 * The HTTP transport of the client: JSON requests with the API key, a timeout, answers
 * taken out of their envelope (`{ result, status, time }`), and error responses turned
 * into typed errors. Uses the `fetch` built into Node (keep-alive
 * connections are pooled per origin).
 */
import { ConnectionError, errorFromResponse, ServerError } from './errors.js';

export interface TransportOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Per-request timeout in milliseconds. Default 60,000. */
  timeoutMs?: number;
}

export class HttpTransport {
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    options: TransportOptions,
  ) {
    this.headers = options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` };
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Sends a request and resolves with the `result` of the parsed answer; rejects with a typed error. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...this.headers, accept: 'application/json' };
    let text: string | undefined;
    if (body !== undefined) {
      text = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const response = await this.fetch(method, path, headers, text);
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = raw.length === 0 ? undefined : JSON.parse(raw);
    } catch {
      throw new ServerError(
        response.status,
        'INVALID_RESPONSE',
        `expected JSON, got ${JSON.stringify(raw.slice(0, 80))}`,
      );
    }
    if (!response.ok) throw errorFromResponse(response.status, parsed, response.headers.get('retry-after'));
    if (typeof parsed !== 'object' || parsed === null || !('result' in parsed)) {
      throw new ServerError(
        response.status,
        'INVALID_RESPONSE',
        `expected { result, status, time }, got ${raw.slice(0, 80)}`,
      );
    }
    return (parsed as { result: T }).result;
  }

  /**
   * GETs a binary answer (sent outside the envelope, e.g. a thumbnail); resolves with
   * undefined when the server answers with the error code `absentCode`, rejects with a typed
   * error otherwise.
   */
  async getBytes(path: string, absentCode: string): Promise<Buffer | undefined> {
    const response = await this.fetch('GET', path, { ...this.headers, accept: '*/*' }, undefined);
    if (response.ok) return Buffer.from(await response.arrayBuffer());
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const error = errorFromResponse(response.status, parsed, response.headers.get('retry-after'));
    if (error.code === absentCode) return undefined;
    throw error;
  }

  private async fetch(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Response> {
    try {
      return await fetch(this.baseUrl + path, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ConnectionError(
        `${method} ${this.baseUrl}${path}: ${describeFetchError(error, this.timeoutMs)}`,
      );
    }
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
