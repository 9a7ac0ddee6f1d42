/**
 * A spool row's topic and record for SpoolWriter's poll: the appender's payload when the row comes
 * from memory, else decoded from its bytes. Kept apart from spool-writer.ts (the writer's own
 * behaviour).
 */
import { JsonText } from "../../api/data/json-text.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { decodeSpoolRecord, spooledValueBytes } from "../../ingest/spool/spool-record.ts";
import type { SpoolRow } from "../../store/spool-store.ts";

/** What a record's spool row carries in memory: its topic and the record as the request parsed it. */
export interface Spooled {
  readonly topic: string;
  readonly record: IngestRecord;
}

/**
 * A row's topic and record: from memory (the appender's payload) or decoded. A JsonText value from
 * memory gets the row's value bytes as its own: the UTF-8 the encoder wrote into the spool buffer
 * (back from the spool's worker by now), so the Kafka record batch copies those rather than encode
 * the text again, and the record no longer holds the request body.
 */
export function spooled(row: SpoolRow): Spooled {
  const payload = row.payload as Spooled | undefined;
  if (payload === undefined) return decodeSpoolRecord(row.record);
  const { record } = payload;
  if (!(record.value instanceof JsonText)) return payload;
  const bytes = spooledValueBytes(row.record);
  if (bytes === undefined) return payload;
  // Every field spelled out (no spread): the same object shape as the request's records, cheaper.
  const value = record.value.withBytes(bytes);
  return {
    topic: payload.topic,
    record: {
      key: record.key,
      value,
      headers: record.headers,
      partition: record.partition,
      timestamp: record.timestamp,
      bytes: record.bytes,
    },
  };
}
