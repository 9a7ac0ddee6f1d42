import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { getCACertificates } from "node:tls";
import { SignJWT } from "jose";
import { caDate, issueCert } from "../../../test/support/cert-authority.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import {
  makeCaSignedCert,
  makeCertOfKeyType,
  makeRsaCert,
  makeTls,
  pkcs8Der,
  TEST_CA,
  type TlsFiles,
} from "../../../test/support/tls.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { DAY_MS } from "../../tls/certificate-validity.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { httpSinkConfig } from "./config.ts";
import { sinkSettings } from "./settings.ts";
import { endpoint, harness, record, validationErrors } from "./test-support.ts";

const fast = {
  "sink.retry.backoff.initial.ms": "1",
  "sink.retry.backoff.max.ms": "5",
  "sink.flush-buffer.timeout": "0",
};

let dir: TempDir;
let tls: TlsFiles;
let selfSignedCert: string;
let selfSignedKey: string;
let clientKeyDer: string;

beforeAll(async () => {
  dir = await tempDir("http-sink-tls-");
  tls = await makeTls(dir.path);
  await makeRsaCert(dir.path, "self", "127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
  selfSignedCert = dir.file("self.pem");
  selfSignedKey = dir.file("self.key");
  clientKeyDer = await pkcs8Der(dir.path, tls.clientKey, "client-key.der");
  // Signed by the trusted CA, but for another host than the endpoint's 127.0.0.1.
  await makeCaSignedCert(dir.path, "other", "other.example", "DNS:other.example");
});

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const file = (path: string) => Bun.file(path);

describe("HttpSinkTask over TLS", () => {
  test("trusts a self-signed endpoint certificate given in security.cert.server", async () => {
    await using server = endpoint({ cert: file(selfSignedCert), key: file(selfSignedKey) });
    await using h = harness({ url: server.url(), ...fast, "security.cert.server": selfSignedCert });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
  });

  test("trusts a CA-signed endpoint certificate through its CA, among several files", async () => {
    await using server = endpoint({ cert: file(tls.serverCert), key: file(tls.serverKey) });
    await using h = harness({
      url: server.url(),
      ...fast,
      "flink.connector.http.security.cert.server": `${selfSignedCert},${tls.caCert}`,
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
  });

  test("without trust the TLS failure fails the task, not delivered", async () => {
    await using server = endpoint({ cert: file(selfSignedCert), key: file(selfSignedKey) });
    await using h = harness({ url: server.url(), ...fast, "sink.retry.max-attempts": "1" });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.raised.length === 1);
    expect(server.received).toEqual([]);
    expect(h.raised[0]!.message).toContain("(tls)");
  });

  test("a trusted CA's certificate for another host name is refused; the error says so without the URL's query secrets", async () => {
    await using server = endpoint({ cert: file(dir.file("other.pem")), key: file(dir.file("other.key")) });
    await using h = harness({
      url: server.url("/ingest?api_key=s3cr3t-value"),
      ...fast,
      "sink.retry.max-attempts": "1",
      "security.cert.server": tls.caCert,
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.raised.length === 1);
    expect(server.received).toEqual([]);
    const error = h.raised[0]!;
    expect(error.message).toEndWith(
      `(tls): the certificate of ${new URL(server.url()).host} is not for 127.0.0.1 (hostname verification)`,
    );
    expect(error.message).toContain("api_key=***");
    for (const text of [error.message, Bun.inspect(error), ...h.lines]) expect(text).not.toContain("s3cr3t");
  });

  test("allowSelfSigned accepts any certificate and warns at start", async () => {
    await using server = endpoint({ cert: file(selfSignedCert), key: file(selfSignedKey) });
    await using h = harness({ url: server.url(), ...fast, "security.cert.server.allowSelfSigned": "true" });
    expect(h.lines.filter((l) => l.includes("WARN") && l.includes("NOT verified"))).toHaveLength(1);
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
  });

  /** A started task on a manual clock whose client certificate `cn` ends 10 days from now. */
  async function taskWithClientCertEndingIn10Days(cn: string) {
    const start = Date.now();
    const clock = new ManualClock(start);
    const cert = await issueCert(dir.path, TEST_CA, cn, cn, {
      startDate: caDate(start - DAY_MS),
      endDate: caDate(start + 10 * DAY_MS),
    });
    const h = harness(
      { url: "https://127.0.0.1:1/", ...fast, "security.cert.client": cert.cert, "security.key.client": cert.key },
      { clock },
    );
    return { clock, h };
  }

  // smallfix3: the client certificate's expiry was WARNed at task start only; a task running into
  // the certificate's last 7 days or past its end said nothing until requests failed.
  test("a running task WARNs when its client certificate enters its last 7 days and when it expires, and no more once stopped", async () => {
    const { clock, h } = await taskWithClientCertEndingIn10Days("soon-client");
    const warnings = () => h.lines.filter((l) => l.includes("WARN") && l.includes("security.cert.client: "));
    expect(warnings()).toEqual([]);
    clock.advance(3 * DAY_MS + 60_000);
    await waitFor(() => warnings().length === 1 || undefined, { what: "the WARN of the last 7 days" });
    expect(warnings()[0]).toContain("the key store's certificate CN=soon-client expires on ");
    clock.advance(7 * DAY_MS);
    await waitFor(() => warnings().length === 2 || undefined, { what: "the WARN of the expiry" });
    expect(warnings()[1]).toContain("the key store's certificate CN=soon-client expired on ");
    await h[Symbol.asyncDispose]();
  });

  test("a stopped task's client certificate timer is cleared: no WARN when the certificate's last 7 days come", async () => {
    const { clock, h } = await taskWithClientCertEndingIn10Days("later-client");
    const armed = clock.pending;
    expect(armed).toBeGreaterThan(0);
    await h[Symbol.asyncDispose]();
    expect(clock.pending).toBe(armed - 1);
    clock.advance(11 * DAY_MS);
    expect(h.lines.filter((l) => l.includes("security.cert.client: "))).toEqual([]);
  });

  // explore29 F6a: the WARN named the key unprefixed, though it was written with its prefix.
  test("allowSelfSigned written with its flink.connector.http. prefix: the WARN names the key as written", async () => {
    await using server = endpoint({ cert: file(selfSignedCert), key: file(selfSignedKey) });
    const key = "flink.connector.http.security.cert.server.allowSelfSigned";
    await using h = harness({ url: server.url(), ...fast, [key]: "true" });
    expect(h.lines.filter((l) => l.includes("WARN") && l.includes("NOT verified"))).toEqual([
      expect.stringContaining(
        `security.cert.server.allowSelfSigned is true (set as ${key}): the endpoint's certificate is NOT verified (any certificate is accepted)`,
      ),
    ]);
  });

  test.each([
    ["PEM", () => tls.clientKey],
    ["DER", () => clientKeyDer],
  ])("mTLS with a PKCS8 %s client key against an endpoint requiring a client certificate", async (_kind, key) => {
    await using server = endpoint({
      cert: file(tls.serverCert),
      key: file(tls.serverKey),
      ca: file(tls.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    await using h = harness({
      url: server.url(),
      ...fast,
      "security.cert.server": tls.caCert,
      "security.cert.client": tls.clientCert,
      "security.key.client": key(),
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
  });

  test("the mTLS endpoint refuses a client without certificate", async () => {
    await using server = endpoint({
      cert: file(tls.serverCert),
      key: file(tls.serverKey),
      ca: file(tls.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    await using h = harness({
      url: server.url(),
      ...fast,
      "security.cert.server": tls.caCert,
      "sink.retry.max-attempts": "1",
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.raised.length === 1);
    expect(server.received).toEqual([]);
  });

  test("bad files fail validation on the key at fault", () => {
    const results = httpSinkConfig.validate({
      url: "https://127.0.0.1/x",
      "security.cert.server": `${tls.caCert},${dir.file("missing.pem")}`,
      "security.cert.client": tls.clientKey,
      "security.key.client": tls.clientCert,
    });
    const errors = Object.fromEntries(
      [...results].filter(([, r]) => r.errors.length > 0).map(([k, r]) => [k, r.errors]),
    );
    expect(Object.keys(errors).sort()).toEqual(["security.cert.client", "security.cert.server", "security.key.client"]);
    expect(errors["security.cert.server"]![0]).toContain("cannot read");
    expect(errors["security.cert.client"]![0]).toContain("holds no readable X.509 certificate");
    expect(errors["security.key.client"]![0]).toContain("holds no readable unencrypted PKCS8 private key");
  });

  test("a client key that is not the client certificate's is refused on security.key.client, at validation and start", () => {
    // Bun cannot open a TLS socket with such a pair: every request failed with "FailedToOpenSocket: Was
    // there a typo in the url or port?", retried as a connect error, whatever the endpoint.
    const config = {
      url: "https://127.0.0.1/x",
      "security.cert.server": tls.caCert,
      "security.cert.client": tls.clientCert,
      "security.key.client": selfSignedKey,
    };
    const message = `${selfSignedKey} is not the private key of the first certificate in ${tls.clientCert}`;
    expect(validationErrors(config)).toEqual([["security.key.client", [message]]]);
    expect(() => sinkSettings(config)).toThrow(message);
    // The matching key (also as DER) passes.
    for (const key of [tls.clientKey, clientKeyDer]) {
      expect(validationErrors({ ...config, "security.key.client": key })).toEqual([]);
    }
  });

  // testdup: such a key (Flink's http.client.key) was refused as "no readable unencrypted PKCS8 private
  // key": it is PKCS8, but Bun's TLS cannot use it (src/http/tls-material.test.ts).
  test.each([
    ["RSA-PSS", "RSA-PSS"],
    ["ED448", "Ed448"],
  ])(
    "an %s client key is refused on security.key.client naming its type, at validation and start",
    async (algorithm, type) => {
      const name = `${algorithm.toLowerCase()}-own`;
      await makeCertOfKeyType(dir.path, name, name, algorithm);
      const config = {
        url: "https://127.0.0.1/x",
        "security.cert.client": dir.file(`${name}.pem`),
        "security.key.client": dir.file(`${name}.key`),
      };
      const key = dir.file(`${name}.key`);
      const message = `${key} is of key type ${type}, which this gateway's TLS stack does not support (RSA, Ed25519 and EC keys on P-256, P-384 and P-521 are)`;
      expect(validationErrors(config)).toEqual([
        ["security.key.client", [`Invalid value ${key} for configuration security.key.client: ${message}`]],
      ]);
      expect(() => sinkSettings(config)).toThrow(message);
    },
  );

  test("a client certificate chain must start with the key's certificate, as Bun uses its first one", async () => {
    const read = (path: string) => readFileSync(path, "utf8");
    await Bun.write(dir.file("chain.pem"), `${read(tls.clientCert)}${read(tls.caCert)}`);
    await Bun.write(dir.file("reversed.pem"), `${read(tls.caCert)}${read(tls.clientCert)}`);
    const config = { url: "https://127.0.0.1/x", "security.key.client": tls.clientKey };
    expect(validationErrors({ ...config, "security.cert.client": dir.file("chain.pem") })).toEqual([]);
    expect(validationErrors({ ...config, "security.cert.client": dir.file("reversed.pem") })).toEqual([
      [
        "security.key.client",
        [`${tls.clientKey} is not the private key of the first certificate in ${dir.file("reversed.pem")}`],
      ],
    ]);
  });
});

describe("HttpSinkTask authentication", () => {
  test.each([
    ["user:secret", "false", `Basic ${btoa("user:secret")}`],
    ["Basic dXNlcjpzZWNyZXQ=", "false", "Basic dXNlcjpzZWNyZXQ="],
    ["Token abc", "true", "Token abc"],
  ])("Authorization %p (raw %p) is sent as %p", async (value, raw, expected) => {
    await using server = endpoint();
    await using h = harness({
      url: server.url(),
      ...fast,
      "flink.connector.http.sink.header.Authorization": value,
      "flink.connector.http.source.lookup.use-raw-authorization-header": raw,
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 1);
    expect(server.received[0]!.headers.authorization).toBe(expected);
  });

  // explore F10: a bearer token moved into a static header got 401s with nothing in the log saying why.
  // The WARN names the key as the user wrote it, an alias prefix included (opsfix2 item 2).
  test.each([
    ["sink.header.Authorization", "Bearer SINKSECRET", "false", true],
    ["sink.header.Authorization", "bearer SINKSECRET", "false", true],
    ["sink.header.Authorization", "Token SINKSECRET", "false", true],
    ["sink.header.Authorization", "Bearer SINKSECRET", "true", false],
    ["sink.header.Authorization", "user:SINKSECRET", "false", false],
    ["sink.header.Authorization", "Basic dXNlcjpTSU5LU0VDUkVU", "false", false],
    ["http.sink.header.Authorization", "Bearer SINKSECRET", "false", true],
    ["flink.connector.http.sink.header.authorization", "Bearer SINKSECRET", "false", true],
  ])("%s %p (raw %p): a WARN at start naming that key is %p, never the value", async (key, value, raw, warned) => {
    await using h = harness({
      url: "http://127.0.0.1:1/ingest",
      ...fast,
      [key]: value,
      "use-raw-authorization-header": raw,
    });
    const warnings = h.lines.filter((l) => l.includes("WARN") && l.includes("is sent as Basic credentials"));
    expect(warnings.length).toBe(warned ? 1 : 0);
    if (warned) {
      expect(warnings[0]).toContain(` ${key} is sent as Basic credentials`);
      expect(warnings[0]).toContain("use-raw-authorization-header=true");
    }
    expect(h.lines.join("\n")).not.toContain("SINKSECRET");
  });

  describe("OIDC bearer", () => {
    const signingKey = new TextEncoder().encode("a-test-signing-key-of-enough-length!!");

    /**
     * JWTs valid for `lifetimeS` from `now` (the task's clock when a test drives one); with
     * `expiresIn`, opaque tokens (`opaque-<n>`) answered with that `expires_in`.
     */
    function tokenEndpoint(lifetimeS: number, now: () => number = () => Date.now(), expiresIn?: number) {
      const state = { calls: 0, bodies: [] as string[], issued: [] as string[] };
      const server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        async fetch(req) {
          state.calls++;
          state.bodies.push(await req.text());
          if (expiresIn !== undefined) {
            state.issued.push(`opaque-${state.calls}`);
            return Response.json({ access_token: state.issued.at(-1), token_type: "Bearer", expires_in: expiresIn });
          }
          const token = await new SignJWT({ n: state.calls })
            .setProtectedHeader({ alg: "HS256" })
            .setExpirationTime(Math.floor(now() / 1000) + lifetimeS)
            .sign(signingKey);
          state.issued.push(token);
          return Response.json({ access_token: token, token_type: "Bearer" });
        },
      });
      return {
        state,
        url: `http://127.0.0.1:${server.port}/token`,
        async [Symbol.asyncDispose]() {
          await server.stop(true);
        },
      };
    }

    // sinksec: an opaque token with expires_in 0 or negative (a lifetime not given) was fetched for every request.
    test.each([
      ["a JWT valid for an hour", undefined],
      ["an opaque token with expires_in 0", 0],
      ["an opaque token with expires_in -1", -1],
    ])("%s: fetches one token for many requests, renews once on a 401, never logs it", async (_, expiresIn) => {
      await using tokens = tokenEndpoint(3600, undefined, expiresIn);
      await using server = endpoint();
      // The endpoint accepts only the newest token: the first one gets a 401 after 5 requests.
      const accepted = new Set<string>();
      server.answer((r, n) => {
        const newest = tokens.state.issued.at(-1);
        if (n === 6 && tokens.state.calls === 1) return new Response("expired", { status: 401 });
        if (r.headers.authorization !== `Bearer ${newest}`) return new Response("", { status: 401 });
        accepted.add(r.body);
        return new Response("ok");
      });
      await using h = harness({
        url: server.url(),
        ...fast,
        "sink.writer.request.mode": "single",
        "sink.writer.thread-pool.size": "4",
        "security.oidc.token.request": "grant_type=client_credentials&client_id=gw&client_secret=s3cret",
        "http.security.oidc.token.endpoint.url": tokens.url,
      });
      await h.task.put(Array.from({ length: 10 }, (_, i) => record(i % 3, i, i)));
      await waitFor(() => accepted.size === 10);
      await h.task.idle();
      expect(h.errant).toEqual([]);
      expect(tokens.state.calls).toBe(2);
      expect(tokens.state.bodies[0]).toBe("grant_type=client_credentials&client_id=gw&client_secret=s3cret");
      const logged = h.lines.join("\n");
      for (const token of tokens.state.issued) expect(logged).not.toContain(token);
      expect(logged).not.toContain("s3cret");
    });

    test("renews the token once now > exp − security.oidc.token.expiry.reduction", async () => {
      const start = Date.now();
      const clock = new ManualClock(start);
      // exp from the same clock: a token issued a second later in real time (a busy machine) is not valid longer.
      await using tokens = tokenEndpoint(10, () => clock.now());
      await using server = endpoint();
      await using h = harness(
        {
          url: server.url(),
          ...fast,
          "security.oidc.token.request": "grant_type=client_credentials",
          "security.oidc.token.endpoint.url": tokens.url,
          "security.oidc.token.expiry.reduction": "1500 ms",
        },
        { clock },
      );
      // exp is within (start + 9 s, start + 10 s]: valid until at least start + 7.5 s, stale after start + 8.5 s.
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => server.received.length === 1);
      clock.set(start + 7400);
      await h.task.put([record(0, 1, 2)]);
      await waitFor(() => server.received.length === 2);
      expect(tokens.state.calls).toBe(1);
      clock.set(start + 8600);
      await h.task.put([record(0, 2, 3)]);
      await waitFor(() => server.received.length === 3);
      expect(tokens.state.calls).toBe(2);
      expect(server.received.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${tokens.state.issued[0]}`,
        `Bearer ${tokens.state.issued[0]}`,
        `Bearer ${tokens.state.issued[1]}`,
      ]);
    });

    /** An https token endpoint with `cert`/`key`, counting the token requests that reached it. */
    function httpsTokenEndpoint(cert: string, key: string) {
      const state = { calls: 0 };
      const server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        tls: { cert: file(cert), key: file(key) },
        fetch() {
          state.calls++;
          return Response.json({ access_token: "tls-token", expires_in: 3600 });
        },
      });
      return {
        state,
        url: `https://127.0.0.1:${server.port}/token`,
        [Symbol.dispose]: () => void server.stop(true),
      };
    }

    test("allowSelfSigned is the endpoint's only: the client secret never goes to an unverified token endpoint", async () => {
      using idp = httpsTokenEndpoint(selfSignedCert, selfSignedKey);
      await using server = endpoint({ cert: file(selfSignedCert), key: file(selfSignedKey) });
      await using h = harness({
        url: server.url(),
        ...fast,
        "sink.retry.max-attempts": "1",
        "security.cert.server.allowSelfSigned": "true",
        "security.oidc.token.request": "grant_type=client_credentials&client_secret=s3cret",
        "security.oidc.token.endpoint.url": idp.url,
      });
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => h.raised.length === 1);
      expect(h.raised[0]!.message).toContain("Could not reach the OIDC token endpoint");
      expect(idp.state.calls).toBe(0);
      expect(server.received).toEqual([]);
    });

    test("the token endpoint trusts security.cert.server as well as the system trust store", async () => {
      using idp = httpsTokenEndpoint(tls.serverCert, tls.serverKey);
      await using server = endpoint({ cert: file(tls.serverCert), key: file(tls.serverKey) });
      const config = {
        url: server.url(),
        ...fast,
        "security.cert.server": tls.caCert,
        "security.oidc.token.request": "grant_type=client_credentials",
        "security.oidc.token.endpoint.url": idp.url,
      };
      await using h = harness(config);
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => server.received.length === 1);
      expect(server.received[0]!.headers.authorization).toBe("Bearer tls-token");
      const { ca, rejectUnauthorized } = sinkSettings(config).oidc!.tls!;
      expect(rejectUnauthorized).toBe(true);
      expect(ca!.slice(0, -1)).toEqual(getCACertificates("default"));
      expect(ca!.at(-1)).toBe(sinkSettings(config).tls!.ca![0]!);
    });

    test("a token endpoint refusing the request fails the task; no record is reported", async () => {
      await using server = endpoint();
      const refusing = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: () => Response.json({ error: "invalid_client" }, { status: 401 }),
      });
      using _refusing = { [Symbol.dispose]: () => refusing.stop(true) };
      await using h = harness({
        url: server.url(),
        ...fast,
        "security.oidc.token.request": "grant_type=client_credentials&client_secret=wrong",
        "security.oidc.token.endpoint.url": `http://127.0.0.1:${refusing.port}/token`,
      });
      await h.task.put([record(0, 0, 1)]);
      await waitFor(() => h.events.length === 1);
      expect(h.events).toEqual([
        `raiseError the OIDC token endpoint http://127.0.0.1:${refusing.port}/token answered HTTP 401 (invalid_client)`,
      ]);
      expect(h.errant).toEqual([]);
      expect(server.received).toEqual([]);
      expect(() => h.task.preCommit([{ topic: "orders", partition: 0, offset: 1 }])).toThrow("answered HTTP 401");
    });
  });
});
