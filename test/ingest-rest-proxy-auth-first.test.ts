/**
 * REST Proxy produce routes authenticate before routing (ingestenum): when every ingest connector
 * serving them requires authentication, a client without credentials got 404 for a topic no
 * connector names and 415 for a wrong Content-Type, so it could enumerate the open topics. Now it
 * gets 401 (40101, WWW-Authenticate) before either; an authenticated client keeps 404/415, and a
 * connector without authentication keeps today's answers for everyone. curl as the device, the
 * compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { exportSPKI, type GenerateKeyPairResult, generateKeyPair, SignJWT } from "jose";
import { type CurlResponse, curlPost } from "./support/curl.ts";
import { ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const V2 = "application/vnd.kafka.json.v2+json";

test("without credentials every REST Proxy request is 401 before its topic or Content-Type is looked at", async () => {
  await using dir = await tempDir("ingest-auth-first-");
  const [topic, other, openTopic] = [uniqueTopic("auth-first"), uniqueTopic("auth-first-b"), uniqueTopic("open")];
  await Promise.all([createTopic(topic), createTopic(other), createTopic(openTopic)]);
  const keys: GenerateKeyPairResult = await generateKeyPair("ES256", { extractable: true });
  await Bun.write(dir.file("issuer.pem"), await exportSPKI(keys.publicKey));
  const token = await new SignJWT({ sub: "sensor-1" })
    .setProtectedHeader({ alg: "ES256" })
    .setExpirationTime("5m")
    .sign(keys.privateKey);
  await using gw = (await startIngestGateway(dir)).gw;
  const ingest = await ingestUrlOf(gw);
  const jwt = (path: string, kafkaTopic: string) => ({
    "connector.class": "HttpIngestSource",
    "ingest.path": path,
    "kafka.topic": kafkaTopic,
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.public.key.location": dir.file("issuer.pem"),
    "ingest.auth.jwt.algorithms": "ES256",
  });
  expect((await gw.rest.put("/connectors/jwt-a/config", jwt("/ingest/a", topic))).status).toBe(201);
  expect((await gw.rest.put("/connectors/jwt-b/config", jwt("/ingest/b", other))).status).toBe(201);
  const authorized = { Authorization: `Bearer ${token}` };
  const body = '{"records":[{"value":{"n":1}}]}';
  const v2 = (t: string, type: string | null = V2, headers: Record<string, string> = {}, suffix = "") =>
    curlPost(`${ingest}/topics/${t}${suffix}`, body, type, headers);
  const v3 = (t: string, type = "application/json", headers: Record<string, string> = {}) =>
    curlPost(`${ingest}/v3/clusters/c1/topics/${t}/records`, '{"value":{"type":"JSON","data":1}}', type, headers);
  for (const name of ["a", "b"])
    await waitFor(async () => (await v2(name === "a" ? topic : other, V2, authorized)).status === 200, {
      what: `connector jwt-${name} serving`,
    });

  const unauthorized = (answer: CurlResponse) => ({
    status: answer.status,
    code: answer.json().error_code,
    challenge: answer.headers["www-authenticate"],
  });
  const refused = { status: 401, code: 40101, challenge: 'Bearer realm="ingest"' };
  // An unknown topic, a known one, a wrong Content-Type, a partition that is no int: all alike.
  expect(unauthorized(await v2(uniqueTopic("nobody")))).toEqual(refused);
  expect(unauthorized(await v2(topic))).toEqual(refused);
  expect(unauthorized(await v2(topic, "text/plain"))).toEqual(refused);
  expect(unauthorized(await v2(uniqueTopic("nobody"), "text/plain"))).toEqual(refused);
  expect(unauthorized(await v2(topic, V2, {}, "/partitions/x"))).toEqual(refused);
  expect(unauthorized(await v3(uniqueTopic("nobody")))).toEqual(refused);
  expect(unauthorized(await v3(topic, "text/plain"))).toEqual(refused);
  // A bad token is refused as such, before the topic too.
  const bad = await v2(uniqueTopic("nobody"), V2, { Authorization: "Bearer x.y.z" });
  expect(bad.status).toBe(401);
  expect(bad.headers["www-authenticate"]).toBe('Bearer realm="ingest", error="invalid_token"');

  // Authenticated: today's answers.
  const unknown = await v2(uniqueTopic("nobody"), V2, authorized);
  expect({ status: unknown.status, body: unknown.json() }).toEqual({
    status: 404,
    body: { error_code: 40401, message: "Topic not found." },
  });
  expect((await v2(topic, "text/plain", authorized)).status).toBe(415);
  expect((await v3(uniqueTopic("nobody"), "application/json", authorized)).status).toBe(404);
  expect((await v3(topic, "application/json", authorized)).status).toBe(200);

  // A connector admitting anonymous requests turns the gate off: unknown topics are 404 again.
  const open = { "connector.class": "HttpIngestSource", "ingest.path": "/ingest/open", "kafka.topic": openTopic };
  expect((await gw.rest.put("/connectors/open/config", open)).status).toBe(201);
  await waitFor(async () => (await v2(openTopic)).status === 200, { what: "the open connector serving" });
  expect((await v2(uniqueTopic("nobody"))).status).toBe(404);
  expect((await v2(topic)).status).toBe(401);
}, 90_000);
