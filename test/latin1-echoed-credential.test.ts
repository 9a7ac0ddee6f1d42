/**
 * An endpoint that decodes the HTTP sink's Basic credential as ISO-8859-1 (as Java servlet
 * containers do) and echoes it quotes a non-ASCII password's UTF-8 bytes as Latin-1 (`é` as `Ã©`):
 * the DLQ context headers and the log show `[hidden]` for it (secaudit: all but the last
 * character showed). Compiled binary, real broker, a real echoing HTTP server.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

const CREDENTIAL = 'alice:pa"ss\\wo/rd-S3cretMarké';

test("a non-ASCII Basic credential echoed as Latin-1 shows [hidden] in the DLQ headers and the log", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  using endpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => {
      const basic = (req.headers.get("authorization") ?? "").replace(/^Basic /, "");
      return Response.json({ refused: Buffer.from(basic, "base64").toString("latin1") }, { status: 400 });
    },
  });
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "log.level": "TRACE" },
  });
  const topic = uniqueTopic("latin1-echo");
  const dlq = `${topic}-dlq`;
  const created = await gw.rest.post("/connectors", {
    name: "sink",
    config: {
      "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
      topics: topic,
      url: `http://127.0.0.1:${endpoint.port}/in`,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "sink.header.Authorization": CREDENTIAL,
      "errors.tolerance": "all",
      "errors.log.enable": "true",
      "errors.deadletterqueue.topic.name": dlq,
      "errors.deadletterqueue.topic.replication.factor": "1",
      "errors.deadletterqueue.context.headers.enable": "true",
    },
  });
  expect(created.status).toBe(201);
  await produce(topic, [{ value: "v" }]);
  const [dead] = await readTopic(dlq, 1);
  const message = String(dead!.headers["__connect.errors.exception.message"]);
  expect(message).toStartWith(
    `HTTP 400 from POST http://127.0.0.1:${endpoint.port}/in after 1 attempt(s): {"refused":"[hidden]"}`,
  );
  for (const text of [...Object.values(dead!.headers).map(String), gw.output()]) {
    expect(text).not.toContain("S3cretMark");
  }
});
