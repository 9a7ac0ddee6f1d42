/**
 * Building blocks for the HTTP ingest source's unit tests: an ingest record, services whose routes
 * hand the attached writer to the test, an HttpIngestSourceTask on the source runtime over a
 * MemoryKafka, and a bare SpoolWriter. Tests only.
 */
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import type { MemoryKafka } from "../../kafka/memory-kafka.ts";
import type { WorkerSourceTaskOptions } from "../../runtime/source-task-lifecycle.ts";
import { memorySourceTask, type taskBasics } from "../../runtime/task-test-support.ts";
import type { SpoolStore } from "../../store/spool-store.ts";
import type { HttpIngestServices } from "./connector.ts";
import { SpoolWriter } from "./spool-writer.ts";
import { HttpIngestSourceTask, toSourceRecord } from "./task.ts";

/** A spool-mode ingest connector's config, two records per poll (several poll batches out of a few records). */
export const SPOOL_CONFIG = {
  name: "c",
  "ingest.path": "/ingest/t",
  "kafka.topic": "t",
  "ingest.ack.mode": "spool",
  "ingest.poll.max.records": "2",
};

/** A record of `value` (UTF-8), without key or partition. */
export const ingestRecord = (value: string): IngestRecord => ({
  key: null,
  value: new TextEncoder().encode(value),
  headers: [],
  partition: null,
  timestamp: 7,
  bytes: value.length,
});

/**
 * HttpIngestServices whose routes keep every writer attached (`writer()` is the last), with
 * `spool` as the connector's spool when given; `onDetach` sees every writer detached.
 */
export function ingestServices(o: { spool?: SpoolStore; onDetach?: (writer: IngestWriter) => void } = {}) {
  const writers: IngestWriter[] = [];
  const { spool, onDetach } = o;
  const services = {
    routes: {
      attach: (_: string, w: IngestWriter) => void writers.push(w),
      detach: (_: string, w: IngestWriter) => onDetach?.(w),
    },
    stages: {},
    ...(spool ? { spool: async () => spool } : {}),
  } as unknown as HttpIngestServices;
  return { services, writers, writer: (): IngestWriter | undefined => writers.at(-1) };
}

/**
 * A WorkerSourceTask (not started) running an HttpIngestSourceTask (`plugin`) of connector c, ingest path
 * /ingest/t, to the topic t of `kafka` (memorySourceTask); `config` adds to the connector's config.
 */
export function ingestSourceTask(o: {
  services: HttpIngestServices;
  kafka: MemoryKafka;
  config?: Record<string, string>;
  basics?: ReturnType<typeof taskBasics>;
  options?: Partial<WorkerSourceTaskOptions>;
  /** The task to run (an HttpIngestSourceTask of `services` by default). */
  plugin?: HttpIngestSourceTask;
}) {
  return memorySourceTask({
    plugin: o.plugin ?? new HttpIngestSourceTask(o.services),
    taskClass: "HttpIngestSource",
    kafka: o.kafka,
    config: { name: "c", "ingest.path": "/ingest/t", "kafka.topic": "t", ...o.config },
    basics: o.basics,
    options: o.options,
  });
}

/** Connector c1's SpoolWriter on `store`, polling batches of up to `maxPoll` records (no byte bound to speak of). */
export function spoolWriter(store: SpoolStore, maxPoll: number): SpoolWriter {
  return new SpoolWriter({
    store,
    connector: "c1",
    maxBytes: 1 << 30,
    maxPoll,
    retryAfterSeconds: 1,
    toSourceRecord,
    committedSeq: null,
  });
}
