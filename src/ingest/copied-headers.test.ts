/**
 * Request header values every record of a request repeats (the key header, allow-listed headers, the
 * content type when stamped) count against `ingest.max.body.bytes` once per record (security hunt
 * 2026-12-03): a 20 KB JSON array of 10,000 zeros with a 15 KB `X-Kafka-Key` made 150 MB of
 * records, which one anonymous request had the gateway hold and produce (38 s, 270 MB more memory).
 */
import { describe, expect, test } from "bun:test";
import { parseNativeBody } from "./native-body.ts";
import { parseV2Body } from "./rest-proxy-v2.ts";
import { parseV3Batch, parseV3Records } from "./rest-proxy-v3.ts";
import { bytes, post, testSettings } from "./test-support.ts";

const LIMIT = 100_000;
const ZEROS = `[${Array(1000).fill(0).join(",")}]`;
const ndjson = "{}\n".repeat(1000);

function refusal(parse: () => unknown): { status?: number; message: string } {
  try {
    parse();
  } catch (error) {
    return { status: (error as { status?: number }).status, message: (error as Error).message };
  }
  return { message: "accepted" };
}

describe("header values copied into every record count against ingest.max.body.bytes", () => {
  const settings = testSettings({
    "ingest.max.body.bytes": String(LIMIT),
    "ingest.key.source": "header",
    "ingest.headers.allowlist": "X-Site",
  });

  test("a key header repeated by 1,000 records past the limit is 413 and nothing is made", () => {
    const key = "k".repeat(101); // 1,000 × 101 bytes = 101,000 > 100,000
    const array = refusal(() =>
      parseNativeBody(settings, post(ZEROS, "application/json", { "X-Kafka-Key": key }), bytes(ZEROS), 0),
    );
    expect(array).toEqual({
      status: 413,
      message:
        "The request's 1000 records would each carry 101 bytes of its header values (key, allow-listed headers, stamped content type and identity), 101000 bytes in all, over the limit of 100000 bytes (ingest.max.body.bytes); nothing was written",
    });
    const lines = refusal(() =>
      parseNativeBody(settings, post(ndjson, "application/x-ndjson", { "X-Kafka-Key": key }), bytes(ndjson), 0),
    );
    expect(lines.status).toBe(413);
  });

  test("allow-listed headers count with the key; within the limit the records are made as before", () => {
    const over = refusal(() =>
      parseNativeBody(
        settings,
        post(ZEROS, "application/json", { "X-Kafka-Key": "k".repeat(60), "X-Site": "s".repeat(41) }),
        bytes(ZEROS),
        0,
      ),
    );
    expect(over.status).toBe(413);
    const records = parseNativeBody(
      settings,
      post(ZEROS, "application/json", { "X-Kafka-Key": "k".repeat(60), "X-Site": "s".repeat(40) }),
      bytes(ZEROS),
      0,
    );
    expect(records).toHaveLength(1000);
    expect(records[999]!.headers).toEqual([["X-Site", "s".repeat(40)]]);
  });

  test("REST Proxy v2 and v3 records repeat the allow-listed headers too", () => {
    const site = { "X-Site": "s".repeat(101) };
    const v2 = JSON.stringify({ records: Array(1000).fill({ value: 0 }) });
    expect(
      refusal(() =>
        parseV2Body(settings, post(v2, "application/vnd.kafka.json.v2+json", site), bytes(v2), 0, "json", null),
      ).status,
    ).toBe(413);
    const v3 = '{"value":{"type":"JSON","data":0}}'.repeat(1000);
    expect(refusal(() => parseV3Records(settings, post(v3, "application/json", site), bytes(v3), 0)).status).toBe(413);
    const entries = Array.from({ length: 10 }, (_, i) => ({ id: String(i), value: { type: "JSON", data: 0 } }));
    const batch = JSON.stringify({ entries });
    const big = { "X-Site": "s".repeat(10_001) };
    expect(refusal(() => parseV3Batch(settings, post(batch, "application/json", big), bytes(batch), 0)).status).toBe(
      413,
    );
  });
});

describe("the copies count in each record's bytes, which the task's queue and the metrics add up", () => {
  const settings = testSettings({
    "ingest.key.source": "header",
    "ingest.headers.allowlist": "X-Site",
    "ingest.headers.content.type": "ct",
  });
  const headers = { "X-Kafka-Key": "k".repeat(15_000), "X-Site": "s".repeat(10) };
  const each = 15_000 + 10;

  test("native path: a batch, one document and a raw body count the key, allow-listed headers and stamped content type", () => {
    const array = "[1,22,333]";
    const records = parseNativeBody(settings, post(array, "application/json", headers), bytes(array), 0);
    expect(records.map((r) => r.bytes)).toEqual([1, 2, 3].map((n) => n + each + "application/json".length));
    const one = parseNativeBody(settings, post("{}", "application/json", headers), bytes("{}"), 0);
    expect(one.map((r) => r.bytes)).toEqual([2 + each + "application/json".length]);
    const raw = parseNativeBody(
      testSettings({ "ingest.key.source": "header" }),
      post("abc", "text/plain", headers),
      bytes("abc"),
      0,
    );
    expect(raw.map((r) => r.bytes)).toEqual([3 + 15_000 + "text/plain".length]);
  });

  test("REST Proxy v2 and v3: the allow-listed headers (their keys come from the body)", () => {
    const v2 = JSON.stringify({ records: [{ key: "ab", value: 1 }, { value: 22 }] });
    const v2Records = parseV2Body(
      settings,
      post(v2, "application/vnd.kafka.json.v2+json", headers),
      bytes(v2),
      0,
      "json",
      null,
    );
    expect(v2Records.map((r) => r.bytes)).toEqual([4 + 1 + 10, 2 + 10]);
    const v3 =
      '{"key":{"type":"STRING","data":"ab"},"value":{"type":"JSON","data":1}}{"value":{"type":"JSON","data":22}}';
    expect(
      parseV3Records(settings, post(v3, "application/json", headers), bytes(v3), 0).records.map((r) => r.bytes),
    ).toEqual([2 + 1 + 10, 2 + 10]);
    const batch = JSON.stringify({ entries: [{ id: "a", value: { type: "JSON", data: 333 } }] });
    expect(parseV3Batch(settings, post(batch, "application/json", headers), bytes(batch), 0).records[0]!.bytes).toBe(
      3 + 10,
    );
  });
});
