/**
 * REST Proxy shapes on the ingest listener (the gateway, the compiled binary when GATEWAY_BIN is
 * set, on the real broker) where REST Proxy's own stack decides: JSON bodies in UTF-16 and UTF-32
 * are read as Jackson detects them (and, on the connector's own path, in the charset a
 * Content-Type names); a v3 header name with a lone surrogate is written as Java's
 * String.getBytes(UTF_8) writes it (`?`); a Content-Type no resource method takes is Jersey's 415
 * before an unknown topic's or partition's 404.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createIngestConnector } from "./support/gateway.ts";
import { createTopic, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const TOPIC = uniqueTopic("proxy-encodings");
const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "1000" });

beforeAll(async () => {
  await createTopic(TOPIC, 2);
  await createIngestConnector(suite.gw, "encodings", { "kafka.topic": TOPIC, "ingest.path": "/ingest/encodings" });
});

const post = async (path: string, contentType: string, body: string | Uint8Array) => {
  const answer = await fetch(`${suite.ingest}${path}`, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body,
  });
  return { status: answer.status, body: await answer.text() };
};
const utf16le = (text: string, bom = false) => Buffer.from(`${bom ? "\ufeff" : ""}${text}`, "utf16le");
const utf16be = (text: string) => utf16le(text).swap16();
const utf32 = (text: string, littleEndian: boolean) =>
  Buffer.concat(
    [...text].map((c) => {
      const unit = Buffer.alloc(4);
      if (littleEndian) unit.writeUInt32LE(c.codePointAt(0)!);
      else unit.writeUInt32BE(c.codePointAt(0)!);
      return unit;
    }),
  );

describe("REST Proxy edges on the ingest listener", () => {
  test("JSON bodies in UTF-16 and UTF-32 (with or without a byte order mark) are read as Jackson reads them", async () => {
    const v2 = (n: number) => `{"records":[{"value":{"n":${n},"t":"é€"},"partition":0}]}`;
    const v3 = (n: number) => `{"partition_id":0,"value":{"type":"JSON","data":{"n":${n},"t":"é€"}}}`;
    const own = (n: number) => `{"n":${n},"t":"é€"}`;
    const answers = [
      await post(`/topics/${TOPIC}`, "application/vnd.kafka.json.v2+json", utf16le(v2(1), true)),
      await post(`/topics/${TOPIC}`, "application/vnd.kafka.json.v2+json", utf16be(v2(2))),
      await post(`/v3/clusters/c/topics/${TOPIC}/records`, "application/json", utf32(v3(3), false)),
      await post(`/v3/clusters/c/topics/${TOPIC}/records`, "application/json; charset=utf-8", utf32(v3(4), true)),
      await post("/ingest/encodings", "application/json", utf16le(own(5))),
      await post("/ingest/encodings", "application/json; charset=ISO-8859-1", Buffer.from('{"n":6,"t":"é"}', "latin1")),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const values = (await readTopic(TOPIC, 6)).map((r) => r.value!.toString("utf8")).sort();
    expect(values).toEqual([1, 2, 3, 4, 5].map((n) => `{"n":${n},"t":"é€"}`).concat('{"n":6,"t":"é"}'));
  });

  test("a v3 header name with a lone surrogate reaches Kafka as Java writes it: '?'", async () => {
    const body = JSON.stringify({
      partition_id: 1,
      headers: [
        { name: "h\ud800", value: Buffer.from("high").toString("base64") },
        { name: "\udc00h", value: Buffer.from("low").toString("base64") },
      ],
      value: { type: "STRING", data: "surrogate" },
    });
    expect(body).toContain("\\ud800");
    expect((await post(`/v3/clusters/c/topics/${TOPIC}/records`, "application/json", body)).status).toBe(200);
    // Acknowledged, so in the topic now (whatever else the other tests wrote).
    const [record] = (await readAll(TOPIC)).filter((r) => r.value?.toString() === '"surrogate"');
    expect(Object.keys(record!.headers).filter((k) => k.includes("h"))).toEqual(["h?", "?h"]);
  });

  test("a Content-Type no resource takes is 415 before an unknown topic's or partition's 404 (Jersey)", async () => {
    const records = '{"records":[{"value":1}]}';
    const paths = [
      `/topics/${TOPIC}/partitions/9`,
      `/topics/${TOPIC}/partitions/-1`,
      `/topics/${TOPIC}/partitions/x`,
      "/topics/not-an-ingest-topic/partitions/0",
      "/topics/not-an-ingest-topic",
      "/v3/clusters/c/topics/not-an-ingest-topic/records",
    ];
    const statuses = [];
    for (const path of paths) statuses.push((await post(path, "text/plain", records)).status);
    expect(statuses).toEqual([415, 415, 415, 415, 415, 415]);
    // With a Content-Type it takes: the partition's 404 (40402 also for -1, where REST Proxy's producer fails: 500).
    const json = "application/vnd.kafka.json.v2+json";
    expect(await post(`/topics/${TOPIC}/partitions/-1`, json, records)).toEqual({
      status: 404,
      body: '{"error_code":40402,"message":"Partition not found."}',
    });
  });
});
