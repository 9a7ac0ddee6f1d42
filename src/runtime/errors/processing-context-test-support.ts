/**
 * What the error reporters' tests share: the ProcessingContext of a record whose value the
 * JsonConverter could not read (dead-letter-queue-reporter.test.ts, log-reporter.test.ts). Tests only.
 */
import { DataError } from "../../errors.ts";
import type { ConsumedRecord } from "../../kafka/kafka-port.ts";
import type { ProcessingContext } from "./processing-context.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * Task 0 of connector "c" failed at VALUE_CONVERTER (JsonConverter, "bad json", first attempt) on
 * the record consumed from "in"-0 at offset 7 with the value "{oops" and the header h=v;
 * `consumed` overrides fields of that record.
 */
export function jsonConversionFailure(consumed: Partial<ConsumedRecord> = {}): ProcessingContext {
  return {
    connector: "c",
    task: 0,
    stage: "VALUE_CONVERTER",
    executingClass: "org.apache.kafka.connect.json.JsonConverter",
    error: new DataError("bad json"),
    attempts: 1,
    consumed: {
      topic: "in",
      partition: 0,
      offset: 7,
      timestamp: 1,
      timestampType: "CreateTime",
      key: null,
      value: utf8("{oops"),
      headers: [{ key: "h", value: utf8("v") }],
      ...consumed,
    },
  };
}
