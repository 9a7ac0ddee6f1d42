/**
 * A REST Proxy topic two ingest connectors accept, one naming it in ingest.rest.proxy.topics (with
 * JWT), the other accepting it by its kafka.topic (no authentication). review45 held the topic
 * (503) when the naming connector's start failed after parsing its config; it was still served by
 * the other connector, without authentication (200), when the naming one failed before starting (a
 * config provider value it cannot resolve) or was STOPPED. Now the stored connector naming the topic
 * owns it: 503 with Retry-After while it is not running, 404 while it is STOPPED. Compiled binary
 * when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { exportSPKI, generateKeyPair } from "jose";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a REST Proxy topic whose naming connector is stopped or failed before starting is served by no other", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("ingest-topic-owner-");
  const topic = uniqueTopic("ingest-topic-owner");
  await createTopic(topic);
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = dir.file("issuer.pem");
  await Bun.write(pem, await exportSPKI(publicKey));
  const props = dir.file("strict.properties");
  await Bun.write(props, "alg=ES256\n");
  const options = {
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
      "config.providers": "file",
      "config.providers.file.class": "FileConfigProvider",
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
    "ingest.auth.jwt.algorithms": `\${file:${props}:alg}`,
    "ingest.retry.after.seconds": "7",
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
  const openServes = async () => (await fetch(`${ingest}/ingest/open`, { method: "POST", body: "{}" })).status === 200;
  await waitFor(openServes, { what: "the open connector's path" });
  await waitFor(async () => (await v2()).status === 401, { what: "the strict connector serving the topic" });

  // Stopped: the topic is not found (as the stopped connector's path), not served by the open one.
  expect((await gw.rest.put("/connectors/strict/stop", {})).status).toBe(204);
  await waitFor(async () => (await gw.rest.get("/connectors/strict/status")).body?.connector?.state === "STOPPED", {
    what: "the strict connector STOPPED",
  });
  await waitFor(async () => (await fetch(`${ingest}/ingest/strict`, { method: "POST", body: "{}" })).status === 404, {
    what: "the stopped connector's path gone",
  });
  const stopped = await v2();
  expect(stopped.status).toBe(404);
  expect(await stopped.json()).toEqual({
    error_code: 40401,
    message: `REST Proxy produce requests for topic ${topic} are served by the ingest connector strict, which is stopped`,
  });
  expect((await gw.rest.put("/connectors/strict/resume", {})).status).toBe(202);
  await waitFor(async () => (await v2()).status === 401, { what: "the strict connector serving again" });
  expect(await gw.stop()).toBe(0);

  // Its config provider value cannot be resolved at the next start: it fails before starting.
  await rm(props);
  gw = await startGateway(options);
  ingest = await ingestUrlOf(gw);
  await waitFor(async () => (await gw.rest.get("/connectors/strict/status")).body?.connector?.state === "FAILED", {
    what: "the strict connector FAILED",
  });
  await waitFor(openServes, { what: "the open connector's path" });
  const failed = await v2();
  expect(failed.status).toBe(503);
  expect(failed.headers.get("Retry-After")).toBe("7");
  expect(await failed.json()).toEqual({
    error_code: 503,
    message: `REST Proxy produce requests for topic ${topic} are served by the ingest connector strict, which is not running`,
  });
}, 120_000);

test("a REST Proxy topic named through a config provider reference is held while its connector fails before starting", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("ingest-topic-owner-ref-");
  const topic = uniqueTopic("ingest-topic-owner-ref");
  await createTopic(topic);
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = dir.file("issuer.pem");
  await Bun.write(pem, await exportSPKI(publicKey));
  const props = dir.file("topics.properties");
  await Bun.write(props, `topics=${topic}\n`);
  const options = {
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
      "config.providers": "file",
      "config.providers.file.class": "FileConfigProvider",
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
    "kafka.topic": `${topic}-own`,
    "ingest.rest.proxy.topics": `\${file:${props}:topics}`,
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.public.key.location": pem,
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
  await waitFor(async () => (await v2()).status === 401, { what: "the strict connector serving the topic" });
  expect(await gw.stop()).toBe(0);

  // The provider cannot resolve its topics at the next start: the open connector does not serve them.
  await rm(props);
  gw = await startGateway(options);
  ingest = await ingestUrlOf(gw);
  await waitFor(async () => (await gw.rest.get("/connectors/strict/status")).body?.connector?.state === "FAILED", {
    what: "the strict connector FAILED",
  });
  await waitFor(async () => (await fetch(`${ingest}/ingest/open`, { method: "POST", body: "{}" })).status === 200, {
    what: "the open connector's path",
  });
  const failed = await v2();
  expect(failed.status).toBe(503);
  expect(await failed.json()).toEqual({
    error_code: 503,
    message: `REST Proxy produce requests for topic ${topic} may be served by the ingest connector strict, whose ingest.rest.proxy.topics (a config provider reference) is not known while it is not running`,
  });
}, 120_000);
