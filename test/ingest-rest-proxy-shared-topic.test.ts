/**
 * Two ingest connectors writing to one kafka.topic (REST Proxy on by default on both): REST Proxy
 * requests for that topic (`POST /topics/{t}`, which names no connector) were served by whichever
 * connector opened first, with its authentication (ingestp3). Now by the one naming the topic in
 * ingest.rest.proxy.topics, else by none (404 naming them, a WARN at start); validation refuses a
 * second connector naming it. Compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { strictAndOpen } from "./support/strict-and-open.ts";
import { waitFor } from "./support/wait-for.ts";

test("a REST Proxy topic two connectors accept: served by the one naming it, never by start order", async () => {
  await using s = await strictAndOpen("ingest-shared");
  const { gw, topic, strict, open } = s;
  // The strict connector opens first: it served the topic's REST Proxy requests (401 without a token).
  expect((await gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  await waitFor(async () => (await s.v2()).status === 401, { what: "the strict connector serving" });
  expect((await gw.rest.put("/connectors/open/config", open)).status).toBe(201);
  await s.waitOpenServes();
  const shared = await s.v2();
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
  await waitFor(async () => (await s.v2()).status === 401, { what: "the strict connector serving again" });
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
  await using s = await strictAndOpen("ingest-shared-failed");
  const strict = { ...s.strict, "ingest.rest.proxy.topics": s.topic };
  expect((await s.gw.rest.put("/connectors/strict/config", strict)).status).toBe(201);
  expect((await s.gw.rest.put("/connectors/open/config", s.open)).status).toBe(201);
  await s.waitOpenServes();
  expect((await s.v2()).status).toBe(401);

  await rm(s.pem);
  await s.restart();
  await s.waitStrictState("FAILED");
  await s.waitOpenServes();
  const answer = await s.v2();
  expect(answer.status).toBe(503);
  expect(answer.headers.get("Retry-After")).not.toBeNull();
  expect((await s.post("strict")).status).toBe(503);
}, 90_000);
