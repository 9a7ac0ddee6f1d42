/**
 * Issue 12 (spool encoding), on the gateway (compiled binary when GATEWAY_BIN is set) and the real
 * broker: in ingest.ack.mode=spool every record's value, key and headers reach Kafka exactly as
 * the request gave them, whatever the record encoder does inside: JSON batch elements byte for
 * byte (white space inside, number spelling, non-ASCII text, a large element), NDJSON lines, a
 * JSON null as a tombstone, a key read from each element, allow-listed, static, content-type and
 * receive-time headers, and StringConverter and ByteArrayConverter routes (text and raw bytes).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createTopicsOn, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const T_JSON = uniqueTopic("spool-records-json");
const T_STRING = uniqueTopic("spool-records-string");
const T_BYTES = uniqueTopic("spool-records-bytes");

const utf8 = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));
const headerTexts = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

describe("ingest.ack.mode=spool: records reach Kafka exactly", () => {
  const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "500" });

  const post = async (path: string, body: string | Uint8Array, contentType: string, headers = {}) => {
    const response = await fetch(`${suite.ingest}${path}`, {
      method: "POST",
      headers: { "Content-Type": contentType, ...headers },
      body,
    });
    const answer = await response.text();
    expect([response.status, answer]).toEqual([200, expect.stringContaining('"offsets"')]);
  };

  beforeAll(async () => {
    const admin = (await testClient()).admin();
    await admin.connect();
    await createTopicsOn(
      admin,
      [T_JSON, T_STRING, T_BYTES].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
    );
    await admin.disconnect();
    const spool = {
      "connector.class": "HttpIngestSource",
      "ingest.ack.mode": "spool",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    };
    const connectors = {
      json: {
        ...spool,
        "ingest.path": "/spool/json",
        "kafka.topic": T_JSON,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "ingest.key.source": "field",
        "ingest.key.field": "$.id",
        "ingest.headers.allowlist": "X-Device:device",
        "ingest.headers.static": "gateway=edge-ü",
        "ingest.headers.content.type": "ct",
        "ingest.headers.receive.timestamp": "received-at",
      },
      string: {
        ...spool,
        "ingest.path": "/spool/string",
        "kafka.topic": T_STRING,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "ingest.key.source": "header",
      },
      bytes: {
        ...spool,
        "ingest.path": "/spool/bytes",
        "kafka.topic": T_BYTES,
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
      },
    };
    for (const [name, config] of Object.entries(connectors))
      expect((await suite.gw.rest.post("/connectors", { name: `spool-${name}`, config })).status).toBe(201);
    for (const name of Object.keys(connectors))
      await waitFor(
        async () => (await suite.gw.rest.get(`/connectors/spool-${name}/status`)).body.tasks?.[0]?.state === "RUNNING",
        { what: `connector spool-${name} running` },
      );
  }, 90_000);

  test("JSON batches (ASCII, non-ASCII, a 300 KB element) and NDJSON: values, keys and headers exact", async () => {
    const big = `{"id":"big","s":"${"x".repeat(300_000)}"}`;
    const ascii = [
      '{"id":"a1","v":1}',
      '{ "id" : "a2", "n": 1.50, "long": 12345678901234567890 }',
      big,
      "17",
      '"a string"',
      "null",
      "[]",
    ];
    const nonAscii = ['{"id":"ü-1","t":"é ✓ 𝄞"}', '{"id":"k2","t":"中文\\u00e9"}', '{"id":"🙂","t":""}'];
    const ndjson = ['{"id":"n1","t":"ключ"}', '{"id":"n2","t":"plain"}'];
    await post("/spool/json", `[${ascii.join(",")}]`, "application/json", { "X-Device": "dev-1" });
    await post("/spool/json", `[\n  ${nonAscii.join(" ,\n  ")}\n]`, "application/json", { "X-Device": "dév-2" });
    await post("/spool/json", `${ndjson.join("\n")}\n`, "application/x-ndjson", { "X-Device": "dev-3" });

    const records = await readTopic(T_JSON, ascii.length + nonAscii.length + ndjson.length, 60_000);
    expect(records.map((r) => utf8(r.value))).toEqual([
      ...ascii.map((v) => (v === "null" ? null : v)),
      ...nonAscii,
      ...ndjson,
    ]);
    expect(records.map((r) => utf8(r.key))).toEqual([
      "a1",
      "a2",
      "big",
      null,
      null,
      null,
      null,
      "ü-1",
      "k2",
      "🙂",
      "n1",
      "n2",
    ]);
    const headers = records.map((r) => headerTexts(r.headers));
    const device = (d: string, ct: string) => ({ device: d, gateway: "edge-ü", ct });
    expect(headers.map(({ "received-at": _, ...rest }) => rest)).toEqual([
      ...ascii.map(() => device("dev-1", "application/json")),
      ...nonAscii.map(() => device("dév-2", "application/json")),
      ...ndjson.map(() => device("dev-3", "application/x-ndjson")),
    ]);
    // One receive time per request, shared by its records.
    const received = headers.map((h) => h["received-at"]!);
    expect(received.every((t) => /^\d{13}$/.test(t))).toBe(true);
    expect(new Set(received.slice(0, ascii.length)).size).toBe(1);
  }, 90_000);

  test("StringConverter: each element's text; ByteArrayConverter: a raw body's bytes as sent", async () => {
    const elements = ['{"t":"é"}', '"✓ 𝄞"', "3.0"];
    await post("/spool/string", `[${elements.join(", ")}]`, "application/json", { "X-Kafka-Key": "kü" });
    const raw = new Uint8Array([0, 255, 0xc3, 0x28, 10, 13, 0x7f, 0x80]);
    await post("/spool/bytes", raw, "application/octet-stream");
    await post("/spool/bytes", "héllo", "text/plain; charset=utf-8");

    const strings = await readTopic(T_STRING, elements.length, 60_000);
    expect(strings.map((r) => [utf8(r.key), utf8(r.value)])).toEqual(elements.map((e) => ["kü", e]));
    const bytes = await readTopic(T_BYTES, 2, 60_000);
    expect(bytes.map((r) => [r.key, r.value, headerTexts(r.headers)])).toEqual([
      [null, Buffer.from(raw), { "content-type": "application/octet-stream" }],
      [null, Buffer.from("héllo"), { "content-type": "text/plain; charset=utf-8" }],
    ]);
  }, 90_000);
});
