/**
 * The HTTP transport of the client: JSON requests with the API key, a timeout, answers
 * taken out of their envelope (`{ result, status, time }`), and error responses turned
 * into typed errors. `http:` URLs use the `fetch` built into Node (keep-alive connections
 * are pooled per origin); `https:` URLs use `node:https` (see `https-request.ts`) and
 * always verify the server's certificate: a rejected one is a `CertificateError`, and
 * a scheme that does not match what the port speaks is a `ConnectionError` that says so.
 */
import { CertificateError, ConnectionError, errorFromResponse, ServerError } from './errors.js';
import { type CaOption, HttpsRequester } from './https-request.js';

export interface TransportOptions {
  /** Sent as `Authorization: Bearer <key>`: an API key or a JWT bearer token. */
  apiKey?: string;
  /** Per-request timeout in milliseconds. Default 60,000. */
  timeoutMs?: number;
  /**
   * For `https:` URLs: the CA certificate(s) (PEM) to trust instead of Node's bundled roots,
   * e.g. a private CA or a self-signed server certificate. Certificates are always verified.
   */
  ca?: CaOption;
}

/** OpenSSL's codes for a certificate that does not verify (Node's `error.code`). */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class HttpTransport {
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly https: HttpsRequester | undefined;

  constructor(
    readonly baseUrl: string,
    options: TransportOptions,
  ) {
    this.headers = options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` };
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.https = baseUrl.startsWith('https:') ? new HttpsRequester(options.ca) : undefined;
  }

  /** Closes the kept-alive HTTPS connections (fetch's pool closes idle ones by itself). */
  close(): void {
    this.https?.close();
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
    const init = { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) };
    try {
      return await (this.https
        ? this.https.send(this.baseUrl + path, init)
        : fetch(this.baseUrl + path, init));
    } catch (error) {
      const where = `${method} ${this.baseUrl}${path}`;
      const code = codeOf(error);
      if (code !== undefined && CERTIFICATE_CODES.has(code)) {
        throw new CertificateError(
          `${where}: the server's certificate was rejected (${code}): give the CA that signed it as { ca }, ` +
            'and connect by a name the certificate is for',
        );
      }
      throw new ConnectionError(
        `${where}: ${describeFetchError(error, this.timeoutMs, this.https !== undefined)}`,
      );
    }
  }
}

/** The code of a request's failure: the error's own (node:https) or its cause's (fetch). */
function codeOf(error: unknown): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

function describeFetchError(error: unknown, timeoutMs: number, https: boolean): string {
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = codeOf(error);
  // A TLS port closes a plain HTTP request's connection; a plain port answers a TLS hello with text.
  if (!https && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) {
    return `${code}: the server closed the connection without answering (if it serves HTTPS, use an https:// URL)`;
  }
  if (https && code === 'EPROTO')
    return 'EPROTO: the TLS handshake failed (if the server speaks plain HTTP, use http://)';
  const cause = (error as { cause?: { message?: string } }).cause;
  return code ?? cause?.message ?? (error as Error).message;
}
