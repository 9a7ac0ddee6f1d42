/**
 * Staged source offsets: per source partition, keyed by its canonical JSON (the offset store's key), the offset of its
 * acknowledged prefix (SubmittedOffsets.committable, submitted-offsets.ts), which the task may update before a flush
 * (`updateOffsets`). SourceAcknowledgements writes what is staged on its offset flush.
 */
import type { SourceOffsetUpdate, SourceTask } from "../api/connector.ts";
import { canonicalJson } from "../store/offset-store.ts";
import type { Logger } from "../util/logger.ts";

/** Staged offsets by canonical partition key; a null offset (a record's, or from `updateOffsets`) is a tombstone. */
export type StagedOffsets = Map<string, SourceOffsetUpdate>;

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
