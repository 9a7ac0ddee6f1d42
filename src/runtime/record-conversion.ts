/**
 * Record conversion between Connect data and Kafka bytes, with the stage order Connect uses:
 * source records convert headers, then key, then value (WorkerSourceTask); consumed records
 * convert key, value, then headers (WorkerSinkTask). Key and value converters get the record's
 * Kafka headers, as Connect passes them. Every step runs through the error operator; a tolerated
 * failure yields undefined (skip the record).
 */

import type { TaskConverters } from "../api/connector.ts";
import type { Converter, SchemaAndValue } from "../api/converter.ts";
import { Headers } from "../api/data/headers.ts";
import { JsonText } from "../api/data/json-text.ts";
import type { SinkRecord, SourceRecord } from "../api/record.ts";
import { RecordHeaders } from "../api/record-headers.ts";
import type { ConsumedRecord, KafkaHeader, ProducerRecord } from "../kafka/kafka-port.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { DirectFailure, type Stage } from "./errors/stage.ts";

/** The worker's converters for a connector (the same set a task gets as TaskConverters). */
export type RecordConverters = TaskConverters;

/** A JsonText as it is for a converter that takes it, parsed for any other. */
function offered(converter: Converter, value: unknown): unknown {
  return value instanceof JsonText && converter.acceptsJsonText !== true ? value.value() : value;
}

/**
 * What a direct path had converted when a converter failed (DirectFailure `done`), for the operator
 * path to resume with; {} when the failure was not a converter's.
 */
function convertedBefore<T>(direct: DirectFailure | undefined): Partial<T> {
  return direct !== undefined && direct.stage !== "TRANSFORMATION" ? (direct.done as Partial<T>) : {};
}

/** The results of the converters before the one that failed in `toProducerRecordDirect`. */
interface SourceConverted {
  readonly headers: KafkaHeader[];
  readonly key: Uint8Array | null;
}

/**
 * The fast path of `toProducerRecord`: converters called directly, no error operator. Throws a
 * DirectFailure on the first failure, with the results of the converters before it; the caller then
 * takes the operator path for that record, which resumes at the failed converter.
 */
export function toProducerRecordDirect(record: SourceRecord, converters: RecordConverters): ProducerRecord {
  // The stage that failed is the first whose result is missing (a converter returns null, not undefined).
  let converted: KafkaHeader[] | undefined;
  let key: Uint8Array | null | undefined;
  try {
    converted = kafkaHeaders(record, converters);
    // As Connect: key and value converters see the converted Kafka headers and may add to them.
    const headers = RecordHeaders.mutable(converted);
    key = converters.key.fromConnectData(record.topic, headers, record.keySchema, offered(converters.key, record.key));
    const value = converters.value.fromConnectData(
      record.topic,
      headers,
      record.valueSchema,
      offered(converters.value, record.value),
    );
    return producerRecord(record, key, value, converted);
  } catch (error) {
    const stage: Stage =
      converted === undefined ? "HEADER_CONVERTER" : key === undefined ? "KEY_CONVERTER" : "VALUE_CONVERTER";
    const done: Partial<SourceConverted> = { headers: converted, key };
    throw new DirectFailure(stage, 0, error, done);
  }
}

export async function toProducerRecord(
  record: SourceRecord,
  converters: RecordConverters,
  operator: RetryWithToleranceOperator,
  original: SourceRecord,
  direct?: DirectFailure,
): Promise<ProducerRecord | undefined> {
  const context = { source: original };
  // After a direct path's failure: the converters before the failed one ran there, once.
  const done = convertedBefore<SourceConverted>(direct);
  const converted =
    done.headers ??
    (await operator.execute(
      "HEADER_CONVERTER",
      converters.headerClass,
      () => kafkaHeaders(record, converters),
      context,
      direct?.firstAttemptOf("HEADER_CONVERTER"),
    ));
  if (converted === undefined) return undefined;
  // As Connect: key and value converters see the converted Kafka headers and may add to them.
  const headers = RecordHeaders.mutable(converted);
  const key =
    done.key !== undefined
      ? done.key
      : await operator.execute(
          "KEY_CONVERTER",
          converters.keyClass,
          () =>
            converters.key.fromConnectData(
              record.topic,
              headers,
              record.keySchema,
              offered(converters.key, record.key),
            ),
          context,
          direct?.firstAttemptOf("KEY_CONVERTER"),
        );
  if (key === undefined) return undefined;
  const value = await operator.execute(
    "VALUE_CONVERTER",
    converters.valueClass,
    () =>
      converters.value.fromConnectData(
        record.topic,
        headers,
        record.valueSchema,
        offered(converters.value, record.value),
      ),
    context,
    direct?.firstAttemptOf("VALUE_CONVERTER"),
  );
  if (value === undefined) return undefined;
  return producerRecord(record, key, value, converted);
}

/**
 * The value of a consumed record. With `jsonText` (the sink task takes JsonText values and no
 * transformation reads them) a converter that can hands back a JsonText of the consumed bytes;
 * anything it declines (not JSON, another converter) is read by `toConnectData` as always.
 */
function consumedValue(
  converter: Converter,
  consumed: ConsumedRecord,
  headers: RecordHeaders,
  jsonText: boolean,
): SchemaAndValue {
  return (
    (jsonText ? converter.toConnectJsonText?.(consumed.topic, headers, consumed.value) : undefined) ??
    converter.toConnectData(consumed.topic, headers, consumed.value)
  );
}

/** The results of the converters before the one that failed in `toSinkRecordDirect`. */
interface SinkConverted {
  readonly key: SchemaAndValue;
  readonly value: SchemaAndValue;
}

/**
 * The fast path of `toSinkRecord`: converters called directly, no error operator. Throws a
 * DirectFailure on the first failure, with the results of the converters before it; the caller then
 * takes the operator path for that record, giving it the failure, which is the failed stage's first
 * attempt and where the operator path resumes. Keep in step with `toSinkRecord` (same inputs to the
 * converters, same record).
 */
export function toSinkRecordDirect(
  consumed: ConsumedRecord,
  converters: RecordConverters,
  jsonText = false,
): SinkRecord {
  // The stage that failed is the first whose result is missing.
  let key: SchemaAndValue | undefined;
  let value: SchemaAndValue | undefined;
  try {
    // As Connect: key and value converters see the consumed record's Kafka headers.
    const rawHeaders = RecordHeaders.readOnly(consumed.headers);
    key = converters.key.toConnectData(consumed.topic, rawHeaders, consumed.key);
    value = consumedValue(converters.value, consumed, rawHeaders, jsonText);
    let headers = Headers.EMPTY;
    if (consumed.headers.length > 0) {
      headers = connectHeaders(consumed, converters);
    }
    return sinkRecord(consumed, key, value, headers);
  } catch (error) {
    const stage: Stage =
      key === undefined ? "KEY_CONVERTER" : value === undefined ? "VALUE_CONVERTER" : "HEADER_CONVERTER";
    const done: Partial<SinkConverted> = { key, value };
    throw new DirectFailure(stage, 0, error, done);
  }
}

export async function toSinkRecord(
  consumed: ConsumedRecord,
  converters: RecordConverters,
  operator: RetryWithToleranceOperator,
  jsonText = false,
  direct?: DirectFailure,
): Promise<SinkRecord | undefined> {
  const context = { consumed };
  // As Connect: key and value converters see the consumed record's Kafka headers.
  const rawHeaders = RecordHeaders.readOnly(consumed.headers);
  // After a direct path's failure: the converters before the failed one ran there, once.
  const done = convertedBefore<SinkConverted>(direct);
  const key =
    done.key ??
    (await operator.execute(
      "KEY_CONVERTER",
      converters.keyClass,
      () => converters.key.toConnectData(consumed.topic, rawHeaders, consumed.key),
      context,
      direct?.firstAttemptOf("KEY_CONVERTER"),
    ));
  if (key === undefined) return undefined;
  const value =
    done.value ??
    (await operator.execute(
      "VALUE_CONVERTER",
      converters.valueClass,
      () => consumedValue(converters.value, consumed, rawHeaders, jsonText),
      context,
      direct?.firstAttemptOf("VALUE_CONVERTER"),
    ));
  if (value === undefined) return undefined;
  const headers = await operator.execute(
    "HEADER_CONVERTER",
    converters.headerClass,
    () => connectHeaders(consumed, converters),
    context,
    direct?.firstAttemptOf("HEADER_CONVERTER"),
  );
  if (headers === undefined) return undefined;
  return sinkRecord(consumed, key, value, headers);
}

function kafkaHeaders(record: SourceRecord, converters: RecordConverters): KafkaHeader[] {
  const out: KafkaHeader[] = [];
  for (const h of record.headers) {
    out.push({ key: h.key, value: converters.header.fromConnectHeader(record.topic, h.key, h.schema, h.value) });
  }
  return out;
}

function producerRecord(
  record: SourceRecord,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: KafkaHeader[],
): ProducerRecord {
  return {
    topic: record.topic,
    partition: record.kafkaPartition,
    key,
    value,
    headers,
    timestamp: record.timestamp !== null && record.timestamp >= 0 ? record.timestamp : null,
  };
}

function connectHeaders(consumed: ConsumedRecord, converters: RecordConverters): Headers {
  return Headers.of(
    consumed.headers.map((h) => {
      const sv = converters.header.toConnectHeader(consumed.topic, h.key, h.value);
      return { key: h.key, schema: sv.schema, value: sv.value };
    }),
  );
}

function sinkRecord(
  consumed: ConsumedRecord,
  key: SchemaAndValue,
  value: SchemaAndValue,
  headers: Headers,
): SinkRecord {
  return {
    topic: consumed.topic,
    kafkaPartition: consumed.partition,
    keySchema: key.schema,
    key: key.value,
    valueSchema: value.schema,
    value: value.value,
    timestamp: consumed.timestamp,
    timestampType: consumed.timestampType,
    headers,
    kafkaOffset: consumed.offset,
    originalTopic: consumed.topic,
    originalKafkaPartition: consumed.partition,
    originalKafkaOffset: consumed.offset,
  };
}
