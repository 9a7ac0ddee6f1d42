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
        "The request's 1000 records would each carry 101 bytes of its header values (key and allow-listed headers), 101000 bytes in all, over the limit of 100000 bytes (ingest.max.body.bytes); nothing was written",
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
