import { describe, expect, test } from "bun:test";
import type { Converter } from "../api/converter.ts";
import { Headers } from "../api/data/headers.ts";
import { Schemas } from "../api/data/schema.ts";
import { sourceRecord } from "../api/record.ts";
import type { RecordHeaders } from "../api/record-headers.ts";
import type { ConsumedRecord } from "../kafka/kafka-port.ts";
import { type RecordConverters, toProducerRecord, toSinkRecord } from "./record-conversion.ts";
import { stringConverters, taskBasics } from "./task-test-support.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const decode = (h: { key: string; value: Uint8Array | null }) => [h.key, h.value && text.decode(h.value)];

/** A converter that records the headers it is given and, on the source side, adds a content type. */
function headerAwareConverter(seen: [string, string | null][][]): Converter {
  return {
    configure: () => {},
    fromConnectData: (_topic, headers: RecordHeaders, _schema, value) => {
      seen.push([...headers].map(decode) as [string, string | null][]);
      headers.add("content-type", utf8.encode("text/plain"));
      return utf8.encode(String(value));
    },
    toConnectData: (_topic, headers: RecordHeaders, value) => {
      seen.push([...headers].map(decode) as [string, string | null][]);
      return { schema: Schemas.OPTIONAL_STRING, value: value && text.decode(value) };
    },
  };
}

describe("record conversion passes the record's Kafka headers to the key and value converters", () => {
  describe("source records", () => {
    test("converters see the header converter's bytes, and headers they add are produced", async () => {
      const seen: [string, string | null][][] = [];
      const converters: RecordConverters = { ...stringConverters, value: headerAwareConverter(seen) };
      const record = sourceRecord({
        topic: "t",
        value: "v",
        valueSchema: Schemas.STRING,
        headers: Headers.of([{ key: "trace", schema: Schemas.STRING, value: "abc" }]),
      });
      const produced = await toProducerRecord(record, converters, taskBasics().operator, record);
      expect(seen).toEqual([[["trace", "abc"]]]);
      expect(produced!.headers.map(decode)).toEqual([
        ["trace", "abc"],
        ["content-type", "text/plain"],
      ]);
    });
  });

  describe("consumed records", () => {
    test("key and value converters see the consumed headers", async () => {
      const seen: [string, string | null][][] = [];
      const converter = headerAwareConverter(seen);
      const converters: RecordConverters = { ...stringConverters, key: converter, value: converter };
      const consumed: ConsumedRecord = {
        topic: "t",
        partition: 0,
        offset: 7,
        timestamp: 1,
        timestampType: "CreateTime",
        key: utf8.encode("k"),
        value: utf8.encode("v"),
        headers: [{ key: "schema-id", value: utf8.encode("42") }],
      };
      const record = await toSinkRecord(consumed, converters, taskBasics().operator);
      expect(seen).toEqual([[["schema-id", "42"]], [["schema-id", "42"]]]);
      expect([record!.key, record!.value]).toEqual(["k", "v"]);
      expect(record!.headers.size).toBe(1);
    });
  });
});
