/**
 * A shard's manifest in the cluster catalog (`shards.manifest`, docs/format.md "Cluster
 * catalog"): the checkpoint that, with the log rows past `walCheckpoint`, makes up the shard.
 *
 * Version 1: `{ "formatVersion": 1, "walCheckpoint": P, "snapshot"?: key, "points"?: n }` —
 * `snapshot` is the object key of a collection snapshot (`snapshot-file.ts` format) of a
 * replica that had applied the log exactly up to `P`; without it the shard starts empty.
 * Snapshot objects are immutable and uniquely named; a manifest replaced by a newer one leaves
 * its snapshot as garbage.
 */
import { CorruptDataError } from '../errors.js';

export const SHARD_MANIFEST_VERSION = 1;

export interface ShardManifest {
  formatVersion: number;
  walCheckpoint: number;
  snapshot?: string;
  /** Points in the snapshot (for operators). */
  points?: number;
}

export function emptyShardManifest(): string {
  return JSON.stringify({ formatVersion: SHARD_MANIFEST_VERSION, walCheckpoint: 0 });
}

export function parseShardManifest(body: string, where: string): ShardManifest {
  let m: ShardManifest;
  try {
    m = JSON.parse(body);
  } catch {
    throw new CorruptDataError(where, 'shard manifest is not valid JSON');
  }
  if (m?.formatVersion !== SHARD_MANIFEST_VERSION) {
    throw new CorruptDataError(where, `shard manifest format version ${m?.formatVersion} is not supported`);
  }
  if (!Number.isSafeInteger(m.walCheckpoint) || m.walCheckpoint < 0) {
    throw new CorruptDataError(where, 'shard manifest lacks its log position');
  }
  return m;
}
