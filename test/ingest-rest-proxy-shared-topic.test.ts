/**
 * Two ingest connectors writing to one kafka.topic (REST Proxy on by default on both): REST Proxy
 * requests for that topic (`POST /topics/{t}`, which names no connector) were served by whichever
 * connector opened first, with its authentication (ingestp3). Now by the one naming the topic in
 * ingest.rest.proxy.topics, else by none (404 naming them, a WARN at start); validation refuses a
 * second connector naming it. Compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { exportSPKI, generateKeyPair } from "jose";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a REST Proxy topic two connectors accept: served by the one naming it, never by start order", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("ingest-shared-topic-");
  const topic = uniqueTopic("ingest-shared");
  await createTopic(topic);
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = dir.file("issuer.pem");
  await Bun.write(pem, await exportSPKI(publicKey));
  await using gw = await startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
    },
  });
  const strict = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/strict",
    "kafka.topic": topic,
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.public.key.location": pem,
    "ingest.auth.jwt.algorithms": "ES256",
  };
  const open = { "connector.class": "HttpIngestSource", "ingest.path": "/ingest/open", "kafka.topic": topic };
  // The strict connector opens first: it served the topic's REST Proxy requests (401 without a token).
  expect((await gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  const ingest = await ingestUrlOf(gw);
  const v2 = () =>
    fetch(`${ingest}/topics/${topic}`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: '{"records":[{"value":{"n":1}}]}',
    });
  await waitFor(async () => (await v2()).status === 401, { what: "the strict connector serving" });
  expect((await gw.rest.put("/connectors/open/config", open)).status).toBe(201);
  await waitFor(async () => (await fetch(`${ingest}/ingest/open`, { method: "POST", body: "{}" })).status === 200, {
    what: "the open connector's path",
  });
  const shared = await v2();
  expect(shared.status).toBe(404);
  expect(await shared.json()).toEqual({
    error_code: 40401,
    message: `REST Proxy produce requests for topic ${topic} are accepted by more than one ingest connector (strict, open), so none serves them: name the topic in ingest.rest.proxy.topics of the one that should, or set ingest.rest.proxy.enable=false on the others`,
  });
  expect(gw.output()).toContain(`[open|worker] REST Proxy produce requests for topic ${topic} are accepted`);

  // The operator names the topic on the strict connector: it serves it.
  expect(
    (await gw.rest.put("/connectors/strict/config", { ...strict, "ingest.rest.proxy.topics": topic })).status,
  ).toBe(200);
  await waitFor(async () => (await v2()).status === 401, { what: "the strict connector serving again" });
  // A second connector naming it is refused.
  const clash = await gw.rest.put("/connectors/open/config", { ...open, "ingest.rest.proxy.topics": topic });
  expect(clash.status).toBe(400);
  expect(clash.body.message).toContain(
    `Invalid value ${topic} for configuration ingest.rest.proxy.topics: connector strict names it too`,
  );
}, 60_000);

// review45: the connector naming the topic failed to start after a restart (its key file gone): it
// opened no route, so the other connector, accepting the topic by its kafka.topic, served it without
// authentication (200). Now the naming connector's route is reserved (503) until it starts again.
test("the connector naming a shared topic failing to start leaves it to no other connector", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("ingest-shared-topic-failed-");
  const topic = uniqueTopic("ingest-shared-failed");
  await createTopic(topic);
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = dir.file("issuer.pem");
  await Bun.write(pem, await exportSPKI(publicKey));
  const options = {
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
    },
  };
  let gw = await startGateway(options);
  await using _cleanup = {
    [Symbol.asyncDispose]: async () => {
      if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
    },
  };
  const strict = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/strict",
    "kafka.topic": topic,
    "ingest.rest.proxy.topics": topic,
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.public.key.location": pem,
    "ingest.auth.jwt.algorithms": "ES256",
  };
  const open = { "connector.class": "HttpIngestSource", "ingest.path": "/ingest/open", "kafka.topic": topic };
  expect((await gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  expect((await gw.rest.put("/connectors/open/config", open)).status).toBe(201);
  let ingest = await ingestUrlOf(gw);
  const v2 = () =>
    fetch(`${ingest}/topics/${topic}`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: '{"records":[{"value":{"n":1}}]}',
    });
  await waitFor(async () => (await fetch(`${ingest}/ingest/open`, { method: "POST", body: "{}" })).status === 200, {
    what: "the open connector's path",
  });
  expect((await v2()).status).toBe(401);
  expect(await gw.stop()).toBe(0);

  await rm(pem);
  gw = await startGateway(options);
  ingest = await ingestUrlOf(gw);
  await waitFor(async () => (await gw.rest.get("/connectors/strict/status")).body?.connector?.state === "FAILED", {
    what: "the strict connector FAILED",
  });
  await waitFor(async () => (await fetch(`${ingest}/ingest/open`, { method: "POST", body: "{}" })).status === 200, {
    what: "the open connector's path",
  });
  const answer = await v2();
  expect(answer.status).toBe(503);
  expect(answer.headers.get("Retry-After")).not.toBeNull();
  expect((await fetch(`${ingest}/ingest/strict`, { method: "POST", body: "{}" })).status).toBe(503);
}, 90_000);
