import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd, type TlsFrontEnd } from "./tls-front-end.ts";

// Security review 2026-12-01, P2.5 (no handshake/idle/headers/body deadline, no connection cap on
// the TLS front end), P3.16 (a CRL reload did not reach open connections) and P2.10 (the Host
// header could change the routed path).

let dir: TempDir;
let pki: DevicePki;

beforeAll(async () => {
  dir = await tempDir("ingest-tls-limits-");
  pki = await makeDevicePki(dir.path);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** Answers with the request's body as it arrives (a full-duplex answer, as a REST Proxy v3 stream's). */
const echo = (request: Request) => new Response(request.body);

function frontEnd(
  extra: Record<string, string>,
  handler: (request: Request) => Response | Promise<Response> = async (request) => {
    if (request.body) await request.arrayBuffer();
    const url = new URL(request.url);
    return new Response(`path=${url.pathname}${url.search}`);
  },
  /** The routes' largest ingest.request.timeout.ms (TlsFrontEndOptions.requestTimeoutMs); none by default. */
  requestTimeoutMs: number | null = null,
): TlsFrontEnd & AsyncDisposable {
  const props = {
    "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
    "ingest.listeners.https.ssl.truststore.location": pki.caCert,
    "ingest.listeners.https.ssl.client.auth": "requested",
    "ingest.listeners.https.ssl.reload.interval.ms": "0",
    ...extra,
  };
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler,
    load: () => loadIngestTls(props),
    requestTimeoutMs: () => requestTimeoutMs,
  });
  return Object.assign(fe, { [Symbol.asyncDispose]: () => fe.stop() });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/** A TLS connection, resolved once secured; destroyed by the test's `using`. */
async function secured(fe: TlsFrontEnd, cert?: DeviceCert): Promise<TLSSocket & Disposable> {
  const socket = tlsConnect({
    port: fe.port,
    host: "127.0.0.1",
    ca: readFileSync(pki.caCert),
    servername: "localhost",
    ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
  });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("close", () => reject(new Error("closed before the handshake completed")));
  });
  return Object.assign(socket, { [Symbol.dispose]: () => socket.destroy() });
}

function response(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once("data", (d: Buffer) => resolve(d.toString("latin1"))));
}

describe("TlsFrontEnd connection bounds", () => {
  test("a TCP connection that never sends its ClientHello is closed after handshake.timeout.ms", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.handshake.timeout.ms": "200" });
    const socket = netConnect(fe.port, "127.0.0.1");
    socket.on("error", () => {});
    await closed(socket);
    expect(fe.connectionsClosed.get("accepted")).toBe(1);
    await waitFor(() => fe.connections() === 0, { what: "the connection to be forgotten" });
  });

  test("a TLS connection that sends no request is closed after idle.timeout.ms", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.idle.timeout.ms": "200" });
    using socket = await secured(fe);
    await closed(socket);
    expect(fe.connectionsClosed.get("idle")).toBe(1);
  });

  test("a request whose headers never end is closed after request.headers.timeout.ms, though bytes keep coming", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.request.headers.timeout.ms": "300" });
    using socket = await secured(fe);
    socket.write("POST /a HTTP/1.1\r\nHost: h\r\n");
    const trickle = setInterval(() => socket.writable && socket.write("X"), 50);
    try {
      await closed(socket);
    } finally {
      clearInterval(trickle);
    }
    expect(fe.connectionsClosed.get("headers")).toBe(1);
  });

  test("a body that never ends is closed after request.body.timeout.ms", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.request.body.timeout.ms": "300" });
    using socket = await secured(fe);
    socket.write("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nabc");
    await closed(socket);
    expect(fe.connectionsClosed.get("body")).toBe(1);
  });

  // Review of sechunt (third), P2: the body of the request before it ended (read by its handler)
  // once this one's body was arriving, which took this one out of its body deadline: held until the
  // handler's own timeout (a POST behind a 413: 408 after ingest.request.timeout.ms). Since leftfix2
  // a pipelined request is handed over only once the handler read the body before it, so that body
  // can no longer end while this one arrives; the first request's answer still waits for the second
  // to be handed over here, and the second's body deadline still closes the connection.
  test("a pipelined body that never ends is closed after request.body.timeout.ms, though the answer before it came later", async () => {
    const second = Promise.withResolvers<void>();
    await using fe = frontEnd({ "ingest.listeners.https.request.body.timeout.ms": "300" }, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/b") second.resolve();
      const body = await request.text();
      if (path === "/a") await second.promise;
      return new Response(body);
    });
    using socket = await secured(fe);
    const answers: string[] = [];
    socket.on("data", (d: Buffer) => answers.push(d.toString("latin1")));
    socket.write(
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
        "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nx",
    );
    await closed(socket);
    expect(answers.join("").match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200"]); // the first body's, only
    expect(answers.join("")).toContain("\r\nabc\r\n");
    expect(fe.connectionsClosed.get("body")).toBe(1);
  });

  test("a body whose answer has begun (a full-duplex v3 stream) is not cut at request.body.timeout.ms", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.request.body.timeout.ms": "200" }, echo);
    using socket = await secured(fe);
    let received = "";
    socket.on("data", (d: Buffer) => {
      received += d.toString("latin1");
    });
    const ended = closed(socket);
    socket.write("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    // One byte at a time, each once the last came back, until the body has been arriving for 3 deadlines.
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < 600) {
      socket.write("1\r\nx\r\n");
      sent++;
      await waitFor(() => received.split("x").length > sent || socket.destroyed, { what: "the byte echoed" });
      if (socket.destroyed) break;
    }
    socket.write("0\r\n\r\n");
    await ended;
    expect({
      status: received.slice(0, 12),
      echoed: received.split("x").length - 1,
      closed: fe.connectionsClosed.get("body"),
    }).toEqual({
      status: "HTTP/1.1 200",
      echoed: sent,
      closed: undefined,
    });
  });

  // ingestp4: the body deadline cut an ingest request's body before its ingest.request.timeout.ms could answer 408.
  test.each([
    ["the routes' largest ingest.request.timeout.ms plus the margin", 0],
    ["a timer's largest delay when that is past it", 2 ** 31 - 1],
  ])("a body arriving slowly is not cut at request.body.timeout.ms below %s", async (_, requestTimeoutMs) => {
    let arrived = 0;
    const reading = async (request: Request) => {
      for await (const chunk of request.body!) arrived += chunk.length;
      return new Response(`read ${arrived}`);
    };
    await using fe = frontEnd({ "ingest.listeners.https.request.body.timeout.ms": "200" }, reading, requestTimeoutMs);
    using socket = await secured(fe);
    socket.write("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    // One byte at a time, each once the handler read the last, until the body has been arriving for 3 deadlines.
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < 600 && !socket.destroyed) {
      socket.write("1\r\nx\r\n");
      sent++;
      await waitFor(() => arrived === sent || socket.destroyed, { what: "the byte read" });
    }
    const answer = Promise.race([response(socket), closed(socket).then(() => "closed unanswered")]);
    socket.write("0\r\n\r\n");
    const text = await answer;
    expect({
      status: text.slice(0, 12),
      read: /read (\d+)/.exec(text)?.[1],
      closed: fe.connectionsClosed.get("body"),
    }).toEqual({
      status: "HTTP/1.1 200",
      read: String(sent),
      closed: undefined,
    });
  });

  test("complete requests on one keep-alive connection are served whatever the deadlines", async () => {
    await using fe = frontEnd({
      "ingest.listeners.https.request.headers.timeout.ms": "200",
      "ingest.listeners.https.request.body.timeout.ms": "200",
    });
    using socket = await secured(fe);
    for (const body of ["a", "bb"]) {
      const answer = response(socket);
      socket.write(`POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      expect(await answer).toStartWith("HTTP/1.1 200");
    }
    expect(fe.connectionsClosed.size).toBe(0);
  });

  // max.connections is the server's own (refused before a socket exists: not counted here).
  test.each([
    ["ingest.listeners.https.max.connections", undefined],
    ["ingest.listeners.https.max.connections.per.ip", 1],
  ])(
    "%s: a connection over the cap is closed when accepted, and a slot freed is usable again",
    async (name, counted) => {
      await using fe = frontEnd({ [name]: "2" });
      using first = await secured(fe);
      using _second = await secured(fe);
      await expect(secured(fe)).rejects.toThrow("closed before the handshake completed");
      expect(fe.connectionsClosed.get("max_connections_per_ip")).toBe(counted);
      expect(fe.connections()).toBe(2);
      first.destroy();
      await waitFor(() => fe.connections() === 1, { what: "the first connection to be gone" });
      // The server's own count may lag the guard's by a tick: retry until a connection is accepted.
      using third = await waitFor(() => secured(fe).catch(() => undefined), {
        what: "a connection in the freed slot",
      });
      expect(third.authorized).toBe(true);
    },
  );

  test("a CRL reload closes the open connection of a certificate it revokes (P3.16), after the response in flight", async () => {
    const crlProps = { "ingest.listeners.https.ssl.crl.location": pki.crl };
    await using fe = frontEnd(crlProps);
    const revoked = await pki.issue("revoked-later", "device-revoked-later");
    using socket = await secured(fe, revoked);
    const answer = response(socket);
    socket.write("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await answer).toStartWith("HTTP/1.1 200");
    await pki.revoke(revoked);
    expect(fe.reloadIfChanged()).toBe(true);
    await closed(socket);
    // A new connection is refused by the handshake (TLS 1.3: the client may see it secured first).
    const again = await secured(fe, revoked).catch(() => undefined);
    if (again) await closed(again);
    expect(fe.handshakeFailures.get("CERT_REVOKED")).toBe(1);
  });
});

describe("TlsFrontEnd request URL (P2.10)", () => {
  /** Sends `head` with Connection: close, then `body`, and returns everything answered. */
  async function exchange(fe: TlsFrontEnd, head: string, body = ""): Promise<string> {
    using socket = await secured(fe);
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`);
    await closed(socket);
    return Buffer.concat(chunks).toString("latin1");
  }

  test.each(["h/evil?", "h?x", "h#x", "user@h", "h\\evil", "h x"])(
    "a Host header %p is 400 and never reaches the handler",
    async (host) => {
      await using fe = frontEnd({});
      const answer = await exchange(fe, `GET /a HTTP/1.1\r\nHost: ${host}`);
      expect(answer).toStartWith("HTTP/1.1 400");
      expect(answer).toContain('"error_code":400');
      expect(answer).not.toContain("path=");
    },
  );

  test.each([
    ["GET /a?x=1 HTTP/1.1\r\nHost: gateway.example:8443", "path=/a?x=1"],
    ["GET //evil/a HTTP/1.1\r\nHost: h", "path=//evil/a"],
    ["GET https://other.example/b/c?y HTTP/1.1\r\nHost: h", "path=/b/c?y"],
  ])("%p is served with its path from the request-target", async (head, expected) => {
    await using fe = frontEnd({});
    const answer = await exchange(fe, head);
    expect(answer).toStartWith("HTTP/1.1 200");
    // The body is chunked: the whole path, then the chunk's CRLF.
    expect(answer).toContain(`\r\n${expected}\r\n`);
  });

  // sechunt hunt 2026-12-07: the first three reached the handler (200) through node:http; review
  // of sechunt (P2): so did chunked on HTTP/1.0, which the plain listener (Bun.serve) refuses too.
  for (const [what, head, body, status, expected] of [
    [
      "no Host on HTTP/1.1",
      "GET /a HTTP/1.1",
      "",
      400,
      JSON.stringify({ error_code: 400, message: "An HTTP/1.1 request must have a Host header" }),
    ],
    [
      "two Host lines",
      "GET /a HTTP/1.1\r\nHost: h\r\nHost: other",
      "",
      400,
      JSON.stringify({ error_code: 400, message: "A request must have one Host header" }),
    ],
    [
      "Transfer-Encoding identity, chunked",
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity, chunked",
      "1\r\nx\r\n0\r\n\r\n",
      400,
      JSON.stringify({ error_code: 400, message: "The only Transfer-Encoding accepted is chunked" }),
    ],
    [
      "Transfer-Encoding chunked on HTTP/1.0",
      "POST /a HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked",
      "1\r\nx\r\n0\r\n\r\n",
      400,
      JSON.stringify({ error_code: 400, message: "Transfer-Encoding is accepted on HTTP/1.1 only" }),
    ],
    ["HTTP/1.0 without Host", "GET /a HTTP/1.0", "", 200, "path=/a"],
    [
      "Transfer-Encoding Chunked (any case)",
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked",
      "1\r\nx\r\n0\r\n\r\n",
      200,
      "path=/a",
    ],
  ] as const)
    test(`${what} is answered ${status}`, async () => {
      await using fe = frontEnd({});
      const answer = await exchange(fe, head, body);
      expect(answer.split("\r\n")[0]).toMatch(new RegExp(`^HTTP/1\\.[01] ${status} `));
      expect(answer).toContain(expected);
    });

  test("a request-target that is neither a path nor an absolute URL is 400", async () => {
    await using fe = frontEnd({});
    expect(await exchange(fe, "GET abc/ingest/p HTTP/1.1\r\nHost: h")).toStartWith("HTTP/1.1 400");
  });
});

describe("TlsFrontEnd start", () => {
  test("a start that cannot listen (port in use) leaves no write-stall sweep running", async () => {
    await using taken = frontEnd({});
    const running = new Set<unknown>();
    const { setInterval: set, clearInterval: clear } = globalThis;
    globalThis.setInterval = ((...args: Parameters<typeof set>) => {
      const handle = set(...args);
      running.add(handle);
      return handle;
    }) as typeof set;
    globalThis.clearInterval = ((handle: Parameters<typeof clear>[0]) => {
      running.delete(handle);
      clear(handle);
    }) as typeof clear;
    try {
      expect(() =>
        startTlsFrontEnd({
          host: "127.0.0.1",
          port: taken.port,
          handler: () => new Response("unused"),
          load: () =>
            loadIngestTls({
              "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
              "ingest.listeners.https.ssl.reload.interval.ms": "0",
              "ingest.listeners.https.write.stall.timeout.ms": "1000",
            }),
        }),
      ).toThrow(/Cannot listen/);
    } finally {
      globalThis.setInterval = set;
      globalThis.clearInterval = clear;
    }
    expect(running.size).toBe(0);
  });
});
