/**
 * REST authentication hardening on the real binary (issue 13, point 4): weak password hashes stop
 * startup; failed logins are logged at WARN with the client address and repeated failures are
 * answered 429 with Retry-After; every attempt verifies against the same hash classes (its TRACE
 * line names them) whatever user it names and whatever algorithms the credentials file mixes; a JWT
 * issued in the future is refused; a key removed from the JWKS stops being accepted once the
 * lifetime the JWKS announced has passed; a plain http JWKS URL is refused at startup unless it is on
 * loopback (then a WARN).
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { basicAuthWorker, spawnGateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

describe("basic authentication", () => {
  // opswalk: the plaintext refusal pointed at Bun.password.hash, which an operator of the binary does not have.
  test.each([
    [
      "a weak hash",
      async () =>
        `ops:${await Bun.password.hash("pw", "argon2id")}\nci:${await Bun.password.hash("pw", { algorithm: "bcrypt", cost: 4 })}\n`,
      'the password hash of user "ci" is too weak: its bcrypt cost 4 is below 10 (make a new one with gateway hash-password)',
    ],
    [
      "a plaintext password",
      async () => "ops:op-password-1\n",
      'line 1: the password of user "ops" is not an argon2 or bcrypt hash; plaintext passwords are not accepted (make one with gateway hash-password)',
    ],
  ])(
    "%s in the credentials file stops startup, naming the key and the user, never the password",
    async (_, credentials, message) => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      writeFileSync(dir.file("credentials"), await credentials());
      const { proc, output, pumped } = spawnGateway({
        dir: dir.path,
        worker: basicAuthWorker(kafka.bootstrap, dir),
      });
      expect(await proc.exited).toBe(1);
      await pumped;
      expect(output()).toContain(
        `Invalid value ${dir.file("credentials")} for configuration rest.authentication.basic.credentials.file: ${message}`,
      );
      expect(output()).not.toContain("op-password-1");
    },
  );

  test("failed logins are WARN lines with the client address; repeated ones get 429 with Retry-After", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    // argon2id and bcrypt mixed: every attempt must verify against both classes, whoever it names.
    writeFileSync(
      dir.file("credentials"),
      `ops:${await Bun.password.hash("op-password-1", "argon2id")}\nci:${await Bun.password.hash("ci-password-1", "bcrypt")}\n`,
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "log.level": "TRACE",
        "rest.authentication": "basic",
        "rest.authentication.basic.credentials.file": dir.file("credentials"),
        "rest.authentication.failures.max": "4",
        "rest.authentication.failures.lockout.ms": "600000",
      },
    });
    const call = (authorization: string) =>
      fetch(`${gw.url}/connectors`, { headers: { Authorization: authorization } });
    expect((await call(basic("ops", "op-password-1"))).status).toBe(200);
    expect((await call(basic("ops", "zq8-guess-1"))).status).toBe(401);
    expect((await call(basic("ci", "zq8-guess-2"))).status).toBe(401);
    expect((await call(basic("mallory", "zq8-guess-3"))).status).toBe(401);
    expect((await call("Bearer not-a-token")).status).toBe(401);
    const blocked = await call(basic("ops", "op-password-1"));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(590);
    expect(await blocked.json()).toEqual({
      error_code: 429,
      message: "Too many failed authentication attempts; retry later",
    });
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    const out = gw.output();
    const where = "WARN Failed authentication for GET /connectors from 127.0.0.1";
    expect(out).toContain(`${where}: invalid credentials for user "ops"`);
    expect(out).toContain(`${where}: invalid credentials for user "ci"`);
    expect(out).toContain(`${where}: invalid credentials for an unknown user`);
    expect(out).toContain(`${where}: unsupported authentication scheme`);
    expect(out).toContain("WARN Blocking 127.0.0.1 for 600 s after repeated failed authentication attempts");
    // The same verifications for a known user, another algorithm's user and an unknown one.
    const verified: string[] = [...(out.match(/Verified a password against .*? \(io\.edgegateway/g) ?? [])];
    expect(verified).toEqual(
      Array(4).fill("Verified a password against 2 hash classes: argon2id$m=65536,t=2, bcrypt$10 (io.edgegateway"),
    );
    expect(out).not.toContain("mallory");
    expect(out).not.toContain("zq8-guess-");
  });
});

describe("bearer authentication", () => {
  test("a future iat is refused; a key removed from the JWKS stops being accepted within its announced lifetime", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const first = await generateKeyPair("ES256");
    const second = await generateKeyPair("ES256");
    let keys = [
      { ...(await exportJWK(first.publicKey)), kid: "k1", alg: "ES256", use: "sig" },
      { ...(await exportJWK(second.publicKey)), kid: "k2", alg: "ES256", use: "sig" },
    ];
    let jwksRequests = 0;
    using jwks = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => {
        jwksRequests++;
        return Response.json({ keys }, { headers: { "Cache-Control": "public, max-age=1" } });
      },
    });
    const sign = (key: CryptoKey, kid: string, iat?: number) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: "ES256", kid }).setSubject("operator-7");
      return (iat === undefined ? jwt.setIssuedAt() : jwt.setIssuedAt(iat)).setExpirationTime("10m").sign(key);
    };
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "rest.authentication": "bearer",
        "rest.authentication.bearer.jwks.url": `http://127.0.0.1:${jwks.port}/jwks.json`,
        "rest.authentication.bearer.jwks.cooldown.ms": "1000",
      },
    });
    const call = async (token: string) =>
      fetch(`${gw.url}/connectors`, { headers: { Authorization: `Bearer ${token}` } });
    const future = await call(await sign(first.privateKey, "k1", Math.floor(Date.now() / 1000) + 600));
    expect(future.status).toBe(401);
    expect(await future.json()).toEqual({
      error_code: 401,
      message: 'Invalid token: "iat" claim timestamp check failed (it should be in the past)',
    });
    const token = await sign(first.privateKey, "k1");
    expect((await call(token)).status).toBe(200);
    keys = keys.filter((k) => k.kid !== "k1");
    const before = jwksRequests;
    // max-age=1: within about a second the gateway refetches the JWKS and k1 is gone (the 1 s
    // cooldown, the least time between two fetches, is no longer than that lifetime).
    const refused = await waitFor(
      async () => {
        const r = await call(token);
        return r.status === 401 ? r : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: "k1 refused" },
    );
    expect(((await refused.json()) as { message: string }).message).toBe(
      "Invalid token: no applicable key found in the JSON Web Key Set",
    );
    expect(jwksRequests).toBeGreaterThan(before);
    expect((await call(await sign(second.privateKey, "k2"))).status).toBe(200);
    expect(gw.output()).toContain(
      "WARN rest.authentication.bearer.jwks.url is plain http (loopback only): use https unless the key set is served on this host",
    );
  });

  test("a plain http JWKS URL on another host stops startup naming the key, as ingest.auth.jwt.jwks.url (explore4 J2)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const { proc, output, pumped } = spawnGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "rest.authentication": "bearer",
        "rest.authentication.bearer.jwks.url": "http://192.0.2.1/jwks",
        "rest.authentication.bearer.audience": "edge-gateway",
      },
    });
    expect(await proc.exited).toBe(1);
    await pumped;
    expect(output()).toContain(
      "Invalid value http://192.0.2.1/jwks for configuration rest.authentication.bearer.jwks.url: a plain http:// JWKS URL lets anyone on the network path replace the keys and forge tokens; use https:// (http is accepted only for a loopback address)",
    );
    expect(output()).not.toContain("REST server listening");
  });
});
