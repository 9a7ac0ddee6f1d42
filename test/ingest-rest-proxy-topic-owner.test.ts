/**
 * A REST Proxy topic two ingest connectors accept, one naming it in ingest.rest.proxy.topics (with
 * JWT), the other accepting it by its kafka.topic (no authentication). review45 held the topic
 * (503) when the naming connector's start failed after parsing its config; it was still served by
 * the other connector, without authentication (200), when the naming one failed before starting (a
 * config provider value it cannot resolve) or was STOPPED. Now the stored connector naming the topic
 * owns it: 503 with Retry-After while it is not running, 404 while it is STOPPED. Validation
 * compares the lists resolved: a connector naming a topic another one's config provider reference
 * resolves to is refused (ingestp4: accepted, and then neither served it). Compiled binary when
 * GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { strictAndOpen } from "./support/strict-and-open.ts";
import { waitFor } from "./support/wait-for.ts";

const providers = { "config.providers": "file", "config.providers.file.class": "FileConfigProvider" };

test("a REST Proxy topic whose naming connector is stopped or failed before starting is served by no other", async () => {
  await using s = await strictAndOpen("ingest-topic-owner", providers);
  const { topic } = s;
  const props = s.dir.file("strict.properties");
  await Bun.write(props, "alg=ES256\n");
  const strict = {
    ...s.strict,
    "ingest.rest.proxy.topics": topic,
    "ingest.auth.jwt.algorithms": `\${file:${props}:alg}`,
    "ingest.retry.after.seconds": "7",
  };
  expect((await s.gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  expect((await s.gw.rest.put("/connectors/open/config", s.open)).status).toBe(201);
  await s.waitOpenServes();
  await waitFor(async () => (await s.v2()).status === 401, { what: "the strict connector serving the topic" });

  // Stopped: the topic is not found (as the stopped connector's path), not served by the open one.
  expect((await s.gw.rest.put("/connectors/strict/stop", {})).status).toBe(204);
  await s.waitStrictState("STOPPED");
  await waitFor(async () => (await s.post("strict")).status === 404, { what: "the stopped connector's path gone" });
  const stopped = await s.v2();
  expect(stopped.status).toBe(404);
  expect(await stopped.json()).toEqual({
    error_code: 40401,
    message: `REST Proxy produce requests for topic ${topic} are served by the ingest connector strict, which is stopped`,
  });
  expect((await s.gw.rest.put("/connectors/strict/resume", {})).status).toBe(202);
  await waitFor(async () => (await s.v2()).status === 401, { what: "the strict connector serving again" });

  // Its config provider value cannot be resolved at the next start: it fails before starting.
  await rm(props);
  await s.restart();
  await s.waitStrictState("FAILED");
  await s.waitOpenServes();
  const failed = await s.v2();
  expect(failed.status).toBe(503);
  expect(failed.headers.get("Retry-After")).toBe("7");
  expect(await failed.json()).toEqual({
    error_code: 503,
    message: `REST Proxy produce requests for topic ${topic} are served by the ingest connector strict, which is not running`,
  });
}, 120_000);

test("a REST Proxy topic named through a config provider reference is held while its connector fails before starting", async () => {
  await using s = await strictAndOpen("ingest-topic-owner-ref", providers);
  const { topic } = s;
  const props = s.dir.file("topics.properties");
  await Bun.write(props, `topics=${topic}\n`);
  const strict = {
    ...s.strict,
    "kafka.topic": `${topic}-own`,
    "ingest.rest.proxy.topics": `\${file:${props}:topics}`,
  };
  expect((await s.gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  expect((await s.gw.rest.put("/connectors/open/config", s.open)).status).toBe(201);
  await waitFor(async () => (await s.v2()).status === 401, { what: "the strict connector serving the topic" });

  // The provider cannot resolve its topics at the next start: the open connector does not serve them.
  await rm(props);
  await s.restart();
  await s.waitStrictState("FAILED");
  await s.waitOpenServes();
  const failed = await s.v2();
  expect(failed.status).toBe(503);
  expect(await failed.json()).toEqual({
    error_code: 503,
    message: `REST Proxy produce requests for topic ${topic} may be served by the ingest connector strict, whose ingest.rest.proxy.topics (a config provider reference) is not known while it is not running`,
  });
}, 120_000);

test("validation refuses a REST Proxy topic another connector's config provider reference resolves to", async () => {
  await using s = await strictAndOpen("ingest-topic-owner-validate", providers);
  const { topic } = s;
  const props = s.dir.file("topics.properties");
  await Bun.write(props, `topics=${topic}\n`);
  const reference = `\${file:${props}:topics}`;
  const strict = { ...s.strict, "kafka.topic": `${topic}-own`, "ingest.rest.proxy.topics": reference };
  expect((await s.gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  await waitFor(async () => (await s.v2()).status === 401, { what: "the strict connector serving the topic" });

  // The open connector naming the topic the stored reference resolves to.
  const clash = await s.gw.rest.put("/connectors/open/config", { ...s.open, "ingest.rest.proxy.topics": topic });
  expect(clash.status).toBe(400);
  expect(clash.body.message).toContain("configuration ingest.rest.proxy.topics: connector strict names it too");
  const validated = await s.gw.rest.put("/connector-plugins/HttpIngestSource/config/validate", {
    ...s.open,
    name: "open",
    "ingest.rest.proxy.topics": topic,
  });
  expect(validated.body.error_count).toBe(1);
  // The strict connector's topic is still served by it alone.
  expect((await s.v2()).status).toBe(401);

  // The other way round: a reference resolving to a topic the open connector names.
  expect((await s.gw.rest.put("/connectors/open/config", { ...s.open, "kafka.topic": `${topic}-open` })).status).toBe(
    201,
  );
  const other = s.dir.file("other.properties");
  await Bun.write(other, `topics=${topic}-open\n`);
  expect(
    (
      await s.gw.rest.put("/connectors/open/config", {
        ...s.open,
        "kafka.topic": `${topic}-open`,
        "ingest.rest.proxy.topics": `${topic}-open`,
      })
    ).status,
  ).toBe(200);
  const second = await s.gw.rest.put("/connectors/second/config", {
    ...s.open,
    "ingest.path": "/ingest/second",
    "ingest.rest.proxy.topics": `\${file:${other}:topics}`,
  });
  expect(second.status).toBe(400);
  expect(second.body.message).toContain("connector open names it too");
}, 120_000);
