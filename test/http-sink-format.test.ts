/**
 * Flink's `connector` and `format` keys of the HTTP sink in the whole gateway (the compiled binary
 * with GATEWAY_BIN), against the real Kafka broker: a config ported from Flink without a
 * value.converter gets the body Flink would send, whatever the worker's default converter
 * (JsonConverter with its schema envelope): `format=json` the JSON of the value, `format=raw` the
 * bytes in Kafka as they are. Seed 002.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("HTTP sink with Flink's format", () => {
  test("format=json sends the JSON value, format=raw the bytes as they are; the worker converter has an envelope", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-format");
    const received: { path: string; type: string | null; body: Uint8Array }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        received.push({
          path: new URL(req.url).pathname,
          type: req.headers.get("content-type"),
          body: new Uint8Array(await req.arrayBuffer()),
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
    await createTopic(topic);
    const raw = Buffer.from([0x7b, 0x00, 0xff, 0x0a, 0x7d]);
    await produce(topic, [{ value: '{"order":1,"total":12.50}' }, { value: raw }]);
    for (const format of ["json", "raw"]) {
      const created = await gw.rest.post("/connectors", {
        // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
        name: uniqueTopic(`flink-${format}-sink`),
        config: {
          "connector.class": "HttpSink",
          connector: "http-sink",
          format,
          topics: topic,
          url: `http://127.0.0.1:${server.port}/${format}`,
          "sink.writer.request.mode": format === "raw" ? "single" : "batch",
          "sink.flush-buffer.timeout": "10",
          "errors.tolerance": "all",
        },
      });
      expect(created.status).toBe(201);
    }
    await waitFor(
      () =>
        received.filter((r) => r.path === "/raw").length === 2 &&
        received.some((r) => r.path === "/json" && new TextDecoder().decode(r.body).includes("order")),
      { what: "both connectors delivered" },
    );
    const json = received.filter((r) => r.path === "/json").map((r) => new TextDecoder().decode(r.body));
    // The first record is JSON; the second is not and is tolerated (errors.tolerance=all) by the json sink.
    expect(json).toEqual(['[{"order":1,"total":12.50}]']);
    expect(received.find((r) => r.path === "/json")!.type).toBe("application/json");
    const rawBodies = received.filter((r) => r.path === "/raw");
    expect(rawBodies.map((r) => Buffer.from(r.body).toString("hex"))).toEqual([
      Buffer.from('{"order":1,"total":12.50}').toString("hex"),
      raw.toString("hex"),
    ]);
    expect(rawBodies.map((r) => r.type)).toEqual(["application/octet-stream", "application/octet-stream"]);
  }, 120_000);

  // Finding (sinkbatch): the single-mode Content-Type said charset=utf-8 whatever converter.encoding wrote.
  test("single mode with StringConverter in ISO-8859-1: the Content-Type names that charset", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-latin1");
    const received: { type: string | null; text: string }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const type = req.headers.get("content-type");
        const charset = /charset=([^;]+)/.exec(type ?? "")?.[1] ?? "utf-8";
        // An endpoint reading the body as its Content-Type says.
        received.push({
          type,
          text: new TextDecoder(charset as ConstructorParameters<typeof TextDecoder>[0]).decode(
            await req.arrayBuffer(),
          ),
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
    await createTopic(topic);
    await produce(topic, [{ value: Buffer.from("café", "latin1") }]);
    const created = await gw.rest.post("/connectors", {
      name: uniqueTopic("latin1-sink"),
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: `http://127.0.0.1:${server.port}/text`,
        "sink.writer.request.mode": "single",
        "sink.flush-buffer.timeout": "10",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter.converter.encoding": "ISO-8859-1",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => received.length === 1, { what: "the record delivered" });
    expect(received).toEqual([{ type: "text/plain; charset=iso-8859-1", text: "café" }]);
  }, 120_000);

  // Leftovers sinkp8 #1 and #2: a batch of ISO-8859-1 text went out as application/json (read as UTF-8:
  // "caf\ufffd"), and a header the header converter wrote in ISO-8859-1 was read as UTF-8 (cr%EF%BF%BDme).
  // review81: the batch is UTF-8 JSON (its values re-encoded), not `application/json; charset=iso-8859-1`.
  test("StringConverters in ISO-8859-1: the batch is UTF-8 JSON, a forwarded header keeps its text", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-latin1-batch");
    const received: { type: string | null; text: string; note: string | null }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const type = req.headers.get("content-type");
        const charset = /charset=([^;]+)/.exec(type ?? "")?.[1] ?? "utf-8";
        const note = req.headers.get("x-note");
        received.push({
          type,
          text: new TextDecoder(charset as ConstructorParameters<typeof TextDecoder>[0]).decode(
            await req.arrayBuffer(),
          ),
          note: note === null ? null : decodeURIComponent(note),
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
    await createTopic(topic);
    await produce(topic, [
      { value: Buffer.from('"café"', "latin1"), headers: { note: Buffer.from("crème", "latin1") } },
      { value: Buffer.from('"thé"', "latin1"), headers: { note: Buffer.from("crème", "latin1") } },
    ]);
    const created = await gw.rest.post("/connectors", {
      name: uniqueTopic("latin1-batch-sink"),
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: `http://127.0.0.1:${server.port}/text`,
        "sink.batch.max-size": "2",
        "sink.forward.headers": "note",
        "sink.forward.headers.prefix": "X-",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter.converter.encoding": "ISO-8859-1",
        "header.converter": "org.apache.kafka.connect.storage.StringConverter",
        "header.converter.converter.encoding": "ISO-8859-1",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => received.length === 1, { what: "the batch delivered" });
    expect(received).toEqual([{ type: "application/json", text: '["café","thé"]', note: "crème" }]);
  }, 120_000);
});
