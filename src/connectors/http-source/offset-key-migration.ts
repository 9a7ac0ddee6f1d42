/**
 * Where an HTTP source continues from on start (task.ts restore), across partition key versions
 * (offset-key.ts): the offset under the current key; else the one under the newest earlier key
 * that has one (EARLIER_OFFSET_KEYS, newest first), to commit under the current key. Every earlier
 * key with an offset that differs from the current key gets a tombstone (a null offset:
 * SourceTask.updateOffsets) in that same first commit, so the old entry leaves the offset store and
 * GET /connectors/{c}/offsets (its key may show a secret the current key hides), and an http.url
 * edited later to another URL that had the same old key starts from http.initial.offset, not from
 * this one's position. Keys are never logged: an old one may hold a secret.
 */
import type { OffsetStorageReader, SourceOffsetUpdate } from "../../api/connector.ts";
import type { SourceMap } from "../../api/record.ts";
import { EARLIER_OFFSET_KEYS, type OffsetKeyVersion } from "./offset-key.ts";
import { PARTITION_URL } from "./offsets.ts";

/** The offset to continue from, and what the first commit must write for the migration. */
export interface FoundOffset {
  readonly stored: SourceMap | null;
  /** The version whose key the offset was found under, when it is an earlier one. */
  readonly version?: string;
  /** Present when an earlier key has an offset: the entries of the first commit. */
  readonly migration?: Migration;
}

export interface Migration {
  /** The earlier key's offset, to write under the current key (absent when that key had one). */
  readonly offset?: SourceMap;
  /** The earlier partitions with an offset, to remove. */
  readonly removed: readonly SourceMap[];
}

/**
 * The stored offset of `partition` (the current key of `url`, offsets.ts sourcePartition), or the
 * newest earlier version's; and the migration to commit when an earlier key has an offset.
 */
export async function storedOffset(
  reader: OffsetStorageReader,
  partition: SourceMap,
  url: string,
  earlier: readonly OffsetKeyVersion[] = EARLIER_OFFSET_KEYS,
): Promise<FoundOffset> {
  const current = await reader.offset(partition);
  const looked = new Set([partition[PARTITION_URL]]);
  const removed: SourceMap[] = [];
  let found: { offset: SourceMap; version: string } | undefined;
  for (const { version, key } of earlier) {
    const old = key(url);
    if (looked.has(old)) continue;
    looked.add(old);
    const oldPartition = { ...partition, [PARTITION_URL]: old };
    const offset = await reader.offset(oldPartition);
    if (offset === null) continue;
    removed.push(oldPartition);
    found ??= { offset, version };
  }
  if (removed.length === 0) return { stored: current };
  if (current !== null) return { stored: current, migration: { removed } };
  return { stored: found!.offset, version: found!.version, migration: { offset: found!.offset, removed } };
}

/**
 * The first commit's entries for `migration`: the earlier offset under `partition` unless a newer one
 * is written there in this commit (`newer`), and a tombstone for each earlier partition.
 */
export function migrationEntries(partition: SourceMap, migration: Migration, newer: boolean): SourceOffsetUpdate[] {
  const entries: SourceOffsetUpdate[] = migration.removed.map((old) => ({ partition: old, offset: null }));
  return migration.offset && !newer ? [{ partition, offset: migration.offset }, ...entries] : entries;
}
