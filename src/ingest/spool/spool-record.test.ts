import { describe, expect, test } from "bun:test";
import { asJacksonBound, javaMapEntries } from "../../api/data/java-map-order.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { IngestRecord } from "../ingest-record.ts";
import { decodeSpoolRecord, encodeSpoolRecord, encodeSpoolRecords, spooledValueBytes } from "./spool-record.ts";

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
    // Not decoded on the way: JsonConverter writes the bytes (a view of the row), the text is read when asked for.
    expect((back as JsonText).decoded()).toBeUndefined();
    expect((back as JsonText).encoded()).toEqual(new TextEncoder().encode(text));
    expect((back as JsonText).text).toBe(text);
    // What a transformation reads: the same parsed value as the text's.
    expect((back as JsonText).value()).toEqual(new JsonText(text).value());
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

const rec = (o: Partial<IngestRecord>): IngestRecord => ({
  key: null,
  value: null,
  headers: [],
  partition: null,
  timestamp: null,
  bytes: 0,
  ...o,
});

/** Records covering every kind of key, value and header (the fixture below holds their encoding). */
function everyKind(): IngestRecord[] {
  return [
    rec({ value: new JsonText('{"device":"dev-1","seq":1,"payload":"xx"}'), timestamp: 1764542000123, bytes: 41 }),
    rec({
      value: new JsonText('{ "ü": "✓ 𝄞", "n": 1.50 }'),
      key: "ключ",
      headers: [
        ["h", "é"],
        ["raw", new Uint8Array([0, 255, 7])],
        ["none", null],
      ],
      bytes: 30,
    }),
    rec({ value: "héllo", key: new Uint8Array([1, 2]), partition: 3, bytes: 6 }),
    rec({ value: new Uint8Array([9, 8, 7]), key: { id: 7 }, bytes: 3 }),
    rec({ value: { t: 21.5, tags: ["a"] }, key: new JsonText("[1, 2]"), timestamp: 0, bytes: 20 }),
    rec({ value: null, key: "k", bytes: 0 }),
    rec({ value: "", bytes: 0 }),
    rec({ value: new Uint8Array(0), bytes: 0 }),
    rec({ value: new JsonText("12345678901234567890"), headers: [["a", "b"]], bytes: 20 }),
  ];
}

/**
 * `encodeSpoolRecords("topic-ü", everyKind())` as the encoder of 9397355 wrote it (one
 * JSON.stringify of a header object per record, then the value): spool files hold such rows.
 */
const WRITTEN_BY_9397355 = {
  lengths: [121, 165, 81, 83, 101, 76, 70, 70, 106],
  data:
    "AksAAAB7InQiOiJ0b3BpYy3DvCIsImsiOm51bGwsImgiOltdLCJwIjpudWxsLCJ0cyI6MTc2NDU0MjAwMDEyMywibiI6NDEs" +
    "InYiOiJ4In17ImRldmljZSI6ImRldi0xIiwic2VxIjoxLCJwYXlsb2FkIjoieHgifQKBAAAAeyJ0IjoidG9waWMtw7wiLCJr" +
    "Ijp7InMiOiLQutC70Y7RhyJ9LCJoIjpbWyJoIix7InMiOiLDqSJ9XSxbInJhdyIseyJiIjoiQVA4SCJ9XSxbIm5vbmUiLG51" +
    "bGxdXSwicCI6bnVsbCwidHMiOm51bGwsIm4iOjMwLCJ2IjoieCJ9eyAiw7wiOiAi4pyTIPCdhJ4iLCAibiI6IDEuNTAgfQJG" +
    "AAAAeyJ0IjoidG9waWMtw7wiLCJrIjp7ImIiOiJBUUk9In0sImgiOltdLCJwIjozLCJ0cyI6bnVsbCwibiI6NiwidiI6InMi" +
    "fWjDqWxsbwJLAAAAeyJ0IjoidG9waWMtw7wiLCJrIjp7ImoiOnsiaWQiOjd9fSwiaCI6W10sInAiOm51bGwsInRzIjpudWxs" +
    "LCJuIjozLCJ2IjoiYiJ9CQgHAkkAAAB7InQiOiJ0b3BpYy3DvCIsImsiOnsieCI6IlsxLCAyXSJ9LCJoIjpbXSwicCI6bnVs" +
    "bCwidHMiOjAsIm4iOjIwLCJ2IjoiaiJ9eyJ0IjoyMS41LCJ0YWdzIjpbImEiXX0CRwAAAHsidCI6InRvcGljLcO8IiwiayI6" +
    "eyJzIjoiayJ9LCJoIjpbXSwicCI6bnVsbCwidHMiOm51bGwsIm4iOjAsInYiOm51bGx9AkEAAAB7InQiOiJ0b3BpYy3DvCIs" +
    "ImsiOm51bGwsImgiOltdLCJwIjpudWxsLCJ0cyI6bnVsbCwibiI6MCwidiI6InMifQJBAAAAeyJ0IjoidG9waWMtw7wiLCJr" +
    "IjpudWxsLCJoIjpbXSwicCI6bnVsbCwidHMiOm51bGwsIm4iOjAsInYiOiJiIn0CUQAAAHsidCI6InRvcGljLcO8IiwiayI6" +
    "bnVsbCwiaCI6W1siYSIseyJzIjoiYiJ9XV0sInAiOm51bGwsInRzIjpudWxsLCJuIjoyMCwidiI6IngifTEyMzQ1Njc4OTAx" +
    "MjM0NTY3ODkw",
};

/** Version 2 as the first encoder wrote it: JSON.stringify of the header object, then the value. */
function referenceEncoding(topic: string, r: IngestRecord): Uint8Array {
  const tag = (v: unknown): unknown =>
    v === null || v === undefined
      ? null
      : v instanceof Uint8Array
        ? { b: Buffer.from(v).toString("base64") }
        : typeof v === "string"
          ? { s: v }
          : v instanceof JsonText
            ? { x: v.text }
            : { j: v };
  const v = r.value;
  const [kind, body]: [string | null, Uint8Array] =
    v === null || v === undefined
      ? [null, new Uint8Array(0)]
      : v instanceof Uint8Array
        ? ["b", v]
        : typeof v === "string"
          ? ["s", Buffer.from(v)]
          : v instanceof JsonText
            ? ["x", Buffer.from(v.text)]
            : ["j", Buffer.from(JSON.stringify(v))];
  const header = Buffer.from(
    JSON.stringify({
      t: topic,
      k: tag(r.key),
      h: r.headers.map(([n, hv]) => [n, tag(hv)]),
      p: r.partition,
      ts: r.timestamp,
      n: r.bytes,
      v: kind,
    }),
  );
  const out = Buffer.alloc(5 + header.byteLength + body.byteLength);
  out[0] = 2;
  out.writeUInt32LE(header.byteLength, 1);
  out.set(header, 5);
  out.set(body, 5 + header.byteLength);
  return out;
}

function split(data: Uint8Array, lengths: ArrayLike<number>): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    out.push(data.subarray(at, at + lengths[i]!));
    at += lengths[i]!;
  }
  return out;
}

describe("spool record version 2 (issue 12: the encoder without a header object per record)", () => {
  test("rows written by the earlier encoder decode to the records it was given", () => {
    const data = Buffer.from(WRITTEN_BY_9397355.data, "base64");
    const back = split(data, WRITTEN_BY_9397355.lengths).map((bytes) => decodeSpoolRecord(bytes));
    expect(back.map((b) => b.topic)).toEqual(everyKind().map(() => "topic-ü"));
    // A JsonText comes back as one with the same text (compared as text; bytes are a view).
    const plain = (r: IngestRecord) => ({
      ...r,
      key: r.key instanceof JsonText ? r.key.text : r.key,
      value: r.value instanceof JsonText ? r.value.text : r.value,
    });
    expect(back.map((b) => plain(b.record))).toEqual(everyKind().map(plain));
  });

  test("the encoder writes those rows byte for byte as the earlier one did", () => {
    const { data, lengths } = encodeSpoolRecords("topic-ü", everyKind());
    expect(Array.from(lengths)).toEqual(WRITTEN_BY_9397355.lengths);
    expect(Buffer.from(data).toString("base64")).toBe(WRITTEN_BY_9397355.data);
  });

  test("records that share or change key, headers, partition and timestamp within a request", () => {
    const shared: IngestRecord["headers"] = [["content-type", "application/json"]];
    const records = [
      rec({ value: new JsonText("1"), headers: shared, timestamp: 5, bytes: 1 }),
      rec({ value: new JsonText("2"), headers: shared, timestamp: 5, bytes: 9 }),
      rec({ value: new JsonText("3"), headers: shared, timestamp: 5, key: "k", bytes: 10 }),
      rec({ value: new JsonText("4"), headers: shared, timestamp: 5, bytes: 99 }),
      rec({ value: new JsonText("5"), headers: [["content-type", "text/plain"]], timestamp: 5, bytes: 100 }),
      rec({ value: new JsonText("6"), headers: shared, timestamp: 5, partition: 2, bytes: 12345 }),
      rec({ value: new JsonText("7"), headers: shared, timestamp: 6, partition: 2, bytes: 0 }),
      rec({ value: new JsonText("8"), headers: shared, timestamp: null, bytes: Number.MAX_SAFE_INTEGER }),
      rec({ value: new JsonText("9"), headers: shared, timestamp: null, bytes: 1.5 }),
      rec({ value: new JsonText("10"), headers: shared, timestamp: null, bytes: -3 }),
    ];
    const { data, lengths } = encodeSpoolRecords("t", records);
    expect(split(data, lengths)).toEqual(records.map((r) => referenceEncoding("t", r)));
    expect(split(data, lengths).map((b) => decodeSpoolRecord(b).record.bytes)).toEqual(records.map((r) => r.bytes));
  });

  test.each<[string, unknown]>([
    ["non-ASCII text in every plane", new JsonText('"é ✓ 𝄞 ключ 中文"')],
    ["a 1 MiB JsonText", new JsonText(`"${"ü".repeat(524_288)}"`)],
    ["a lone surrogate in a string (written as U+FFFD)", "a\ud800b"],
    ["an empty string", ""],
    ["empty bytes", new Uint8Array(0)],
    ["a JsonText that brings its own bytes", new JsonText('{"a":"ü"}', new TextEncoder().encode('{"a":"ü"}'))],
  ])("%s: the value's bytes are its UTF-8, exactly", (_what, value) => {
    const record = rec({ value, key: "ключ", headers: [["h", "✓"]], bytes: 7 });
    const { data, lengths } = encodeSpoolRecords("topic-1", [record, record]);
    const [one, two] = split(data, lengths);
    expect(one).toEqual(referenceEncoding("topic-1", record));
    expect(two).toEqual(one!);
    const expected =
      value instanceof Uint8Array
        ? value
        : new TextEncoder().encode(value instanceof JsonText ? value.text : String(value));
    expect(spooledValueBytes(one!)).toEqual(expected);
  });

  test("a JsonText's own bytes are copied as they are (not encoded from its text again)", () => {
    // Bytes that are not the text's UTF-8 prove which one was written (a caller never does this).
    const value = new JsonText('"ab"', new Uint8Array([0x22, 0x61, 0x62, 0x63, 0x22]));
    const { data, lengths } = encodeSpoolRecords("t", [rec({ value })]);
    const [row] = split(data, lengths);
    expect(Buffer.from(spooledValueBytes(row!)!).toString()).toBe('"abc"');
  });

  test("the value bytes of a version 1 record are not located (the drainer decodes those)", () => {
    expect(spooledValueBytes(new TextEncoder().encode('{"t":"x"}'))).toBeUndefined();
  });
});

describe("spooled REST Proxy data and key fields read back Jackson-bound (explore12 F3)", () => {
  const record = (key: unknown, value: unknown): IngestRecord => ({
    key,
    value,
    headers: [],
    partition: null,
    timestamp: 1,
    bytes: 1,
  });
  /** The order JsonConverter would write a map in (a HashMap's, unless Jackson-bound). */
  const order = (value: unknown) =>
    javaMapEntries((value instanceof JsonText ? value.value() : value) as Record<string, unknown>);

  test("a Jackson-bound JsonText key or value stays one, a plain one stays JsonConverter's", () => {
    const bound = JsonText.jacksonBound('{"b":1.50,"a":2}');
    const { record: back } = decodeSpoolRecord(encodeSpoolRecord("t", record(bound, bound)));
    for (const json of [back.key, back.value]) {
      expect(json).toBeInstanceOf(JsonText);
      expect((json as JsonText).isJacksonBound).toBe(true);
      expect(order(json)).toEqual([
        ["b", 1.5],
        ["a", 2],
      ]);
    }
    const plain = decodeSpoolRecord(encodeSpoolRecord("t", record(new JsonText('{"b":1}'), new JsonText('{"b":1}'))));
    expect([(plain.record.key as JsonText).isJacksonBound, (plain.record.value as JsonText).isJacksonBound]).toEqual([
      false,
      false,
    ]);
  });

  test("parsed JSON (REST Proxy data with plain numbers) reads back in its order, not a HashMap's", () => {
    const data = () => asJacksonBound({ b: 1, a: 2, name: "x", id: 3 });
    const { record: back } = decodeSpoolRecord(encodeSpoolRecord("t", record(data(), data())));
    for (const json of [back.key, back.value]) expect(order(json).map(([k]) => k)).toEqual(["b", "a", "name", "id"]);
  });
});
