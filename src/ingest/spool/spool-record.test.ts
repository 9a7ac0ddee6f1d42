import { describe, expect, test } from "bun:test";
import { JsonText } from "../../api/data/json-text.ts";
import type { IngestRecord } from "../ingest-record.ts";
import { decodeSpoolRecord, encodeSpoolRecord, encodeSpoolRecords } from "./spool-record.ts";

describe("spool records", () => {
  test.each<[string, IngestRecord]>([
    [
      "JSON value, string key, text and byte headers",
      {
        key: "dev-1",
        value: { t: 21.5, tags: ["a"], nested: { s: "x" } },
        headers: [
          ["content-type", "application/json"],
          ["raw", new Uint8Array([0, 255, 7])],
          ["empty", null],
        ],
        partition: null,
        timestamp: 1_700_000_000_000,
        bytes: 42,
      },
    ],
    [
      "bytes value and key, explicit partition",
      {
        key: new Uint8Array([1, 2]),
        value: new Uint8Array([9, 8, 7]),
        headers: [],
        partition: 3,
        timestamp: null,
        bytes: 3,
      },
    ],
    [
      "a JSON string value, null key, a value that looks like a tag",
      {
        key: null,
        value: { b: "not base64", s: 1 },
        headers: [],
        partition: null,
        timestamp: null,
        bytes: 20,
      },
    ],
  ])("%s round-trips exactly", (_what, record) => {
    expect(decodeSpoolRecord(encodeSpoolRecord("topic-1", record))).toEqual({ topic: "topic-1", record });
  });

  test("a JsonText value comes back as the same text (long digit runs and spelling kept)", () => {
    const text = '{ "ts": 1700000000123456789, "v": 1.50 }';
    const record: IngestRecord = {
      key: null,
      value: new JsonText(text),
      headers: [],
      partition: null,
      timestamp: null,
      bytes: text.length,
    };
    const back = decodeSpoolRecord(encodeSpoolRecord("topic-1", record)).record.value;
    expect(back).toBeInstanceOf(JsonText);
    expect((back as JsonText).text).toBe(text);
  });

  test("a request's records are encoded back to back, each readable alone", () => {
    const records: IngestRecord[] = ["é-ü", "plain", ""].map((value, i) => ({
      key: `k${i}`,
      value: new JsonText(JSON.stringify({ value })),
      headers: [],
      partition: null,
      timestamp: i,
      bytes: 1,
    }));
    const { data, lengths } = encodeSpoolRecords("topic-1", records);
    expect(data.byteLength).toBe(lengths.reduce((n, l) => n + l, 0));
    let at = 0;
    const back = [...lengths].map((n) => {
      const one = decodeSpoolRecord(data.subarray(at, at + n));
      at += n;
      return [one.topic, one.record.key, (one.record.value as JsonText).text, one.record.timestamp];
    });
    expect(back).toEqual(records.map((r) => ["topic-1", r.key, (r.value as JsonText).text, r.timestamp]));
  });

  test("the records' buffer is exactly their bytes (no slack kept in memory), multi-byte text included", () => {
    const records = ["héllo wörld ✓ 𝄞", "plain", new JsonText('{"ü":"✓"}')].map(
      (value): IngestRecord => ({
        key: "ключ",
        value,
        headers: [["h", "é"]],
        partition: null,
        timestamp: null,
        bytes: 1,
      }),
    );
    const { data, lengths } = encodeSpoolRecords("t", records);
    expect(data.byteOffset).toBe(0);
    expect(data.buffer.byteLength).toBe(data.byteLength);
    expect(Array.from(lengths).reduce((a, b) => a + b, 0)).toBe(data.byteLength);
  });

  test("a record of an older spool file (version 1: one JSON document) reads as before", () => {
    const v1 = JSON.stringify({
      t: "topic-1",
      k: { s: "dev-1" },
      v: { x: '{"a": 1.50}' },
      h: [["raw", { b: "AP8H" }]],
      p: 2,
      ts: 5,
      n: 11,
    });
    const { topic, record } = decodeSpoolRecord(new TextEncoder().encode(v1));
    expect([
      topic,
      record.key,
      (record.value as JsonText).text,
      record.headers,
      record.partition,
      record.timestamp,
      record.bytes,
    ]).toEqual(["topic-1", "dev-1", '{"a": 1.50}', [["raw", new Uint8Array([0, 255, 7])]], 2, 5, 11]);
  });
});
