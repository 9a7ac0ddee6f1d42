/**
 * REST Proxy routes authenticate before routing (rest-proxy-gate.ts); review78 found two defects:
 * - a request the topic's own connector refused but another connector admitted was authenticated
 *   again by the topic's connector in the pipeline: a second password verify, its failure counted
 *   twice towards ingest.auth.basic.failures.max (a device locked out after half its attempts);
 * - the 401 for a request no connector admits named the topic's own connector's method first
 *   (message and challenge order), so a client without credentials could still tell a served
 *   topic from an unknown one when the connectors' methods differ.
 * curl as the device, the compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { exportSPKI, generateKeyPair } from "jose";
import { fastHash } from "../src/rest/auth/test-support.ts";
import { type CurlResponse, curlPost } from "./support/curl.ts";
import { ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const V2 = "application/vnd.kafka.json.v2+json";
const BODY = '{"records":[{"value":{"n":1}}]}';
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

test("a request refused by its topic's connector is not authenticated again; 401s do not depend on the topic", async () => {
  await using dir = await tempDir("ingest-auth-once-");
  const [jwtTopic, topicA, topicB] = [uniqueTopic("once-j"), uniqueTopic("once-a"), uniqueTopic("once-b")];
  await Promise.all([createTopic(jwtTopic), createTopic(topicA), createTopic(topicB)]);
  await Bun.write(dir.file("a.creds"), `meter-a:${await fastHash.bcrypt("pass-a")}\n`);
  await Bun.write(dir.file("b.creds"), `meter-b:${await fastHash.bcrypt("pass-b")}\n`);
  const keys = await generateKeyPair("ES256", { extractable: true });
  await Bun.write(dir.file("issuer.pem"), await exportSPKI(keys.publicKey));
  await using gw = (await startIngestGateway(dir)).gw;
  const ingest = await ingestUrlOf(gw);
  const v2 = (topic: string, headers: Record<string, string> = {}) =>
    curlPost(`${ingest}/topics/${topic}`, BODY, V2, headers);
  // Created first: the first route of the gate.
  const jwt = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/j",
    "kafka.topic": jwtTopic,
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.public.key.location": dir.file("issuer.pem"),
    "ingest.auth.jwt.algorithms": "ES256",
  };
  const basicConnector = (name: string, topic: string) => ({
    "connector.class": "HttpIngestSource",
    "ingest.path": `/ingest/${name}`,
    "kafka.topic": topic,
    "ingest.auth.methods": "basic",
    "ingest.auth.basic.credentials.file": dir.file(`${name}.creds`),
    "ingest.auth.basic.failures.max": "2",
    "ingest.auth.basic.failures.global.per.second": "0",
  });
  expect((await gw.rest.put("/connectors/once-j/config", jwt)).status).toBe(201);
  expect((await gw.rest.put("/connectors/once-a/config", basicConnector("a", topicA))).status).toBe(201);
  expect((await gw.rest.put("/connectors/once-b/config", basicConnector("b", topicB))).status).toBe(201);
  // B serving (its pair is then cached by B alone; A has verified nothing yet).
  await waitFor(async () => (await v2(topicB, basic("meter-b", "pass-b"))).status === 200, { what: "once-b serving" });
  await waitFor(async () => (await v2(topicA)).status === 401 && (await v2(jwtTopic)).status === 401, {
    what: "every connector serving",
  });

  // Without credentials: the same 401 for a served topic as for an unknown one.
  const refusal = (answer: CurlResponse) => ({
    status: answer.status,
    body: answer.json(),
    challenge: answer.headers["www-authenticate"],
  });
  const unknown = refusal(await v2(uniqueTopic("nobody")));
  expect(unknown.status).toBe(401);
  expect(refusal(await v2(topicB))).toEqual(unknown);
  expect(refusal(await v2(topicA))).toEqual(unknown);
  expect(refusal(await v2(jwtTopic))).toEqual(unknown);

  // B's device writing to A's topic: refused by A (one failure of this address), admitted by B.
  const crossed = await v2(topicA, basic("meter-b", "pass-b"));
  expect(crossed.status).toBe(401);
  expect(crossed.json().message).toBe("Invalid credentials");
  // One failure, not two: A's own device still gets through (failures.max=2).
  const own = await v2(topicA, basic("meter-a", "pass-a"));
  expect({ status: own.status, body: own.json() }).toMatchObject({ status: 200 });
}, 90_000);
