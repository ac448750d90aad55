/**
 * The catalog's side of encryption at rest (docs/format.md, "Encrypted container" and
 * "Catalog"): the database's encryption record, and the sealing of the catalog columns that
 * hold vectors, payloads or images — every WAL row's `body` and every thumbnail's `body`.
 * Collection names, configurations and manifests stay in clear (they hold names, dimensions,
 * index settings and file names, no point data).
 *
 * The record is the `meta` row `encryption`: JSON `{ "version": 1, "cipher": "AES-256-GCM",
 * "kcv": <check value of the current key>, "previous": [<check values>] }`. It is written
 * once, when a database is first opened with a key (it then has no collection), and changed
 * only by a key rotation: `previous` lists the keys some file or row may still be sealed
 * under; it is emptied when the rotation has re-sealed everything. The key itself is never
 * stored. The `meta` table exists in every schema version, so the record needs no migration;
 * a build without encryption ignores it and then fails on the sealed rows and files.
 *
 * Sealed columns. A WAL body is sealed for `wal/<collection id>/<kind>`, a thumbnail for
 * `thumbnail/<collection id>/<field>` (encrypt-container.ts: the name is bound into the key,
 * so a row moved to another collection fails to open). Row checksums (`catalog-rows.ts`)
 * cover the sealed bytes, as stored.
 */
import type Sqlite from 'better-sqlite3';
import { CorruptDataError } from '../errors.js';
import { isContainer } from './encrypt-container.js';
import type { EncryptionKeyring } from './encrypt-keys.js';

/** The `meta` row of an encrypted database. */
export interface EncryptionRecord {
  version: 1;
  cipher: 'AES-256-GCM';
  /** Check value of the current key (hex). */
  kcv: string;
  /** Check values of keys that files or rows may still be sealed under (a rotation in progress). */
  previous: string[];
}

const META_KEY = 'encryption';
/** Rows re-sealed per transaction by a key rotation. */
const RESEAL_BATCH = 256;

export class CatalogEncryption {
  /** The keys, once the database is opened with one; undefined for a database in clear. */
  keyring: EncryptionKeyring | undefined;
  private readonly stmts: ReturnType<CatalogEncryption['prepare']>;

  constructor(
    private readonly db: Sqlite.Database,
    private readonly file: string,
    private readonly rowCrc: {
      wal(collectionId: number, kind: number, body: Uint8Array): number;
      thumbnail(collectionId: number, point: number | string, field: string, body: Uint8Array): number;
    },
  ) {
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      get: db.prepare(`SELECT value FROM meta WHERE key = '${META_KEY}'`),
      set: db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('${META_KEY}', ?)`),
      walPage: db.prepare(
        'SELECT seq, collection_id, kind, body FROM wal WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      setWal: db.prepare('UPDATE wal SET body = ?, crc = ? WHERE seq = ?'),
      thumbPage: db.prepare(
        'SELECT rowid AS id, collection_id, point, field, body FROM thumbnails WHERE rowid > ? ORDER BY rowid LIMIT ?',
      ),
      setThumb: db.prepare('UPDATE thumbnails SET body = ?, crc = ? WHERE rowid = ?'),
    };
  }

  /** Whether WAL and thumbnail bodies are sealed (the database is encrypted and its key attached). */
  get sealing(): boolean {
    return this.keyring !== undefined;
  }

  /** The encryption record, or undefined for a database in clear. */
  record(): EncryptionRecord | undefined {
    const row = this.stmts.get.get() as { value: string } | undefined;
    if (row === undefined) return undefined;
    try {
      const record = JSON.parse(row.value) as EncryptionRecord;
      if (record.version !== 1 || typeof record.kcv !== 'string' || !Array.isArray(record.previous)) throw 0;
      return record;
    } catch {
      throw new CorruptDataError(this.file, 'the encryption record is malformed');
    }
  }

  /** Writes the encryption record durably (one transaction). */
  setRecord(record: EncryptionRecord): void {
    this.db.transaction(() => this.stmts.set.run(JSON.stringify(record)))();
  }

  /** A WAL body as stored: sealed when the database is encrypted. */
  sealWal(collectionId: number, kind: number, body: Uint8Array): Uint8Array {
    return this.keyring ? this.keyring.seal(walInfo(collectionId, kind), body) : body;
  }

  /** A stored WAL body opened (`where` names the row in errors). */
  openWal(collectionId: number, kind: number, body: Buffer, where: string): Buffer {
    if (!this.keyring) return body;
    if (!isContainer(body)) throw new CorruptDataError(where, 'is not encrypted in an encrypted database');
    return this.keyring.open(walInfo(collectionId, kind), body, where);
  }

  /** A thumbnail body as stored. */
  sealThumbnail(collectionId: number, field: string, body: Uint8Array): Uint8Array {
    return this.keyring ? this.keyring.seal(thumbnailInfo(collectionId, field), body) : body;
  }

  /** A stored thumbnail body opened. */
  openThumbnail(collectionId: number, field: string, body: Buffer, where: string): Buffer {
    if (!this.keyring) return body;
    if (!isContainer(body)) throw new CorruptDataError(where, 'is not encrypted in an encrypted database');
    return this.keyring.open(thumbnailInfo(collectionId, field), body, where);
  }

  /**
   * Re-seals under the current key the next batch of WAL and thumbnail rows sealed under
   * another, after `cursor` (start with `{ wal: 0, thumbnail: 0 }`); one transaction.
   * Returns how many rows it re-sealed and the cursor to continue from (undefined when every
   * row has been visited).
   */
  resealBatch(cursor: ResealCursor): { resealed: number; next: ResealCursor | undefined } {
    const keyring = this.keyring;
    if (!keyring) return { resealed: 0, next: undefined };
    let resealed = 0;
    const next = this.db.transaction((): ResealCursor | undefined => {
      const wal = this.stmts.walPage.all(cursor.wal, RESEAL_BATCH) as {
        seq: number;
        collection_id: number;
        kind: number;
        body: Buffer;
      }[];
      for (const r of wal) {
        if (keyring.isCurrent(r.body)) continue;
        const where = `${this.file} (WAL row ${r.seq} of collection ${r.collection_id})`;
        const plain = this.openWal(r.collection_id, r.kind, r.body, where);
        const body = keyring.seal(walInfo(r.collection_id, r.kind), plain);
        this.stmts.setWal.run(body, this.rowCrc.wal(r.collection_id, r.kind, body), r.seq);
        resealed++;
      }
      if (wal.length > 0) return { ...cursor, wal: wal[wal.length - 1].seq };
      const thumbs = this.stmts.thumbPage.all(cursor.thumbnail, RESEAL_BATCH) as {
        id: number;
        collection_id: number;
        point: number | string;
        field: string;
        body: Buffer;
      }[];
      for (const r of thumbs) {
        if (keyring.isCurrent(r.body)) continue;
        const where = `${this.file} (thumbnail ${JSON.stringify(r.point)}/${r.field} of collection ${r.collection_id})`;
        const plain = this.openThumbnail(r.collection_id, r.field, r.body, where);
        const body = keyring.seal(thumbnailInfo(r.collection_id, r.field), plain);
        this.stmts.setThumb.run(body, this.rowCrc.thumbnail(r.collection_id, r.point, r.field, body), r.id);
        resealed++;
      }
      if (thumbs.length > 0) return { ...cursor, thumbnail: thumbs[thumbs.length - 1].id };
      return undefined;
    })();
    return { resealed, next };
  }
}

/** Where a key rotation's pass over the catalog rows stands: the last WAL seq and thumbnail rowid visited. */
export interface ResealCursor {
  wal: number;
  thumbnail: number;
}

function walInfo(collectionId: number, kind: number): string {
  return `wal/${collectionId}/${kind}`;
}

function thumbnailInfo(collectionId: number, field: string): string {
  return `thumbnail/${collectionId}/${field}`;
}
