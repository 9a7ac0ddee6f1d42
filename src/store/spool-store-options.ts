/**
 * How a SpoolStore (spool-store.ts) is set up when it opens: SpoolStoreOptions (the clock that
 * stamps appends, the worker's entry, where the worker's warnings go, the worker-wide byte cap; defaults resolved once in
 * SpoolStore's constructor) and TAIL_MAX_BYTES, the memory a partition's SpoolTail may hold for a
 * drainer that keeps up before reads go back to the file. An options type and a constant: no state.
 */
import type { Logger } from "../util/logger.ts";

/** Most bytes of durable rows kept in memory per partition for a drainer that keeps up. */
export const TAIL_MAX_BYTES = 32 * 1_048_576;

export interface SpoolStoreOptions {
  readonly now?: () => number;
  /** The worker's entry (tests start a misbehaving one); default spool-worker.ts. */
  readonly workerUrl?: string | URL;
  /** Where the worker's warnings and notes go; default the logger `io.edgegateway.ingest.Spool`. */
  readonly log?: Logger;
  /** The worker's ingest.spool.total.max.bytes (what writers check `totalBytes` against); default none. */
  readonly totalMaxBytes?: number | null;
  /** The worker's ingest.spool.memory.max.bytes: what every partition's SpoolTail holds together; default none. */
  readonly memoryMaxBytes?: number;
  /** The worker's ingest.spool.page.size: page size of the spool file if it is created; default PAGE_SIZE (spool-file.ts). */
  readonly pageSize?: number;
  /** The spool file was deleted or replaced while open (already logged): the gateway stops (app.ts). */
  readonly onFileLost?: () => void;
}
