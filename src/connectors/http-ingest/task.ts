/**
 * HttpIngestSourceTask: the SourceTask behind an ingest route. `start` attaches an IngestQueue to
 * the connector's route; requests fill it; `poll` drains whatever is queued (records of many
 * requests in one produce call); `commitRecord` settles each record, and a request answers once
 * all of its records are settled. `stop` detaches and fails whatever Kafka has not acknowledged.
 * Records carry no source offset: the HTTP client holds the data until it gets its answer.
 */
import type { Config, RecordMetadata, SourceTask, SourceTaskContext } from "../../api/connector.ts";
import { Headers } from "../../api/data/headers.ts";
import { Schemas } from "../../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../../api/record.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { httpIngestConfig } from "./config.ts";
import type { HttpIngestServices } from "./connector.ts";
import { IngestQueue } from "./ingest-queue.ts";

export function toSourceRecord(topic: string, record: IngestRecord): SourceRecord {
  const headers =
    record.headers.length === 0
      ? Headers.EMPTY
      : new Headers(
          record.headers.map(([key, value]) => ({
            key,
            value,
            schema: value instanceof Uint8Array ? Schemas.OPTIONAL_BYTES : null,
          })),
        );
  return sourceRecord({
    topic,
    kafkaPartition: record.partition,
    key: record.key,
    keySchema: record.key instanceof Uint8Array ? Schemas.OPTIONAL_BYTES : null,
    value: record.value,
    valueSchema: record.value instanceof Uint8Array ? Schemas.OPTIONAL_BYTES : null,
    timestamp: record.timestamp,
    headers,
  });
}

export class HttpIngestSourceTask implements SourceTask {
  private queue: IngestQueue | undefined;
  private connector = "";

  constructor(private readonly services: HttpIngestServices) {}

  initialize(_context: SourceTaskContext): void {}

  start(config: Config): void {
    const parsed = httpIngestConfig.parse(config);
    this.connector = config.name ?? "";
    this.queue = new IngestQueue({
      maxQueued: parsed["ingest.queue.max.records"],
      maxPoll: parsed["ingest.poll.max.records"],
      retryAfterSeconds: parsed["ingest.retry.after.seconds"],
      toSourceRecord,
    });
    this.services.routes.attach(this.connector, this.queue);
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    if (!this.queue) return null;
    const records = await this.queue.poll(signal);
    if (records.length === 0) return null;
    this.services.metrics?.batch(records.length);
    return records;
  }

  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.queue?.ack(record, metadata);
  }

  stop(): void {
    const queue = this.queue;
    if (!queue) return;
    this.queue = undefined;
    this.services.routes.detach(this.connector, queue);
    queue.close(`The ingest task of connector ${this.connector} stopped before Kafka acknowledged the record`);
  }
}
