/**
 * An HTTPS server that requires a client certificate (Bun.serve with requestCert and
 * rejectUnauthorized, port 0, openssl-made certificates) refusing a client that has none: Bun's
 * fetch says only "EPROTO: The TLS handshake failed. Does the server speak TLS on this port?", the
 * same as for a port that speaks plain HTTP. The HTTP client (so the HTTP sink, the HTTP source and
 * the OIDC token fetch) says which of the two it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { makeTls, type TlsFiles } from "../../test/support/tls.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { endpoint, harness, record } from "../connectors/http-sink/test-support.ts";
import { startTask } from "../connectors/http-source/test-support.ts";
import { diagnoseHandshake, handshakeRefusal } from "./handshake-diagnosis.ts";
import { HttpClient, HttpTransportError } from "./http-client.ts";

const NO_CERTIFICATE =
  "the server refused the TLS handshake: it requires a client certificate, and none is configured (TLS alert: certificate required)";
const BUN_GUESS = "Does the server speak TLS on this port?";

let dir: TempDir;
let tls: TlsFiles;

beforeAll(async () => {
  dir = await tempDir("handshake-refusal-");
  tls = await makeTls(dir.path);
}, 30_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** An https server on 127.0.0.1 requiring a client certificate signed by the test CA. */
function mtlsServer() {
  return endpoint({
    cert: Bun.file(tls.serverCert),
    key: Bun.file(tls.serverKey),
    ca: Bun.file(tls.caCert),
    requestCert: true,
    rejectUnauthorized: true,
  });
}

/** A loopback TCP listener passing every connection on to `port`, counting them. */
function counting(port: number): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((inbound) => {
    connections++;
    const outbound = connect({ host: "127.0.0.1", port });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, port: (server.address() as { port: number }).port, connections: () => connections }),
    ),
  );
}

/** An HTTP proxy that opens CONNECT tunnels (to 127.0.0.1 and the asked port), counting them. */
function connectProxy(): Promise<{ server: Server; url: string; tunnels: () => number }> {
  let tunnels = 0;
  const server = createServer((client) => {
    client.once("data", (head) => {
      const port = Number(/^CONNECT [^ ]*:(\d+) /.exec(head.toString())?.[1]);
      tunnels++;
      const upstream = connect({ host: "127.0.0.1", port }, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        client.pipe(upstream).pipe(client);
      });
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        tunnels: () => tunnels,
      }),
    ),
  );
}

describe("HttpClient: a refused TLS handshake", () => {
  test("without a client certificate, against a server that requires one", async () => {
    await using server = mtlsServer();
    const client = new HttpClient({ tls: { ca: [await Bun.file(tls.caCert).text()], rejectUnauthorized: true } });
    const error = await client.request({ method: "GET", url: server.url() }).catch((e) => e);
    expect(error).toBeInstanceOf(HttpTransportError);
    expect(error.failure).toBe("tls");
    expect(error.message).toBe(`GET ${server.url()} failed (tls): EPROTO: ${NO_CERTIFICATE}`);
    expect(server.received).toEqual([]);
  });

  // A timeout no test waits out: the diagnosis must answer when the outcome is known (the test's own
  // timeout fails it otherwise); it waited its whole timeout for a handshake that succeeded.
  const NEVER_MS = 3_600_000;

  test.each([
    ["a server that accepts any client", false],
    ["a server requiring a client certificate, given one it accepts", true],
  ])("the diagnosis of a handshake that succeeds (%s) answers nothing, at once", async (_, requestCert) => {
    // node:tls, which holds an idle connection open until the client closes it (Bun.serve closes
    // it after ~10 s, which answered the diagnosis before).
    const pem = (path: string) => readFileSync(path, "utf8");
    const server = createTlsServer({
      cert: pem(tls.serverCert),
      key: pem(tls.serverKey),
      ca: pem(tls.caCert),
      requestCert,
      rejectUnauthorized: requestCert,
    });
    const accepted: boolean[] = [];
    server.on("secureConnection", (socket) => {
      accepted.push(socket.authorized || !requestCert);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = requestCert
        ? { cert: pem(tls.clientCert), key: pem(tls.clientKey), rejectUnauthorized: true }
        : { rejectUnauthorized: true };
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
      expect(await diagnoseHandshake(url, client, NEVER_MS)).toBeUndefined();
      expect(accepted).toEqual([true]);
    } finally {
      server.close();
    }
  });

  test("the diagnosis of a refusal answers it at once (TLS 1.3: the alert after the client's Finished)", async () => {
    await using server = mtlsServer();
    expect(await diagnoseHandshake(server.url(), { rejectUnauthorized: true }, NEVER_MS)).toBe(NO_CERTIFICATE);
  });

  test("a port that speaks plain HTTP is said so", async () => {
    await using server = endpoint();
    const url = server.url().replace("http:", "https:");
    const error = await new HttpClient().request({ method: "GET", url }).catch((e) => e);
    expect(error.message).toBe(
      `GET ${url} failed (tls): EPROTO: the server does not speak TLS on this port (ERR_SSL_WRONG_VERSION_NUMBER)`,
    );
  });

  test("behind an HTTPS proxy (HTTPS_PROXY, which Bun's fetch follows) no handshake goes around it", async () => {
    await using server = mtlsServer();
    const forward = await counting(Number(new URL(server.url()).port));
    const proxy = await connectProxy();
    const url = `https://127.0.0.1:${forward.port}/ingest`;
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, https_proxy: process.env.https_proxy };
    process.env.HTTPS_PROXY = proxy.url;
    try {
      const client = new HttpClient({ tls: { ca: [await Bun.file(tls.caCert).text()], rejectUnauthorized: true } });
      const error = await client.request({ method: "GET", url }).catch((e) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(proxy.tunnels()).toBe(1);
      // Every connection the server got came through the proxy: none went to it directly.
      expect(forward.connections()).toBe(proxy.tunnels());
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      forward.server.close();
      proxy.server.close();
    }
  });

  test.each([
    ["ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED", false, "it requires a client certificate, and none is configured"],
    [
      "ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED",
      true,
      "it does not accept the client certificate (TLS alert: certificate required)",
    ],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", false, "it requires a client certificate, and none is configured"],
    [
      "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
      true,
      "it does not accept the client certificate (TLS alert: bad certificate)",
    ],
    ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", true, "it does not accept the client certificate (TLS alert: unknown ca)"],
    // An OpenSSL server's answer to a client without a certificate (TLS 1.2), but also to one it shares no cipher with.
    [
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
      false,
      "(TLS alert: handshake failure): it may require a client certificate, and none is configured, or share no cipher suite with the client",
    ],
    [
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
      true,
      "(TLS alert: handshake failure): it may not accept the client certificate, or share no cipher suite with the client",
    ],
    [
      "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
      true,
      "the server refused the TLS handshake (TLS alert: protocol version)",
    ],
  ])("the alert %s (client certificate: %p) is said: %s", (code, withCert, said) => {
    expect(handshakeRefusal(code, withCert)).toContain(said);
  });
});

describe("the HTTP connectors and the OIDC token fetch against a server requiring a client certificate", () => {
  test("HTTP sink: the task's error says the server requires a client certificate (an endpoint fault: the task fails)", async () => {
    await using server = mtlsServer();
    await using h = harness({
      url: server.url(),
      "sink.retry.backoff.initial.ms": "1",
      "sink.retry.max-attempts": "1",
      "sink.flush-buffer.timeout": "0",
      "security.cert.server": tls.caCert,
    });
    await h.task.put([record(0, 0, 1)]);
    await waitFor(() => h.raised.length === 1);
    expect(h.errant).toEqual([]);
    expect(h.raised[0]!.message).toContain(NO_CERTIFICATE);
    expect(h.raised[0]!.message).not.toContain(BUN_GUESS);
  });

  const trustCa = {
    "http.ssl.enabled": "true",
    "http.ssl.truststore.location": "",
    "http.ssl.truststore.type": "PEM",
    "http.retry.max.attempts": "1",
    "http.retry.backoff.ms": "1",
  };

  test("HTTP source: the poll's error says so", async () => {
    await using server = mtlsServer();
    const h = await startTask({
      ...trustCa,
      "http.ssl.truststore.location": tls.caCert,
      "http.url": server.url("/events"),
      "http.response.records.path": "$[*]",
    });
    const error = await h.task.poll(new AbortController().signal).catch((e) => e);
    expect(String(error?.message)).toContain(NO_CERTIFICATE);
    expect(`${error?.message}\n${h.logs.join("\n")}`).not.toContain(BUN_GUESS);
  });

  test("OIDC token fetch: the token endpoint's refusal is said", async () => {
    await using server = mtlsServer();
    const h = await startTask({
      ...trustCa,
      "http.ssl.truststore.location": tls.caCert,
      "http.url": server.url("/events"),
      "http.response.records.path": "$[*]",
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": server.url("/token"),
      "http.oauth2.client.id": "client-1",
      "http.oauth2.client.secret": "client-secret-41",
      "http.oauth2.client.auth.mode": "body",
    });
    const error = await h.task.poll(new AbortController().signal).catch((e) => e);
    expect(String(error?.message)).toContain("Could not reach the OAuth2 token endpoint");
    expect(String(error?.message)).toContain(NO_CERTIFICATE);
    expect(String(error?.message)).not.toContain("client-secret-41");
  });
});
