/**
 * An S3-compatible server on loopback for a test file: `s3rver` (npm) storing its objects in a
 * temporary folder, with one bucket. It speaks S3's REST API to `@aws-sdk/client-s3` with
 * path-style addressing; any signature is accepted, so the credentials only need to be set.
 * `pause` closes the listener (the store is then unreachable), `resume` opens it again on the
 * same port with the same objects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials for the SDK (s3rver checks none); set as the `AWS_*` variables a user would set. */
export function useTestCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  process.env.AWS_REGION ??= 'us-east-1';
}

export async function startS3(bucket = 'quiver'): Promise<S3Server> {
  useTestCredentials();
  const directory = mkdtempSync(join(tmpdir(), 'quiver-s3-'));
  const make = (port: number) =>
    new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] });
  let server: S3rver | undefined = make(0);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async pause() {
      await server?.close();
      server = undefined;
    },
    async resume() {
      if (server) return;
      server = make(port);
      await server.run();
    },
    async stop() {
      await server?.close();
      server = undefined;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
