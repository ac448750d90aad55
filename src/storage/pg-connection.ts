/**
 * Connections to the cluster's PostgreSQL catalog: a `pg` pool, transactions, and the
 * mapping of connection failures to `UnavailableError`.
 *
 * Invariants:
 * - Every statement runs through `query` or `transaction`, so a server that is down,
 *   restarting or refusing connections surfaces as `UnavailableError('catalog', …)`, never
 *   as a raw socket error; the pool survives it (idle clients that die are dropped with an
 *   `error` event the pool handles), and the next call after the server is back succeeds.
 * - A transaction that fails with a serialization failure or a deadlock is run again from
 *   the start, up to `RETRIES` times; any other error rolls it back and is thrown.
 * - `pg` is loaded on first use (cluster mode only).
 */
import type pg from 'pg';
import { UnavailableError } from '../errors.js';
import { isNetworkCode } from './network-errors.js';

const RETRIES = 5;

export interface PgConnectionOptions {
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Milliseconds to wait for a connection before the call fails as unavailable. Default 5,000. */
  connectTimeoutMs?: number;
}

/** SQLSTATE classes and codes that say the server cannot serve now (docs: Appendix A). */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53000', '58000', '58030']);

/** Whether `err` says PostgreSQL could not be reached or dropped the connection. */
export function isCatalogUnreachable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    if (isNetworkCode(e.code) || UNAVAILABLE_STATES.has(e.code) || e.code.startsWith('08')) return true;
  }
  const message = e?.message ?? '';
  return (
    message.startsWith('Connection terminated') ||
    message.includes('timeout exceeded when trying to connect') ||
    message === 'Client has encountered a connection error and is not queryable'
  );
}

export class PgConnection {
  private constructor(readonly pool: pg.Pool) {}

  static async open(url: string, options: PgConnectionOptions = {}): Promise<PgConnection> {
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      application_name: 'quiver',
    });
    // An idle client whose server went away emits `error` on the pool; without a listener
    // that would end the process. The pool drops the client; the next call reconnects.
    pool.on('error', () => undefined);
    return new PgConnection(pool);
  }

  /** One statement on any pooled connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    operation: string,
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw unavailableOr(err, operation);
    }
  }

  /**
   * Runs `work` in a transaction (`isolation` default READ COMMITTED) and commits it;
   * rolls back and rethrows on error; runs it again on a serialization failure or deadlock.
   */
  async transaction<T>(
    operation: string,
    work: (client: pg.PoolClient) => Promise<T>,
    isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw unavailableOr(err, operation);
      }
      let broken = false;
      // A connection that dies while checked out emits `error` besides failing the query;
      // unheard, that event would end the process.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const out = await work(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        broken ||= isCatalogUnreachable(err);
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code;
        if ((code === '40001' || code === '40P01') && attempt < RETRIES) continue;
        throw unavailableOr(err, operation);
      } finally {
        // A client whose connection failed is destroyed rather than returned to the pool.
        client.off('error', onError);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function unavailableOr(err: unknown, operation: string): unknown {
  return isCatalogUnreachable(err) ? new UnavailableError('catalog', operation, 1, { cause: err }) : err;
}

/** `"name"`, for a schema or table name given by the user (doubling inner quotes). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
