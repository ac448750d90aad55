/**
 * The master keys of an encrypted database and what is derived from them.
 *
 * A master key is 32 bytes (given as bytes or as 64 hex characters). It is never stored: the
 * catalog records only its check value (HMAC-SHA256 of a fixed label, 16 bytes), from which
 * nothing about the key can be learnt, and each container names the key that sealed it by
 * the first 8 bytes of that value (its key id). The keyring holds the current key, which
 * seals everything written, and during a key rotation the previous keys, which only open.
 */
import { createHmac } from 'node:crypto';
import { EncryptionKeyError, InvalidArgumentError } from '../errors.js';
import {
  type ContainerHeader,
  fileKey,
  isContainer,
  KEY_ID_BYTES,
  openContainer,
  parseHeader,
  sealContainer,
} from './encrypt-container.js';

/** A master key as callers give it: 32 bytes, or 64 hex characters. */
export type EncryptionKeyInput = Uint8Array | string;

const KEY_BYTES = 32;
const KEY_CHECK_LABEL = 'quiver key check value v1';

/**
 * The 32 bytes of a key given as bytes or hex (`label` names it in errors).
 * @throws InvalidArgumentError for anything else.
 */
export function parseEncryptionKey(input: EncryptionKeyInput, label = 'encryptionKey'): Buffer {
  if (typeof input === 'string') {
    const hex = input.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new InvalidArgumentError(
        `${label}: expected 64 hex characters (a 256-bit key), got ${hex.length} characters`,
      );
    }
    return Buffer.from(hex, 'hex');
  }
  if (input instanceof Uint8Array && input.byteLength === KEY_BYTES) return Buffer.from(input);
  throw new InvalidArgumentError(
    `${label}: expected a 32-byte Uint8Array or 64 hex characters, got ${
      input instanceof Uint8Array ? `${input.byteLength} bytes` : typeof input
    }`,
  );
}

/** The check value of a master key (hex): what the catalog records instead of the key. */
export function keyCheckValue(key: Uint8Array): string {
  return createHmac('sha256', key).update(KEY_CHECK_LABEL).digest().subarray(0, 16).toString('hex');
}

/** The key id that containers sealed under the key with check value `kcv` carry (hex). */
export function keyIdOf(kcv: string): string {
  return kcv.slice(0, KEY_ID_BYTES * 2);
}

/** The current master key and, during a rotation, the previous ones. */
export class EncryptionKeyring {
  /** Check value of the current key. */
  readonly kcv: string;
  /** Key id of the current key (hex). */
  readonly keyId: string;
  private readonly current: Buffer;
  private readonly currentId: Buffer;
  private readonly byId = new Map<string, Buffer>();

  constructor(current: Uint8Array, previous: readonly Uint8Array[] = []) {
    this.current = Buffer.from(current);
    this.kcv = keyCheckValue(current);
    this.keyId = keyIdOf(this.kcv);
    this.currentId = Buffer.from(this.keyId, 'hex');
    for (const key of previous) this.byId.set(keyIdOf(keyCheckValue(key)), Buffer.from(key));
    this.byId.set(this.keyId, this.current);
  }

  /** Check values of every key held (the current one first). */
  get checkValues(): string[] {
    return [this.kcv, ...[...this.byId.values()].filter((k) => k !== this.current).map(keyCheckValue)];
  }

  /** A keyring whose current key is `next`, keeping this one's keys to open what they sealed. */
  rotatedTo(next: Uint8Array): EncryptionKeyring {
    return new EncryptionKeyring(next, [...this.byId.values()]);
  }

  /** A keyring of the current key alone (once no container is sealed under the others). */
  withoutPrevious(): EncryptionKeyring {
    return new EncryptionKeyring(this.current);
  }

  /** `plain` sealed under the current key for `info` (a whole container). */
  seal(info: string, plain: Uint8Array): Buffer {
    return sealContainer(this.current, this.currentId, info, plain);
  }

  /**
   * The plaintext of the container `bytes` sealed for `info`.
   * @throws CorruptDataError naming `where` when it is not a container or fails authentication;
   *   EncryptionKeyError when its key is not in the ring.
   */
  open(info: string, bytes: Uint8Array, where: string): Buffer {
    const header = parseHeader(bytes, where);
    return openContainer(header, this.fileKeyOf(header, info, where), bytes, where);
  }

  /** The file key of a container with `header` sealed for `info`. @throws EncryptionKeyError */
  fileKeyOf(header: ContainerHeader, info: string, where: string): Buffer {
    return fileKey(this.masterOf(header, where), header.salt, info);
  }

  /** Whether the container `bytes` is sealed under the current key. */
  isCurrent(bytes: Uint8Array): boolean {
    return (
      isContainer(bytes) &&
      Buffer.from(bytes.buffer, bytes.byteOffset + 24, KEY_ID_BYTES).equals(this.currentId)
    );
  }

  private masterOf(header: ContainerHeader, where: string): Buffer {
    const key = this.byId.get(header.keyId.toString('hex'));
    if (key === undefined) {
      throw new EncryptionKeyError(
        `${where}: sealed under key id ${header.keyId.toString('hex')}, which is not among the keys given (${[
          ...this.byId.keys(),
        ].join(', ')}); during a key rotation pass the old key in previousEncryptionKeys`,
      );
    }
    return key;
  }
}
