/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, R2, GCS's S3 API), below a key prefix:
 * the `ObjectStore` of cluster mode, and usable by `Quiver.open(path, { objectStore })`.
 *
 * Contract, as `ObjectStore` states it:
 * - `put` is atomic (S3 makes an object visible whole or not at all) and durable when it
 *   resolves. Objects up to `partBytes` go in one `PutObject`; larger ones as a multipart
 *   upload, aborted when a part fails, so a failed `put` leaves no object; an upload whose
 *   process died is aborted by `removeTemporary` once it is older than `staleUploadMs`
 *   (other nodes may be uploading right now, so younger ones are left alone).
 * - A missing object rejects with an error whose `code` is `ENOENT`, as the filesystem
 *   store's does, so readers tell "missing" from "unreachable" the same way.
 * - A store that cannot be reached (connection refused or reset, a timeout, a 5xx or
 *   `SlowDown` from the service after the SDK's own retries) rejects with `UnavailableError`:
 *   nothing was written, and the call can be repeated.
 * - Nothing relies on conditional writes or on listing being consistent with a racing write:
 *   the catalog (PostgreSQL) decides which objects are current, and names are unique.
 *
 * Credentials and region come from the SDK's usual sources (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, profiles…). With an `endpoint` the store addresses
 * buckets path-style (`<endpoint>/<bucket>/<key>`), which S3-compatible servers expect.
 * `@aws-sdk/client-s3` is loaded on first use, so a single-node database never loads it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidArgumentError, UnavailableError } from '../errors.js';
import { isNetworkCode } from './network-errors.js';
import type { ObjectStore } from './object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix of every object ('' or a folder-like prefix; a missing final `/` is added). */
  prefix?: string;
  /** An S3-compatible service's URL (`http://127.0.0.1:9000`); addresses buckets path-style. */
  endpoint?: string;
  /** Region; default `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Objects larger than this go as multipart uploads of parts this size (≥ 5 MiB). Default 64 MiB. */
  partBytes?: number;
  /** Multipart uploads older than this are aborted by `removeTemporary`. Default 24 h. */
  staleUploadMs?: number;
  /** Attempts per request, the SDK's retries included. Default 3. */
  maxAttempts?: number;
  /** Milliseconds to wait for a connection, and for a request's answer. Defaults 5,000 and 120,000. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const MIN_PART = 5 * 2 ** 20;
const DELETE_BATCH = 1000;

/** `s3://bucket/prefix` → bucket and prefix. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match || match[1] === '') {
    throw new InvalidArgumentError(`object storage URL must look like s3://bucket/prefix, got '${url}'`);
  }
  return { bucket: match[1], prefix: match[2] };
}

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  /** '' or ends in '/'. */
  readonly prefix: string;
  private readonly partBytes: number;
  private readonly staleUploadMs: number;
  private client: Promise<{ s3: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;

  constructor(private readonly options: S3ObjectStoreOptions) {
    if (!options.bucket) throw new InvalidArgumentError('an S3 object store needs a bucket');
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.partBytes = Math.max(MIN_PART, options.partBytes ?? 64 * 2 ** 20);
    this.staleUploadMs = options.staleUploadMs ?? 24 * 3600 * 1000;
  }

  /** The SDK and a client, loaded and made on first use. */
  private sdk() {
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const o = this.options;
      const s3 = new sdk.S3Client({
        region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        ...(o.endpoint ? { endpoint: o.endpoint, forcePathStyle: true } : {}),
        maxAttempts: o.maxAttempts ?? 3,
        requestHandler: {
          connectionTimeout: o.connectTimeoutMs ?? 5_000,
          requestTimeout: o.requestTimeoutMs ?? 120_000,
        },
      });
      return { s3, sdk };
    });
    return this.client;
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const { s3, sdk } = await this.sdk();
    const Key = this.key(key);
    if (data.byteLength <= this.partBytes) {
      await this.call(`writing ${key}`, () =>
        s3.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: data })),
      );
      return;
    }
    const started = await this.call(`writing ${key}`, () =>
      s3.send(new sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key })),
    );
    const UploadId = started.UploadId;
    try {
      const parts: { ETag: string | undefined; PartNumber: number }[] = [];
      for (let at = 0, PartNumber = 1; at < data.byteLength; at += this.partBytes, PartNumber++) {
        const Body = data.subarray(at, Math.min(data.byteLength, at + this.partBytes));
        const part = await this.call(`writing ${key}`, () =>
          s3.send(new sdk.UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body })),
        );
        parts.push({ ETag: part.ETag, PartNumber });
      }
      await this.call(`writing ${key}`, () =>
        s3.send(
          new sdk.CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (err) {
      await s3
        .send(new sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const { s3, sdk } = await this.sdk();
    return this.call(
      `reading ${key}`,
      async () => {
        const out = await s3.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
        if (!out.Body) return new Uint8Array(0);
        return out.Body.transformToByteArray();
      },
      key,
    );
  }

  async size(key: string): Promise<number> {
    const { s3, sdk } = await this.sdk();
    const head = await this.call(
      `reading ${key}`,
      () => s3.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
      key,
    );
    return head.ContentLength ?? 0;
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    await this.eachPage(prefix, undefined, (page) => {
      for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key.slice(this.prefix.length));
    });
    return out;
  }

  async folders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    await this.eachPage(prefix, '/', (page) => {
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(this.prefix.length));
    });
    return out;
  }

  async delete(key: string): Promise<void> {
    const { s3, sdk } = await this.sdk();
    await this.call(`deleting ${key}`, () =>
      s3.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
    );
  }

  async deletePrefix(prefix: string): Promise<void> {
    const { s3, sdk } = await this.sdk();
    const keys = await this.list(prefix);
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const Objects = keys.slice(at, at + DELETE_BATCH).map((k) => ({ Key: this.key(k) }));
      const out = await this.call(`deleting ${prefix}`, () =>
        s3.send(new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } })),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(
          `deleting ${prefix}: ${failed.length} objects were not deleted (${failed[0].Code}: ${failed[0].Message})`,
        );
      }
    }
  }

  /**
   * Aborts the multipart uploads below the prefix that started more than `staleUploadMs` ago
   * (what a process that died during a `put` left). A service that cannot list uploads
   * (`NotImplemented`, as s3rver) has none to abort as far as this store can tell; real S3
   * users can also set a lifecycle rule `AbortIncompleteMultipartUpload`.
   */
  async removeTemporary(): Promise<void> {
    const { s3, sdk } = await this.sdk();
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    const before = Date.now() - this.staleUploadMs;
    for (;;) {
      let page: import('@aws-sdk/client-s3').ListMultipartUploadsCommandOutput;
      try {
        page = await this.call('listing interrupted uploads', () =>
          s3.send(
            new sdk.ListMultipartUploadsCommand({
              Bucket: this.bucket,
              Prefix: this.prefix,
              KeyMarker,
              UploadIdMarker,
            }),
          ),
        );
      } catch (err) {
        if ((err as { name?: string }).name === 'NotImplemented') return;
        throw err;
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || (u.Initiated && u.Initiated.getTime() > before)) continue;
        await this.call('aborting an interrupted upload', () =>
          s3.send(
            new sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
          ),
        );
      }
      if (!page.IsTruncated) return;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Closes the client's connections. */
  async close(): Promise<void> {
    if (!this.client) return;
    const { s3 } = await this.client;
    s3.destroy();
  }

  private async eachPage(
    prefix: string,
    Delimiter: string | undefined,
    each: (page: import('@aws-sdk/client-s3').ListObjectsV2CommandOutput) => void,
  ): Promise<void> {
    const { s3, sdk } = await this.sdk();
    let ContinuationToken: string | undefined;
    do {
      const page = await this.call(`listing ${prefix}`, () =>
        s3.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.key(prefix),
            Delimiter,
            ContinuationToken,
          }),
        ),
      );
      each(page);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** Runs one request, turning "missing" into ENOENT (when `key` is given) and "unreachable" into `UnavailableError`. */
  private async call<T>(operation: string, request: () => Promise<T>, key?: string): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (key !== undefined && isMissing(err)) {
        throw Object.assign(new Error(`${operation}: no such object`), { code: 'ENOENT', cause: err });
      }
      if (isUnreachable(err)) throw new UnavailableError('object storage', operation, 1, { cause: err });
      throw err;
    }
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** Whether `err` says the service could not be reached or could not answer now. */
export function isUnreachable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  if (isNetworkCode(e.code)) return true;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout' || e.name === 'SlowDown') return true;
  if (e.name === 'ServiceUnavailable' || e.name === 'InternalError') return true;
  const status = e.$metadata?.httpStatusCode;
  // 501 is `NotImplemented`: the service answered, and will give the same answer again.
  if (status !== undefined && status >= 500 && status !== 501) return true;
  return e.cause !== undefined && e.cause !== err && isUnreachable(e.cause);
}
