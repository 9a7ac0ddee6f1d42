/**
 * Rows of the spool file that no connector drains: those of a connector deleted (its rows stay in
 * the file) or of one that no longer runs in ingest.ack.mode=spool. They count in the worker's
 * ingest.spool.total.max.bytes, and nothing empties them until a spool connector of that name
 * exists again. app.ts calls `warnUnclaimedSpool` once the spool file opened (when the first spool
 * task starts: the herder has loaded every stored connector by then): one WARN per such partition.
 */
import type { RawConnectorConfig } from "../../store/config-store.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import type { Logger } from "../../util/logger.ts";

/** Whether a stored connector config drains its spool partition (as HttpIngestSource reads the mode). */
export function drainsSpool(config: RawConnectorConfig | undefined): boolean {
  return config !== undefined && (config["ingest.ack.mode"] ?? "kafka").trim() === "spool";
}

/** Logs one WARN per partition of `store` with rows whose connector (`configOf`) does not drain it. */
export function warnUnclaimedSpool(
  store: Pick<SpoolStore, "partitions" | "stats" | "totalMaxBytes">,
  configOf: (connector: string) => RawConnectorConfig | undefined,
  log: Logger,
): void {
  for (const partition of store.partitions()) {
    if (drainsSpool(configOf(partition))) continue;
    const { records, bytes } = store.stats(partition);
    const cap = store.totalMaxBytes === null ? "" : ` and count in ingest.spool.total.max.bytes=${store.totalMaxBytes}`;
    log.warn(
      `The spool file holds ${records} records (${bytes} bytes) of connector ${partition}, which does not exist in ingest.ack.mode=spool (deleted?): no task drains them${cap}. Create a connector named ${partition} with ingest.ack.mode=spool to send them to Kafka`,
    );
  }
}
