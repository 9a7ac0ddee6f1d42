/**
 * A batch kafkajs fetched, as the port's ConsumedRecords (KafkajsConsumer's eachBatch): offsets and
 * timestamps as numbers, the batch's timestamp type, headers as the port's.
 */
import type { Batch } from "kafkajs";
import type { ConsumedRecord } from "../kafka-port.ts";
import { fromKafkajsHeaders } from "./producer.ts";

export function consumedRecords(batch: Batch): ConsumedRecord[] {
  const logAppendTime = batch.messages[0] && (batch as { isLogAppendTime?: () => boolean }).isLogAppendTime?.();
  return batch.messages.map((m) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    timestampType: logAppendTime ? "LogAppendTime" : "CreateTime",
    key: m.key,
    value: m.value,
    headers: fromKafkajsHeaders(m),
  }));
}
