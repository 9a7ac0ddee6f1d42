/**
 * Secrets and access on the real binary: config providers resolve `${env:…}` in the worker config
 * and `${secrets:…}` in connector configs; a planted secret never shows in logs, status traces or
 * REST responses. REST authentication: basic (credentials file hashed by `gateway hash-password`)
 * and bearer JWTs checked against a real JWKS server, with /health exempt.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { basicAuthWorker, gatewayCommand, startGateway } from "./support/gateway.ts";
import { kafkaBroker, saslWorker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PLANTED = "pl4nted-S3CRET-do-not-leak";

describe("config providers and secret hygiene", () => {
  test("resolved secrets reach the broker and connectors but never logs, traces or REST output", async () => {
    const kafka = await kafkaBroker();
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("leaky");
    await using dir = await tempDir();
    mkdirSync(dir.file("secrets/paths"), { recursive: true });
    // A connector value that resolves to a path containing the secret makes the task fail with it in its error.
    writeFileSync(dir.file("secrets/paths/out"), `/nonexistent-${PLANTED}/out.txt\n`);
    writeFileSync(dir.file("secrets/topic"), `${uniqueTopic("secret-topic")}\n`);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        // The broker password comes from the environment through EnvVarConfigProvider.
        ...saslWorker(kafka, "${env:GATEWAY_KAFKA_PASSWORD}"),
        "config.providers": "env,secrets",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "config.providers.env.param.allowlist.pattern": "GATEWAY_.*",
        "config.providers.secrets.class": "io.edgegateway.config.provider.SecretFilesConfigProvider",
        "config.providers.secrets.param.dir": dir.file("secrets"),
        "data.dir": dir.file("data"),
      },
      env: { GATEWAY_KAFKA_PASSWORD: "gateway-secret" },
    });
    expect((await gw.rest.get("/")).body.kafka_cluster_id).toBe(kafka.clusterId);

    const config = {
      "connector.class": "FileStreamSink",
      topics: "${secrets:topic}",
      file: "${secrets:paths/out}",
      "consumer.override.sasl.jaas.config":
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="gateway" password="${env:GATEWAY_KAFKA_PASSWORD}";',
      "errors.log.enable": "true",
    };
    const validated = await gw.rest.put("/connector-plugins/FileStreamSink/config/validate", {
      ...config,
      name,
    });
    expect(validated.body.error_count).toBe(0);
    expect(validated.text).toContain("${secrets:paths/out}");
    expect(validated.text).not.toContain(PLANTED);

    const created = await gw.rest.post("/connectors", { name, config });
    expect(created.status).toBe(201);
    expect(created.body.config.file).toBe("${secrets:paths/out}");
    const status = await waitFor(async () => {
      const s = await gw.rest.get(`/connectors/${name}/status`);
      return s.body.tasks?.[0]?.state === "FAILED" ? s : undefined;
    });
    // Every value a provider resolved is a secret, so the whole resolved path is hidden.
    expect(status.body.tasks[0].trace).toContain("Couldn't find or create file '[hidden]' for FileStreamSinkTask");
    const texts = [
      status.text,
      (await gw.rest.get(`/connectors/${name}/config`)).text,
      (await gw.rest.get(`/connectors/${name}`)).text,
      (await gw.rest.get(`/connectors/${name}/tasks`)).text,
      (await gw.rest.get("/connectors?expand=info&expand=status")).text,
      (await gw.rest.get(`/connectors/${name}/tasks/0/status`)).text,
      gw.output(),
    ];
    for (const text of texts) {
      expect(text).not.toContain(PLANTED);
      expect(text).not.toContain("gateway-secret");
    }
    expect((await gw.rest.get(`/connectors/${name}/tasks`)).body[0].config.file).toBe("${secrets:paths/out}");
  });
});

describe("provider references in framework keys", () => {
  test("tasks.max from a provider resolves at run time, survives a restart, and validation never shows the value", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("env-tasks");
    const options = {
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "config.providers": "env",
        "config.providers.env.class": "EnvVarConfigProvider",
      },
      env: { GATEWAY_TASKS: "2", GATEWAY_BATCH: "not-a-number-S3CRET" },
    };
    const config = {
      "connector.class": "FileStreamSink",
      topics: uniqueTopic("env-tasks"),
      file: dir.file("o.txt"),
      "tasks.max": "${env:GATEWAY_TASKS}",
    };
    {
      await using gw = await startGateway(options);
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
      await waitFor(async () => (await gw.rest.get(`/connectors/${name}/tasks`)).body.length === 2, {
        what: "2 tasks",
      });
      const invalid = await gw.rest.put("/connector-plugins/FileStreamSource/config/validate", {
        "connector.class": "FileStreamSource",
        name: "v",
        topic: "t",
        "batch.size": "${env:GATEWAY_BATCH}",
      });
      expect(invalid.body.error_count).toBe(1);
      expect(invalid.text).toContain("Invalid value [hidden] for configuration batch.size: Not a number of type INT");
      expect(invalid.text).not.toContain("S3CRET");
    }
    await using again = await startGateway(options);
    const status = await waitFor(async () => {
      const s = (await again.rest.get(`/connectors/${name}/status`)).body;
      return s.tasks?.length === 2 && s.tasks.every((t: { state: string }) => t.state === "RUNNING") ? s : undefined;
    });
    expect(status.connector.state).toBe("RUNNING");
  });
});

async function hashWithBinary(password: string): Promise<string> {
  const proc = Bun.spawn([...gatewayCommand(), "hash-password"], {
    stdin: new TextEncoder().encode(`${password}\n`),
    stdout: "pipe",
  });
  const hash = (await new Response(proc.stdout).text()).trim();
  expect(await proc.exited).toBe(0);
  return hash;
}

describe("REST authentication", () => {
  test("basic: 401 with Connect's error body and a challenge; hashed credentials pass; /health is exempt", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const hash = await hashWithBinary("op-password-1");
    expect(hash).toStartWith("$argon2id$");
    writeFileSync(dir.file("credentials"), `# operators\nops:${hash}\n`);
    await using gw = await startGateway({
      dir: dir.path,
      worker: { ...basicAuthWorker(kafka.bootstrap, dir), "admin.listeners": "http://127.0.0.1:0" },
    });
    const anonymous = await fetch(`${gw.url}/connectors`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toStartWith('Basic realm="Kafka Connect"');
    expect(await anonymous.json()).toEqual({ error_code: 401, message: "Missing credentials" });
    const wrong = await fetch(`${gw.url}/connectors`, { headers: { Authorization: `Basic ${btoa("ops:nope")}` } });
    expect(await wrong.json()).toEqual({ error_code: 401, message: "Invalid credentials" });
    const ok = await fetch(`${gw.url}/connectors`, {
      headers: { Authorization: `Basic ${btoa("ops:op-password-1")}` },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    const adminUrl = (await gw.waitForOutput(/Admin REST server listening at (http:\/\/\S+?)\//))[1]!;
    expect((await fetch(`${adminUrl}/admin/loggers`)).status).toBe(401);
    expect(
      (await fetch(`${adminUrl}/metrics`, { headers: { Authorization: `Basic ${btoa("ops:op-password-1")}` } })).status,
    ).toBe(200);
    expect(gw.output()).not.toContain("op-password-1");
  });

  test("bearer: JWTs verified against a JWKS URL (cached, refetched for an unknown kid)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const first = await generateKeyPair("ES256");
    const second = await generateKeyPair("ES256");
    const keys = [{ ...(await exportJWK(first.publicKey)), kid: "k1", alg: "ES256", use: "sig" }];
    let jwksRequests = 0;
    using jwks = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => {
        jwksRequests++;
        return Response.json({ keys });
      },
    });
    const issuer = "https://idp.example.test/";
    const sign = (key: CryptoKey, kid: string, claims: { exp?: string; aud?: string } = {}) =>
      new SignJWT({ scope: "connect" })
        .setProtectedHeader({ alg: "ES256", kid })
        .setSubject("operator-7")
        .setIssuer(issuer)
        .setAudience(claims.aud ?? "edge-gateway")
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? "5m")
        .sign(key);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "rest.authentication": "bearer",
        "rest.authentication.bearer.jwks.url": `http://127.0.0.1:${jwks.port}/jwks.json`,
        "rest.authentication.bearer.issuer": issuer,
        "rest.authentication.bearer.audience": "edge-gateway",
        // The least cooldown (0 is refused: every made-up kid fetched the JWKS).
        "rest.authentication.bearer.jwks.cooldown.ms": "1000",
      },
    });
    const call = (token: string) => fetch(`${gw.url}/connectors`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await call(await sign(first.privateKey, "k1"))).status).toBe(200);
    expect((await call(await sign(first.privateKey, "k1"))).status).toBe(200);
    expect(jwksRequests).toBe(1);
    const wrongAudience = await call(await sign(first.privateKey, "k1", { aud: "someone-else" }));
    expect(wrongAudience.status).toBe(401);
    expect(((await wrongAudience.json()) as { message: string }).message).toStartWith("Invalid token: ");
    const expired = await call(await sign(first.privateKey, "k1", { exp: "-10m" }));
    expect(expired.status).toBe(401);
    // Key rotation: a token with a new kid makes the gateway fetch the JWKS again.
    keys.push({ ...(await exportJWK(second.publicKey)), kid: "k2", alg: "ES256", use: "sig" });
    const rotated = await sign(second.privateKey, "k2");
    // Within the cooldown since the first fetch the new kid is not judged (503 with Retry-After);
    // the client retries as told, and the set fetched once the cooldown has passed has it.
    const verdict = await waitFor(
      async () => {
        const response = await call(rotated);
        if (response.status !== 503) return response.status;
        expect(response.headers.get("Retry-After")).toBe("1");
        return undefined;
      },
      { what: "an answer after a JWKS fetch" },
    );
    expect(verdict).toBe(200);
    expect(jwksRequests).toBe(2);
    expect(gw.output()).not.toContain(rotated);
  });
});
