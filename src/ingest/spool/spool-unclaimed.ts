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
import { spoolMode } from "./spool-config.ts";

/** Logs one WARN per partition of `store` with rows whose connector (`configOf`) does not drain it. */
export function warnUnclaimedSpool(
  store: Pick<SpoolStore, "partitions" | "stats" | "totalMaxBytes">,
  configOf: (connector: string) => RawConnectorConfig | undefined,
  log: Logger,
): void {
  for (const partition of store.partitions()) {
    const config = configOf(partition);
    if (spoolMode(config)) continue;
    const { records, bytes } = store.stats(partition);
    const cap = store.totalMaxBytes === null ? "" : ` and count in ingest.spool.total.max.bytes=${store.totalMaxBytes}`;
    const held = `The spool file holds ${records} records (${bytes} bytes) of connector ${partition}`;
    log.warn(
      config === undefined
        ? `${held}, which does not exist (deleted?): no task drains them${cap}. Create a connector named ${partition} with ingest.ack.mode=spool to send them to Kafka`
        : `${held}, which does not run in ingest.ack.mode=spool now: no task drains them${cap}. Run ${partition} in ingest.ack.mode=spool again to send them to Kafka`,
    );
  }
}
