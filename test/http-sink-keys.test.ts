/**
 * The HTTP sink's record keys and tombstones in the whole gateway, against the real Kafka broker
 * and a loopback endpoint: a JSON string key fills `${key}` and the key header as its text, a
 * ByteArrayConverter key as unpadded base64url, and a tombstone is skipped by default (committed
 * with the records around it) or sent as a DELETE with behavior.on.null.values=delete. Seed 002.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, produce, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets } from "./support/kill-accounting.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("HTTP sink keys and tombstones", () => {
  test("a JSON string key is its text, a bytes key base64url; tombstones are skipped, or DELETEd when asked", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-keys");
    const received: { method: string; path: string; key: string | null; body: string }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const url = new URL(req.url);
        received.push({
          method: req.method,
          path: url.pathname,
          key: req.headers.get("x-key"),
          body: await req.text(),
        });
        return new Response("ok");
      },
    });
    await using _server = { [Symbol.asyncDispose]: () => server.stop(true) };
    const kafka = await kafkaBroker();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const admin = (await testClient()).admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
    await produce(topic, [
      { key: '"dev-1"', value: '{"n":1}' },
      { key: '"dev-1"', value: null },
      { key: '"dev-2"', value: '{"n":2}' },
    ]);
    const sinks = [
      { name: "json", converter: "org.apache.kafka.connect.json.JsonConverter", nulls: "ignore" },
      { name: "bytes", converter: "org.apache.kafka.connect.converters.ByteArrayConverter", nulls: "delete" },
    ];
    const names: string[] = [];
    for (const s of sinks) {
      const name = uniqueTopic(`keys-${s.name}-sink`);
      names.push(name);
      const created = await gw.rest.post("/connectors", {
        name,
        config: {
          "connector.class": "HttpSink",
          topics: topic,
          url: `http://127.0.0.1:${server.port}/${s.name}/\${key}`,
          "sink.writer.request.mode": "single",
          "sink.forward.key.header": "X-Key",
          "sink.flush-buffer.timeout": "10",
          "key.converter": s.converter,
          "key.converter.schemas.enable": "false",
          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter.schemas.enable": "false",
          "behavior.on.null.values": s.nulls,
        },
      });
      expect(created.status).toBe(201);
    }
    const of = (name: string) => received.filter((r) => r.path.startsWith(`/${name}/`));
    await waitFor(() => of("json").length === 2 && of("bytes").length === 3, { what: "both sinks delivered" });
    expect(of("json")).toEqual([
      { method: "POST", path: "/json/dev-1", key: "dev-1", body: '{"n":1}' },
      { method: "POST", path: "/json/dev-2", key: "dev-2", body: '{"n":2}' },
    ]);
    const b64 = (text: string) => Buffer.from(text).toString("base64url");
    expect(of("bytes")).toEqual([
      { method: "POST", path: `/bytes/${b64('"dev-1"')}`, key: b64('"dev-1"'), body: '{"n":1}' },
      { method: "DELETE", path: `/bytes/${b64('"dev-1"')}`, key: b64('"dev-1"'), body: "" },
      { method: "POST", path: `/bytes/${b64('"dev-2"')}`, key: b64('"dev-2"'), body: '{"n":2}' },
    ]);
    // The skipped tombstone is committed with the records around it: each group reaches the topic's end.
    try {
      for (const name of names) {
        await waitFor(async () => (await committedOffsets(admin, `connect-${name}`, topic)).get(0) === 3, {
          what: `${name} committed offset 3`,
        });
      }
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
