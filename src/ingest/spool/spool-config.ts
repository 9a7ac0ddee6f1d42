/**
 * The HttpIngestSource keys of the acknowledgement mode (issue 12): `ingest.ack.mode` kafka (the
 * default: a request is answered once Kafka acknowledged its records) or spool (answered once
 * they are durably in the gateway's SQLite spool; a drainer sends them to Kafka), and the spool's
 * size limit. Concatenated into the connector's config def. Also the worker's spool keys, over
 * every spool connector (concatenated into the worker's config def).
 */
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import { PAGE_SIZE, PAGE_SIZES } from "../../store/spool-file.ts";

const GROUP = "Acknowledgement";

/** Whether a connector config (raw or parsed strings) runs in ingest.ack.mode=spool, as the task reads the key. */
export function spoolMode(config: Readonly<Record<string, string | undefined>> | undefined): boolean {
  return config !== undefined && (config["ingest.ack.mode"] ?? "kafka").trim() === "spool";
}

export const ingestSpoolConfigDef = defineConfig({
  "ingest.ack.mode": key.string({
    doc: "When a request is answered: kafka, once Kafka acknowledged every record (acks=all); spool, once the records are durably in the gateway's spool file (fsync'ed; <data.dir>/spool.db), from which they are sent to Kafka in order and deleted only once Kafka acknowledged them. spool keeps accepting while Kafka is unreachable, up to ingest.spool.max.bytes; it runs one task (the drainer) whatever tasks.max says, so records keep their order.",
    default: "kafka",
    importance: "HIGH",
    group: GROUP,
    validators: [check.oneOf(["kafka", "spool"])],
  }),
  "ingest.spool.max.bytes": key.long({
    doc: "Most bytes of records this connector keeps in the spool; beyond it requests get 503 with Retry-After until the drainer catches up (a request is always taken when the connector's spool holds nothing). At least ingest.max.body.bytes: validation refuses less.",
    default: 1_073_741_824,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(1)],
  }),
});

/** The worker's limits over every spool connector (worker.properties keys). */
export const ingestSpoolWorkerConfigDef = defineConfig({
  "ingest.spool.total.max.bytes": key.long({
    doc: "Most bytes of records the spool (<data.dir>/spool.db) holds for all the worker's ingest.ack.mode=spool connectors together, records left by deleted connectors included; beyond it requests to any of them get 503 with Retry-After until drainers catch up, except one to a connector whose own spool holds nothing (so records no drainer empties never lock a connector out; the total may pass the cap by one request per connector). Each connector's ingest.spool.max.bytes applies as well. Unset: no cap beyond the connectors' own.",
    default: null,
    importance: "MEDIUM",
    group: "Ingest",
    displayName: "Spool total max bytes",
    validators: [check.atLeast(1)],
  }),
  "ingest.spool.page.size": key.int({
    doc: `Page size in bytes of the spool file (<data.dir>/spool.db) when the gateway creates it (one of ${PAGE_SIZES.join(", ")}); an existing file keeps the size it was made with (move an empty one away to change it). Every group commit writes at least three whole pages to disk and fsyncs them: with 4096 a request writes fewer bytes than with ${PAGE_SIZE}, the more so the fewer records it carries (kinder to the flash of a small host with few, small requests; README "Bytes written to disk" gives the measured factors), for more CPU per record on large requests.`,
    default: PAGE_SIZE,
    importance: "LOW",
    group: "Ingest",
    displayName: "Spool page size",
    validators: [
      (n) =>
        n === null || !(PAGE_SIZES as readonly number[]).includes(n)
          ? `Value must be one of: ${PAGE_SIZES.join(", ")}`
          : undefined,
    ],
  }),
  "ingest.spool.memory.max.bytes": key.long({
    doc: "Most bytes of recent records all the worker's ingest.ack.mode=spool connectors together keep in memory (besides the spool file) so that a drainer keeping up sends them without reading them back; each connector keeps at most 32 MiB. Beyond it (many connectors while Kafka is slow or away) the connector holding most lets go of its records, which are read back from the spool file instead: nothing is lost and the order is kept. 0: always read back from the file.",
    default: 67_108_864,
    importance: "LOW",
    group: "Ingest",
    displayName: "Spool memory max bytes",
    validators: [check.atLeast(0)],
  }),
});
