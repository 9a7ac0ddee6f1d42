/**
 * REST Proxy routes authenticate before routing (rest-proxy-gate.ts); for a topic no connector
 * serves, every authenticating connector tried the credentials and counted a wrong password towards
 * its ingest.auth.basic.failures.max (gatecount): a valid device of connector B posting to a
 * misspelled topic was a failure on connector A, whose devices behind the same address then got
 * 429. The other connectors now only try the credentials; a request none admits counts one failure
 * on the gate's budget (the strictest limits), so guessing on unknown topics still ends in 429, with
 * one WARN and `ingest_rest_proxy_auth_lockouts_total` on /metrics.
 * curl as the devices, the compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { fastHash } from "../src/rest/auth/test-support.ts";
import { curlPost } from "./support/curl.ts";
import { type Gateway, ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { parsePrometheus, sampleValue } from "./support/prometheus-text.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const V2 = "application/vnd.kafka.json.v2+json";
const BODY = '{"records":[{"value":{"n":1}}]}';
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

/** Basic connectors count-a (meter-a, meter-a2) then count-b (meter-b), failures.max=2, serving. */
async function twoConnectors(dir: TempDir, gw: Gateway) {
  const [topicA, topicB] = [uniqueTopic("count-a"), uniqueTopic("count-b")];
  await Promise.all([createTopic(topicA), createTopic(topicB)]);
  await Bun.write(
    dir.file("a.creds"),
    `meter-a:${await fastHash.bcrypt("pass-a")}\nmeter-a2:${await fastHash.bcrypt("pass-a2")}\n`,
  );
  await Bun.write(dir.file("b.creds"), `meter-b:${await fastHash.bcrypt("pass-b")}\n`);
  const ingest = await ingestUrlOf(gw);
  const v2 = (topic: string, headers: Record<string, string> = {}) =>
    curlPost(`${ingest}/topics/${topic}`, BODY, V2, headers);
  const connector = (name: string, topic: string) => ({
    "connector.class": "HttpIngestSource",
    "ingest.path": `/ingest/${name}`,
    "kafka.topic": topic,
    "ingest.auth.methods": "basic",
    "ingest.auth.basic.credentials.file": dir.file(`${name}.creds`),
    "ingest.auth.basic.failures.max": "2",
    "ingest.auth.basic.failures.global.per.second": "0",
  });
  // Serving (a task attached: 401 on its own path, not 503), without a password verified: A first,
  // so that A is the first connector the gate tries for an unknown topic.
  const serving = async (name: string) =>
    (await curlPost(`${ingest}/ingest/${name}`, "{}", "application/json")).status === 401;
  expect((await gw.rest.put("/connectors/count-a/config", connector("a", topicA))).status).toBe(201);
  await waitFor(() => serving("a"), { what: "count-a serving" });
  expect((await gw.rest.put("/connectors/count-b/config", connector("b", topicB))).status).toBe(201);
  await waitFor(() => serving("b"), { what: "count-b serving" });
  return { topicA, v2 };
}

test("a valid device of B posting to unknown topics does not lock A's device out", async () => {
  await using dir = await tempDir("ingest-auth-count-");
  await using gw = (await startIngestGateway(dir)).gw;
  const { topicA, v2 } = await twoConnectors(dir, gw);
  // B's valid device posting to misspelled topics: authenticated (by B), so REST Proxy's 404.
  for (let i = 0; i < 4; i++) {
    const misspelled = await v2(uniqueTopic("count-typo"), basic("meter-b", "pass-b"));
    expect({ status: misspelled.status, body: misspelled.json() }).toEqual({
      status: 404,
      body: { error_code: 40401, message: "Topic not found." },
    });
  }
  // A counted none of them (failures.max=2): A's device behind the same address gets through.
  const own = await v2(topicA, basic("meter-a", "pass-a"));
  expect({ status: own.status, body: own.json() }).toMatchObject({ status: 200 });
}, 90_000);

test("wrong passwords to an unknown topic reach 429 after failures.max, counted on neither connector", async () => {
  await using dir = await tempDir("ingest-auth-count-");
  await using gw = (await startIngestGateway(dir)).gw;
  const { topicA, v2 } = await twoConnectors(dir, gw);
  // Wrong passwords to an unknown topic: one failure each, 429 after failures.max.
  const guess = () => v2(uniqueTopic("count-nobody"), basic("meter-a", "guess"));
  expect((await guess()).status).toBe(401);
  expect((await guess()).status).toBe(401);
  const blocked = await guess();
  expect({ status: blocked.status, code: blocked.json().error_code }).toEqual({ status: 429, code: 42901 });
  // The rest of the lockout (60 s; less when this request came a second or more after the block).
  const retryAfter = Number(blocked.headers["retry-after"]);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  // Counted on the gate's budget, not on A's: A's other device (no password verified yet) still gets in.
  const other = await v2(topicA, basic("meter-a2", "pass-a2"));
  expect({ status: other.status, body: other.json() }).toMatchObject({ status: 200 });
  // The block: one WARN, and counted on /metrics (testdup: it had no metric), not as a lockout of A's or B's.
  expect(
    gw
      .output()
      .split("\n")
      .filter((l) => l.includes("Blocking")),
  ).toEqual([
    expect.stringContaining(
      "WARN Blocking 127.0.0.1 on the REST Proxy routes for 60 s after repeated failed basic authentication attempts (ingest.auth.basic.failures.max)",
    ),
  ]);
  const families = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
  expect({
    gate: sampleValue(families, "ingest_rest_proxy_auth_lockouts_total", {}),
    a: sampleValue(families, "ingest_auth_lockouts_total", { connector: "count-a" }),
    b: sampleValue(families, "ingest_auth_lockouts_total", { connector: "count-b" }),
  }).toEqual({ gate: 1, a: 0, b: 0 });
}, 90_000);
