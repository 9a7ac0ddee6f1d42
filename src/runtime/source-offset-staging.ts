/**
 * Staging of source offsets as Kafka acknowledges a task's batches: per source partition the last
 * offset of the batch, keyed by the partition's canonical JSON (the offset store's key), a later
 * batch overwriting an earlier one. WorkerSourceTask writes what is staged on its offset flush.
 */
import type { SourceMap, SourceRecord } from "../api/record.ts";
import { canonicalJson } from "../store/offset-store.ts";

/** Staged offsets by canonical partition key. */
export type StagedOffsets = Map<string, { partition: SourceMap; offset: SourceMap }>;

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

/** Stages the last offset of each source partition in the batch (later batches overwrite). */
export function stageOffsets(staged: StagedOffsets, records: readonly SourceRecord[]): void {
  let previous: SourceMap | null = null;
  let previousKey = "";
  const seen = new Set<string>();
  for (let i = records.length - 1; i >= 0; i--) {
    const { sourcePartition, sourceOffset } = records[i]!;
    if (!sourcePartition || !sourceOffset) continue;
    const key =
      previous !== null && sameSourceMap(previous, sourcePartition) ? previousKey : canonicalJson(sourcePartition);
    previous = sourcePartition;
    previousKey = key;
    if (seen.has(key)) continue;
    seen.add(key);
    staged.set(key, { partition: sourcePartition, offset: sourceOffset });
  }
}
