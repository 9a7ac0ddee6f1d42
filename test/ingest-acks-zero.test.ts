/**
 * An ingest connector with `producer.override.acks=0`: accepted, as Connect accepts the override,
 * and a request answers 200 with offset -1 (the producer learns no offset), but the connector's
 * start logs a WARN saying an acknowledged request is not durable (ingestp3: nothing said so). The
 * worker's producer.acks=0 gets the same WARN (ingestp4: only the connector's override did).
 * Compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** A gateway with `worker` keys and an ingest connector with `override`: its first answer's offsets and its acks WARN. */
async function acksZero(prefix: string, worker: Record<string, string>, override: Record<string, string>) {
  await using dir = await tempDir(`${prefix}-`);
  const topic = uniqueTopic(prefix);
  await createTopic(topic);
  await using gw = (await startIngestGateway(dir, worker)).gw;
  const config = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/acks0",
    "kafka.topic": topic,
    ...override,
  };
  expect((await gw.rest.post("/connectors", { name: "acks-zero", config })).status).toBe(201);
  const url = `${await ingestUrlOf(gw)}/ingest/acks0`;
  const answer = await waitFor(async () => {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"n":1}' });
    if (r.status === 200) return r;
    await r.arrayBuffer();
    return undefined;
  });
  const offsets = ((await answer.json()) as { offsets: { offset: number }[] }).offsets.map((o) => o.offset);
  const warning = gw
    .output()
    .split("\n")
    .find((line) => line.includes("acks=0:"));
  return { offsets, warning };
}

test("producer.override.acks=0: 200 with offset -1, and a WARN at the connector's start", async () => {
  const { offsets, warning } = await acksZero("ingest-acks0", {}, { "producer.override.acks": "0" });
  expect(offsets).toEqual([-1]);
  expect(warning).toContain(" WARN ");
  expect(warning).toContain("[acks-zero|worker] producer.override.acks=0: ");
  expect(warning).toContain("an acknowledged request is not durable");
}, 60_000);

test("the worker's producer.acks=0 gets the same WARN; a connector's acks=all override none", async () => {
  const worker = await acksZero("ingest-wacks0", { "producer.acks": "0" }, {});
  expect(worker.offsets).toEqual([-1]);
  expect(worker.warning).toContain(" WARN ");
  expect(worker.warning).toContain("[acks-zero|worker] The worker's producer.acks=0: ");
  expect(worker.warning).toContain("an acknowledged request is not durable");
  const overridden = await acksZero("ingest-wacks0-all", { "producer.acks": "0" }, { "producer.override.acks": "all" });
  expect(overridden.offsets[0]).toBeGreaterThanOrEqual(0);
  expect(overridden.warning).toBeUndefined();
}, 90_000);
