/**
 * An ingest connector with `producer.override.acks=0`: accepted, as Connect accepts the override,
 * and a request answers 200 with offset -1 (the producer learns no offset), but the connector's
 * start logs a WARN saying an acknowledged request is not durable (ingestp3: nothing said so).
 * Compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("producer.override.acks=0: 200 with offset -1, and a WARN at the connector's start", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("ingest-acks0-");
  const topic = uniqueTopic("ingest-acks0");
  await createTopic(topic);
  await using gw = await startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
    },
  });
  const config = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/acks0",
    "kafka.topic": topic,
    "producer.override.acks": "0",
  };
  expect((await gw.rest.post("/connectors", { name: "acks-zero", config })).status).toBe(201);
  const url = `${await ingestUrlOf(gw)}/ingest/acks0`;
  const answer = await waitFor(async () => {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"n":1}' });
    if (r.status === 200) return r;
    await r.arrayBuffer();
    return undefined;
  });
  expect(((await answer.json()) as { offsets: { offset: number }[] }).offsets.map((o) => o.offset)).toEqual([-1]);
  const warning = gw
    .output()
    .split("\n")
    .find((line) => line.includes("producer.override.acks=0"));
  expect(warning).toContain(" WARN ");
  expect(warning).toContain("[acks-zero|worker]");
  expect(warning).toContain("an acknowledged request is not durable");
}, 60_000);
