/**
 * Staging of source offsets as Kafka acknowledges a task's batches: per source partition the last
 * offset of the batch, keyed by the partition's canonical JSON (the offset store's key), a later
 * batch overwriting an earlier one; after a failed or given-up batch, each partition's prefix of handled records
 * (`stagePartitionPrefixes`); before a flush the task may update them (`updateOffsets`). WorkerSourceTask writes what
 * is staged on its offset flush.
 */
import type { SourceOffsetUpdate, SourceTask } from "../api/connector.ts";
import type { SourceMap, SourceRecord } from "../api/record.ts";
import { canonicalJson } from "../store/offset-store.ts";
import type { Logger } from "../util/logger.ts";

/** Staged offsets by canonical partition key; a null offset (a record's, or from `updateOffsets`) is a tombstone. */
export type StagedOffsets = Map<string, SourceOffsetUpdate>;

function sameSourceMap(a: SourceMap, b: SourceMap): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    const v = a[k];
    if ((v !== null && typeof v === "object") || v !== b[k]) return false;
  }
  return true;
}

/**
 * Stages the last offset of each source partition in the batch (later batches overwrite). A record
 * with a partition and a null offset stages a tombstone, as Connect's SubmittedRecords hands the last
 * acknowledged record's offset, null included, to its OffsetStorageWriter; a record without a
 * partition stages nothing.
 */
export function stageOffsets(staged: StagedOffsets, records: readonly SourceRecord[]): void {
  let previous: SourceMap | null = null;
  let previousKey = "";
  const seen = new Set<string>();
  for (let i = records.length - 1; i >= 0; i--) {
    const { sourcePartition, sourceOffset } = records[i]!;
    if (!sourcePartition) continue;
    const key =
      previous !== null && sameSourceMap(previous, sourcePartition) ? previousKey : canonicalJson(sourcePartition);
    previous = sourcePartition;
    previousKey = key;
    if (seen.has(key)) continue;
    seen.add(key);
    staged.set(key, { partition: sourcePartition, offset: sourceOffset ?? null });
  }
}

/**
 * After a poll batch failed or was given up, Connect (SubmittedRecords) still commits each source partition's
 * acknowledged prefix: per partition, records are taken in poll order until the first one not `handled` (not written,
 * or perhaps written), which ends that partition's prefix for good (`ended`, kept across the batches walked after it);
 * the other partitions go on. Stages the offset of each partition's last record taken. A record without a partition
 * neither stages nor ends anything (Connect tracks the null partition apart; no offset is stored for it).
 */
export function stagePartitionPrefixes(
  staged: StagedOffsets,
  ended: Set<string>,
  records: readonly SourceRecord[],
  handled: (i: number) => boolean,
): void {
  for (let i = 0; i < records.length; i++) {
    const { sourcePartition, sourceOffset } = records[i]!;
    if (!sourcePartition) continue;
    const key = canonicalJson(sourcePartition);
    if (ended.has(key)) continue;
    if (handled(i)) staged.set(key, { partition: sourcePartition, offset: sourceOffset ?? null });
    else ended.add(key);
  }
}

/**
 * Lets the task update the staged offsets before a commit (`SourceTask.updateOffsets`, a gateway
 * extension after the KIP-910 proposal): the entries it returns replace or add to them, a null offset
 * as a tombstone that removes the partition at the commit. A task that throws keeps them as they are
 * (logged).
 */
export function updateStagedOffsets(task: SourceTask, staged: StagedOffsets, log: Logger): void {
  if (!task.updateOffsets) return;
  let updated: ReturnType<NonNullable<SourceTask["updateOffsets"]>>;
  try {
    updated = task.updateOffsets([...staged.values()].map((e) => ({ partition: e.partition, offset: e.offset })));
  } catch (error) {
    log.error("SourceTask.updateOffsets() failed; committing the offsets of the acknowledged records", error);
    return;
  }
  for (const { partition, offset } of updated ?? []) staged.set(canonicalJson(partition), { partition, offset });
}
