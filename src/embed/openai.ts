/**
 * `openai:<url>`: texts embedded by an OpenAI-compatible HTTP endpoint — OpenAI itself
 * (`openai:https://api.openai.com/v1`) or a local server that speaks the same API (llama.cpp,
 * vLLM, Ollama, LocalAI, text-embeddings-inference): `POST <url>/embeddings` with
 * `{ model, input: [texts], encoding_format, dimensions? }`, answered by `data[].embedding`.
 *
 * Invariants: the provider talks to the URL it is given and nowhere else. Each batch of at
 * most `batchSize` texts is one request; a request that fails (no answer within `timeoutMs`,
 * a connection error, an HTTP error status, an answer with the wrong count or length of
 * vectors) fails the `embed` call with an `EmbeddingModelError` that carries the HTTP status
 * and the server's message — never the API key. Vectors are scaled to unit length (cosine).
 * The dimension is `dimension` (or `dimensions`) when given, else asked of the endpoint with
 * one request when the provider is created.
 */
import { InvalidArgumentError } from '../errors.js';
import { embeddingsOf, errorMessageOf } from './openai-response.js';
import { type EmbedderOptions, EmbeddingModelError, type EmbeddingProvider } from './provider.js';
import { checkOptionNames, choiceOption, integerOption, stringOption } from './provider-options.js';
import { textProvider } from './text-provider.js';

const PREFIX = 'openai:';
const OPTIONS = ['model', 'apiKey', 'dimensions', 'dimension', 'batchSize', 'timeoutMs', 'encodingFormat'];
/** OpenAI's limit on inputs per request. */
const MAX_BATCH = 2048;
/** The text of the request that asks the endpoint for its dimension. */
const PROBE_TEXT = 'dimension probe';

/**
 * The `openai:<url>` provider, `<url>` being the API base (`http://127.0.0.1:8080/v1`).
 * Options: `model` (default `'text-embedding-3-small'`); `apiKey`, sent as a Bearer token
 * (default: the `OPENAI_API_KEY` environment variable, read at each request — prefer it, as
 * options are stored in the collection's schema); `dimensions`, passed to the endpoint (models
 * that can shorten their vectors); `dimension`, the expected length, which saves the probe
 * request; `batchSize` (default 64, at most 2048); `timeoutMs` per request (default 60000);
 * `encodingFormat` `'float'` (default) or `'base64'`.
 *
 * @example
 * const e = await createEmbedder('openai:https://api.openai.com/v1', { model: 'text-embedding-3-small' });
 * const [v] = await e.embed(['a red dress']); // Float32Array(1536), unit length
 */
export async function createOpenAiEmbedder(
  name: string,
  options: EmbedderOptions,
): Promise<EmbeddingProvider> {
  const base = baseUrl(name);
  checkOptionNames(name, options, OPTIONS);
  const model = stringOption(name, options, 'model') ?? 'text-embedding-3-small';
  const apiKey = stringOption(name, options, 'apiKey');
  const dimensions =
    options.dimensions == null ? undefined : integerOption(name, options, 'dimensions', 0, 1, 65536);
  const stated = integerOption(name, options, 'dimension', dimensions ?? 0, 1, 65536);
  if (dimensions !== undefined && stated !== dimensions) {
    throw new InvalidArgumentError(
      `${name}: options dimension (${stated}) and dimensions (${dimensions}) differ`,
    );
  }
  const batchSize = integerOption(name, options, 'batchSize', 64, 1, MAX_BATCH);
  const timeoutMs = integerOption(name, options, 'timeoutMs', 60_000, 1, 3_600_000);
  const encodingFormat = choiceOption(name, options, 'encodingFormat', ['float', 'base64'] as const, 'float');
  const endpoint = `${base}/embeddings`;

  const request = async (texts: readonly string[], dimension?: number): Promise<Float32Array[]> => {
    const key = apiKey ?? process.env.OPENAI_API_KEY;
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ model, input: texts, encoding_format: encodingFormat, dimensions }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      const err = e as Error & { cause?: Error };
      const why =
        err.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (err.cause?.message ?? err.message);
      throw new EmbeddingModelError(`${name}: POST ${endpoint} failed: ${why}`);
    }
    if (!response.ok) {
      throw new EmbeddingModelError(
        `${name}: POST ${endpoint} answered HTTP ${response.status} ${response.statusText}: ${errorMessageOf(text)}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new EmbeddingModelError(
        `${name}: POST ${endpoint} answered with something not JSON: ${errorMessageOf(text)}`,
      );
    }
    return embeddingsOf(name, body, texts.length, dimension);
  };

  const dimension = stated || (await request([PROBE_TEXT]))[0].length;
  return textProvider({
    name,
    dimension,
    batchSize,
    embedBatch: (texts) => request(texts, dimension),
    dispose: async () => {},
  });
}

/** The API base of `openai:<url>`, without trailing slashes; an http(s) URL or InvalidArgumentError. */
function baseUrl(name: string): string {
  const url = name.slice(PREFIX.length).replace(/\/+$/, '');
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (!name.startsWith(PREFIX) || (protocol !== 'http:' && protocol !== 'https:')) {
    throw new InvalidArgumentError(`provider: expected 'openai:<http(s) URL of the API>', got '${name}'`);
  }
  return url;
}
