/**
 * Issue 12, point 7 (security part): the gateway (compiled binary when GATEWAY_BIN is set) with an
 * https ingest listener, the real broker, a device PKI made with openssl, a local JWKS server and
 * curl as the device: mTLS accepted / wrong CA / expired / no cert, JWT valid / expired / wrong
 * audience / alg none / unknown kid then rotated JWKS, ACL allow and deny, quota 429 then recovery,
 * and the identity header on the records in Kafka.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect as tlsConnect } from "node:tls";
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { fastHash } from "../src/rest/auth/test-support.ts";
import { type DeviceCert, type DevicePki, makeDevicePki } from "./support/device-pki.ts";
import { readTopic, uniqueTopic } from "./support/kafka.ts";
import { parsePrometheus } from "./support/prometheus-text.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

let pki: DevicePki;
let jwks: ReturnType<typeof Bun.serve>;
let jwksKeys: JWK[] = [];
let k1: KeyPair;
let k2: KeyPair;
const certs: Record<string, DeviceCert> = {};
const topic = uniqueTopic("ingest-sec");
const quotaTopic = uniqueTopic("ingest-quota");

interface CurlResult {
  readonly exit: number;
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

async function curl(path: string, options: { cert?: DeviceCert; headers?: string[]; body?: string } = {}) {
  const args = ["curl", "-sS", "--max-time", "20", "--cacert", pki.caCert, "-D", "-", "-X", "POST"];
  if (options.cert) args.push("--cert", options.cert.cert, "--key", options.cert.key);
  for (const h of options.headers ?? []) args.push("-H", h);
  args.push("-H", "Content-Type: application/json", "--data-binary", options.body ?? '{"reading":1}');
  const proc = Bun.spawn([...args, `${suite.ingest}${path}`], { stdout: "pipe", stderr: "pipe" });
  const [exit, raw] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  // Interim "100 Continue" answers (curl sends Expect for large bodies) precede the response.
  const out = raw.replace(/^(HTTP\/[\d.]+ 100[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)+/, "");
  const split = out.indexOf("\r\n\r\n");
  const headers = split >= 0 ? out.slice(0, split) : out;
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1] ?? 0);
  return { exit, status, headers, body: split >= 0 ? out.slice(split + 4) : "" } satisfies CurlResult;
}

async function token(pair: KeyPair, kid: string, claims: Record<string, unknown> = {}, exp: string | number = "5m") {
  return new SignJWT({ iss: "https://idp.test", aud: "ingest", sub: "sensor-1", fleet: "north", ...claims })
    .setProtectedHeader({ alg: "RS256", kid })
    .setExpirationTime(exp)
    .sign(pair.privateKey);
}

const suite = suiteGateway(async (dir) => {
  pki = await makeDevicePki(dir.path);
  certs.device = await pki.issue("device", "device-1");
  certs.intruder = await pki.issue("intruder", "intruder-1");
  certs.wrongCa = await pki.issue("wrong-ca", "device-2", { otherCa: true });
  certs.expired = await pki.issue("expired", "device-3", { startDate: "20200101000000Z", endDate: "20200102000000Z" });
  return {
    "ingest.listeners": "https://127.0.0.1:0",
    "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
    "ingest.listeners.https.ssl.truststore.location": pki.caCert,
    "ingest.listeners.https.ssl.client.auth": "requested",
    "ingest.listeners.https.ssl.crl.location": pki.crl,
    "ingest.listeners.https.request.headers.timeout.ms": "2000",
  };
});

beforeAll(async () => {
  k1 = await generateKeyPair("RS256", { extractable: true });
  k2 = await generateKeyPair("RS256", { extractable: true });
  jwksKeys = [{ ...(await exportJWK(k1.publicKey)), kid: "k1", alg: "RS256" }];
  jwks = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => Response.json({ keys: jwksKeys }, { headers: { "Cache-Control": "max-age=600" } }),
  });

  const hash = await fastHash.bcrypt("meter-pass-1");
  await Bun.write(suite.dir.file("devices.creds"), `meter-1:${hash}\n`);

  const secureConfig = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/secure",
    "kafka.topic": topic,
    "ingest.auth.methods": "mtls,jwt",
    "ingest.auth.jwt.jwks.url": `http://127.0.0.1:${jwks.port}/jwks`,
    "ingest.auth.jwt.issuer": "https://idp.test",
    "ingest.auth.jwt.audience": "ingest",
    // The least cooldown (0 is refused: every made-up kid fetched the JWKS).
    "ingest.auth.jwt.jwks.cooldown.ms": "1000",
    "ingest.acl.allow": "mtls:device-*,jwt:sensor-*",
    "ingest.acl.topic.rules": `${topic}:claim.fleet=north,${topic}:source=mtls`,
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
  };
  const created = await suite.gw.rest.post("/connectors", { name: "secure-ingest", config: secureConfig });
  expect(created.status).toBe(201);
  // Leftovers 13: with mtls and jwt a bare principal would match a token's sub and a certificate's
  // CN alike; creating such a connector is refused on its ACL key (a stored one only WARNs).
  const ambiguous = await suite.gw.rest.post("/connectors", {
    name: "ambiguous-ingest",
    config: { ...secureConfig, "ingest.path": "/ingest/ambiguous", "ingest.acl.allow": "device-*,jwt:sensor-*" },
  });
  expect({ status: ambiguous.status, message: ambiguous.body.message }).toEqual({
    status: 400,
    message: expect.stringContaining("device-* would match that name as a certificate identity, a token subject"),
  });
  const quota = await suite.gw.rest.post("/connectors", {
    name: "quota-ingest",
    config: {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/quota",
      "kafka.topic": quotaTopic,
      "ingest.auth.methods": "basic",
      "ingest.auth.basic.credentials.file": suite.dir.file("devices.creds"),
      "ingest.quota.requests.per.second": "1",
      "ingest.quota.requests.burst": "2",
    },
  });
  expect(quota.status).toBe(201);
  for (const path of ["/ingest/secure", "/ingest/quota"]) {
    await waitFor(async () => (await curl(path, { cert: certs.device })).status !== 503 || undefined, {
      what: `route ${path} with a running task`,
    });
  }
}, 120_000);

afterAll(async () => {
  await jwks?.stop(true);
});

describe("ingest security on the whole gateway", () => {
  describe("mTLS", () => {
    test("a device certificate of the device CA is accepted and its CN is the record's identity header", async () => {
      const result = await curl("/ingest/secure", { cert: certs.device, body: '{"mtls":true}' });
      expect(result.status).toBe(200);
      const records = await readTopic(topic, 2);
      const mine = records.find((r) => r.value?.toString() === '{"mtls":true}');
      // mtls and jwt: the name is qualified with the method (a token sub could equal a CN).
      expect(mine?.headers["ingest.identity"]?.toString()).toBe("mtls:device-1");
    });

    test("a certificate of another CA fails the TLS handshake", async () => {
      const result = await curl("/ingest/secure", { cert: certs.wrongCa });
      expect(result.exit).not.toBe(0);
      expect(result.status).toBe(0);
    });

    // Found by the authp session: the listener (client.auth=requested) dropped the connection unanswered.
    test("an expired certificate is answered 401 naming the problem (curl and fetch)", async () => {
      const result = await curl("/ingest/secure", { cert: certs.expired, body: '{"expired":true}' });
      expect(result.status).toBe(401);
      expect(JSON.parse(result.body)).toEqual({ error_code: 40101, message: "The client certificate has expired" });
      const response = await fetch(`${suite.ingest}/ingest/secure`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"expired":true}',
        tls: {
          ca: Bun.file(pki.caCert),
          cert: Bun.file(certs.expired!.cert),
          key: Bun.file(certs.expired!.key),
        },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error_code: 40101, message: "The client certificate has expired" });
      const check = await curl("/ingest/secure", { cert: certs.device, body: '{"after-expired":true}' });
      expect(check.status).toBe(200);
    });

    // explore25 F6: an expired certificate answered 401 (client.auth=requested) was counted as a refused handshake.
    test("refused handshakes are counted by reason on /metrics; one answered 401 is none", async () => {
      expect((await curl("/ingest/secure", { cert: certs.expired })).status).toBe(401);
      expect((await curl("/ingest/secure", { cert: certs.wrongCa })).status).toBe(0);
      const metrics = await (await fetch(`${suite.gw.url}/metrics`)).text();
      expect(metrics).toMatch(
        /ingest_tls_handshake_failures_total\{listener="https:[^"]+",reason="UNABLE_TO_VERIFY_LEAF_SIGNATURE"\} [1-9]/,
      );
      expect(metrics).not.toContain('reason="CERT_HAS_EXPIRED"');
    });

    // opsfix2 item 6: the CRL was visible only once expired (a WARN); a gauge lets operators alert before.
    test("the CRL's next update is a gauge on /metrics, in seconds since the epoch", async () => {
      const openssl = Bun.spawn(["openssl", "crl", "-in", pki.crl, "-noout", "-nextupdate"], { stdout: "pipe" });
      const next = new Date((await new Response(openssl.stdout).text()).replace("nextUpdate=", "").trim());
      const families = parsePrometheus(await (await fetch(`${suite.gw.url}/metrics`)).text());
      const name = "ingest_tls_crl_next_update_timestamp_seconds";
      expect({ ...families.get(name)!, help: "" }).toEqual({
        name,
        help: "",
        type: "gauge",
        samples: [{ name, labels: { listener: suite.ingest }, value: next.getTime() / 1000 }],
      });
    });

    test("no certificate and no token is 401 with a Bearer challenge in REST Proxy's shape", async () => {
      const result = await curl("/ingest/secure");
      expect(result.status).toBe(401);
      expect(result.headers).toMatch(/www-authenticate: Bearer realm="ingest"/i);
      expect(JSON.parse(result.body)).toEqual({
        error_code: 40101,
        message: "Authentication required: send a bearer token or a client certificate",
      });
    });
  });

  describe("the https listener's request path", () => {
    test("a body over ingest.max.body.bytes is 413 in REST Proxy's shape, like on plain HTTP", async () => {
      await Bun.write(suite.dir.file("big.json"), `"${"x".repeat(1_100_000)}"`);
      const result = await curl("/ingest/secure", { cert: certs.device, body: `@${suite.dir.file("big.json")}` });
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body).error_code).toBe(413);
    });
  });

  describe("JWT", () => {
    test("a valid token is accepted", async () => {
      const result = await curl("/ingest/secure", { headers: [`Authorization: Bearer ${await token(k1, "k1")}`] });
      expect(result.status).toBe(200);
    });

    test.each([
      ["expired", async () => token(k1, "k1", {}, Math.floor(Date.now() / 1000) - 3600), /"exp" claim/],
      ["for another audience", async () => token(k1, "k1", { aud: "billing" }), /"aud" claim/],
      [
        "alg none",
        async () =>
          new UnsecuredJWT({ sub: "sensor-1", aud: "ingest", iss: "https://idp.test" })
            .setExpirationTime("5m")
            .encode(),
        /alg/,
      ],
    ])("a token %s is 401 invalid_token", async (_what, make, reason) => {
      const result = await curl("/ingest/secure", { headers: [`Authorization: Bearer ${await make()}`] });
      expect(result.status).toBe(401);
      expect(result.headers).toMatch(/error="invalid_token"/);
      expect(JSON.parse(result.body).message).toMatch(reason);
    });

    test("a token with an unknown kid is accepted once the JWKS has rotated to include it", async () => {
      const rotated = await token(k2, "k2");
      // Within the cooldown since the last fetch the kid is not judged (503 with Retry-After); the
      // device retries as told, and the answer after a fetch is the verdict.
      const verdict = () =>
        waitFor(
          async () => {
            const result = await curl("/ingest/secure", { headers: [`Authorization: Bearer ${rotated}`] });
            if (result.status !== 503) return result.status;
            expect(result.headers).toMatch(/\r\nretry-after: 1\r\n/i);
            return undefined;
          },
          { what: "an answer after a JWKS fetch" },
        );
      expect(await verdict()).toBe(401);
      jwksKeys = [...jwksKeys, { ...(await exportJWK(k2.publicKey)), kid: "k2", alg: "RS256" }];
      expect(await verdict()).toBe(200);
    });
  });

  describe("ACL", () => {
    test("a trusted certificate whose CN the ACL does not allow is 403", async () => {
      const result = await curl("/ingest/secure", { cert: certs.intruder });
      expect(result.status).toBe(403);
      expect(JSON.parse(result.body)).toEqual({
        error_code: 40301,
        message: "Principal mtls:intruder-1 is not allowed to write to route /ingest/secure",
      });
    });

    test("a token whose subject the ACL does not allow is 403", async () => {
      const result = await curl("/ingest/secure", {
        headers: [`Authorization: Bearer ${await token(k1, "k1", { sub: "printer-9" })}`],
      });
      expect(result.status).toBe(403);
    });
  });

  describe("connection bounds of the https listener (P2.5)", () => {
    test("a request whose headers never end is closed by the worker's ingest.listeners.https.request.headers.timeout.ms", async () => {
      const { port } = new URL(suite.ingest);
      const socket = tlsConnect({ host: "127.0.0.1", port: Number(port), rejectUnauthorized: false });
      socket.on("error", () => {});
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.once("secureConnect", () => socket.write("POST /ingest/secure HTTP/1.1\r\nHost: h\r\nX-Slow: "));
      await closed;
      expect(socket.destroyed).toBe(true);
      const metrics = await (await fetch(`${suite.gw.url}/metrics`)).text();
      expect(metrics).toMatch(/ingest_tls_connections_closed_total\{listener="https:[^"]+",reason="headers"\} [1-9]/);
    });
  });

  describe("ACL on REST Proxy topics", () => {
    async function v2(token: string) {
      const proc = Bun.spawn(
        [
          "curl",
          "-sS",
          "--cacert",
          pki.caCert,
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "-H",
          `Authorization: Bearer ${token}`,
          "-H",
          "Content-Type: application/vnd.kafka.json.v2+json",
          "--data-binary",
          '{"records":[{"value":{"via":"v2"}}]}',
          `${suite.ingest}/topics/${topic}`,
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      return Number(await new Response(proc.stdout).text());
    }

    test("a topic rule on a claim decides who may produce to the topic through /topics/{topic}", async () => {
      expect(await v2(await token(k1, "k1", { fleet: "north" }))).toBe(200);
      expect(await v2(await token(k1, "k1", { fleet: "south" }))).toBe(403);
    });

    test("the same topic rule decides on the connector's own path, which writes to kafka.topic (P2.7)", async () => {
      const south = await curl("/ingest/secure", {
        headers: [`Authorization: Bearer ${await token(k1, "k1", { fleet: "south" })}`],
      });
      expect(south.status).toBe(403);
      const north = await curl("/ingest/secure", {
        headers: [`Authorization: Bearer ${await token(k1, "k1", { fleet: "north" })}`],
      });
      expect(north.status).toBe(200);
    });
  });

  describe("quotas", () => {
    test("over the per-identity rate is 429 with Retry-After, and requests pass again after it", async () => {
      const auth = `Authorization: Basic ${btoa("meter-1:meter-pass-1")}`;
      const statuses: number[] = [];
      let limited: CurlResult | undefined;
      for (let i = 0; i < 6 && !limited; i++) {
        const r = await curl("/ingest/quota", { headers: [auth] });
        statuses.push(r.status);
        if (r.status === 429) limited = r;
      }
      expect(statuses[0]).toBe(200);
      expect(limited?.status).toBe(429);
      expect(limited?.headers).toMatch(/retry-after: 1\r?$/im);
      expect(JSON.parse(limited!.body).error_code).toBe(42901);
      await waitFor(async () => (await curl("/ingest/quota", { headers: [auth] })).status === 200, {
        what: "the quota to refill",
      });
      const metrics = await (await fetch(`${suite.gw.url}/metrics`)).text();
      expect(metrics).toMatch(/ingest_identity_throttled_total\{connector="quota-ingest",principal="meter-1"\} [1-9]/);
    });
  });
});
