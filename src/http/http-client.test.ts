import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { gzipSync } from "node:zlib";
import { issueCert, selfSignedCert } from "../../test/support/cert-authority.ts";
import { type InvalidChains, makeInvalidChains, serveChain } from "../../test/support/invalid-chains.ts";
import { rawEndpoint } from "../../test/support/raw-endpoint.ts";
import { refusingProxy, withHttpsProxy } from "../../test/support/refusing-proxy.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { makeTls, TEST_CA, type TlsFiles } from "../../test/support/tls.ts";
import { isRetriable, traceOf } from "../errors.ts";
import {
  DEFAULT_USER_AGENT,
  HttpClient,
  HttpResponseTooLargeError,
  HttpTransportError,
  redactUrl,
} from "./http-client.ts";

function serve(fetch: (req: Request) => Response | Promise<Response>, tls?: Parameters<typeof Bun.serve>[0]["tls"]) {
  return Bun.serve({ port: 0, hostname: "127.0.0.1", fetch, tls });
}

describe("HttpClient", () => {
  describe("when the server answers", () => {
    test("sends method, headers and body, names the gateway and returns status, headers and body", async () => {
      let seen: { method: string; ua: string | null; custom: string | null; body: string } | undefined;
      using server = serve(async (req) => {
        seen = {
          method: req.method,
          ua: req.headers.get("user-agent"),
          custom: req.headers.get("x-custom"),
          body: await req.text(),
        };
        return new Response("created", { status: 201, headers: { "x-answer": "42" } });
      });
      const client = new HttpClient();
      const res = await client.request({
        method: "POST",
        url: `${server.url}items`,
        headers: [["X-Custom", "a, b"]],
        body: '{"q":1}',
      });
      expect(seen).toEqual({ method: "POST", ua: DEFAULT_USER_AGENT, custom: "a, b", body: '{"q":1}' });
      expect(res.status).toBe(201);
      expect(res.headers.get("x-answer")).toBe("42");
      expect(new TextDecoder().decode(res.body)).toBe("created");
      expect(res.durationMs).toBeGreaterThanOrEqual(0);
    });

    test("decompresses a gzip response", async () => {
      using server = serve(() => new Response(gzipSync('[{"id":1}]'), { headers: { "content-encoding": "gzip" } }));
      const res = await new HttpClient().request({ method: "GET", url: server.url.href });
      expect(new TextDecoder().decode(res.body)).toBe('[{"id":1}]');
    });

    test("with bodyPrefixBytes, a body that does not decompress as its Content-Encoding says still gives the status (the body cut where it failed)", async () => {
      using server = serve(
        () => new Response("ok, accepted", { status: 200, headers: { "content-encoding": "gzip" } }),
      );
      const res = await new HttpClient().request({
        method: "POST",
        url: server.url.href,
        body: "[1]",
        bodyPrefixBytes: 1024,
      });
      expect([res.status, res.truncated]).toEqual([200, true]);
      // Without a prefix (the HTTP source reads the whole body) it is the `decode` failure.
      await expect(new HttpClient().request({ method: "GET", url: server.url.href })).rejects.toThrow(
        expect.objectContaining({ failure: "decode" }),
      );
    });

    test("a decode failure's trace shows the URL's query secrets redacted, in its cause too (Bun's error names the URL)", async () => {
      using server = serve(() => new Response("plain", { headers: { "content-encoding": "gzip" } }));
      const error = await new HttpClient()
        .request({ method: "GET", url: `${server.url.href}x?api_key=s3cr3t-value` })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(traceOf(error)).toContain("api_key=***");
      expect(traceOf(error)).not.toContain("s3cr3t");
    });

    test("an error status is a response, not an exception", async () => {
      using server = serve(() => new Response("nope", { status: 503 }));
      const res = await new HttpClient().request({ method: "GET", url: server.url.href });
      expect(res.status).toBe(503);
    });

    test("rejects a body whose Content-Length is larger than the limit", async () => {
      using server = serve(() => new Response("x".repeat(2048)));
      const client = new HttpClient({ maxResponseBytes: 1024 });
      await expect(client.request({ method: "GET", url: server.url.href })).rejects.toThrow(HttpResponseTooLargeError);
    });
  });

  // Review finding P1.1: the limit used to be checked only after the whole body was read.
  describe("when a body without Content-Length grows past the limit", () => {
    /** A response body that sends `chunks` and then stays open: only a reader that stops early gets an answer. */
    function heldOpen(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
      let next = 0;
      return new ReadableStream({
        pull(controller) {
          const chunk = chunks[next++];
          if (chunk === undefined) return new Promise<void>(() => undefined);
          controller.enqueue(chunk);
        },
      });
    }

    test("stops reading a chunked stream once past the limit", async () => {
      const chunk = new Uint8Array(64 * 1024).fill(120);
      using server = serve(() => new Response(heldOpen(Array.from({ length: 256 }, () => chunk))));
      const client = new HttpClient({ maxResponseBytes: 256 * 1024, requestTimeoutMs: 20_000 });
      const error = await client.request({ method: "GET", url: server.url.href }).catch((e) => e);
      expect(error).toBeInstanceOf(HttpResponseTooLargeError);
      expect(error.message).toContain("exceeds the limit of 262144 bytes");
    });

    test("counts decompressed bytes: a small gzip stream that inflates past the limit fails", async () => {
      const bomb = gzipSync(new Uint8Array(16 * 1024 * 1024));
      using server = serve(() => new Response(heldOpen([bomb]), { headers: { "content-encoding": "gzip" } }));
      const client = new HttpClient({ maxResponseBytes: 1024 * 1024, requestTimeoutMs: 20_000 });
      const error = await client.request({ method: "GET", url: server.url.href }).catch((e) => e);
      expect(bomb.length).toBeLessThan(1024 * 1024);
      expect(error).toBeInstanceOf(HttpResponseTooLargeError);
    });

    test("a body within the limit is returned whole", async () => {
      const chunk = new Uint8Array(1000).fill(65);
      using server = serve(
        () =>
          new Response(
            new ReadableStream({
              start(controller) {
                for (let i = 0; i < 5; i++) controller.enqueue(chunk);
                controller.close();
              },
            }),
          ),
      );
      const res = await new HttpClient({ maxResponseBytes: 5000 }).request({ method: "GET", url: server.url.href });
      expect(res.body).toEqual(new Uint8Array(5000).fill(65));
    });
  });

  describe("when the server cannot be reached or does not answer", () => {
    // leftfix 1: the host and port a proxy's refusal or a non-HTTP answer would name were parsed for every failure,
    // and the parser's bare `TypeError: Invalid URL` replaced the runtime's words of a URL fetch could not use.
    test("a URL fetch cannot use is a transport error in the runtime's words, its secrets redacted", async () => {
      const error = await new HttpClient()
        .request({ method: "GET", url: "http://user:s3cret@exa mple.com/x?token=abc" })
        .catch((e) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(error.message).toBe("GET http://***@exa mple.com/x?token=*** failed (io): fetch() URL is invalid");
      expect(traceOf(error)).toContain("Caused by: java.net.SocketException: fetch() URL is invalid\n");
    });

    test("a refused connection is a retriable transport error naming the redacted URL", async () => {
      const server = serve(() => new Response("x"));
      const port = server.port;
      server.stop(true);
      const error = await new HttpClient()
        .request({ method: "GET", url: `http://user:s3cret@127.0.0.1:${port}/x?token=abc&page=2` })
        .catch((e) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(error.failure).toBe("connect");
      expect(isRetriable(error)).toBe(true);
      expect(error.message).toContain(`http://***@127.0.0.1:${port}/x?token=***&page=2`);
      expect(error.message).not.toContain("s3cret");
      expect(error.message).not.toContain("abc");
    });

    test("a hanging server times out", async () => {
      using server = serve(() => new Promise<Response>(() => undefined));
      const error = await new HttpClient({ connectTimeoutMs: 5000, requestTimeoutMs: 100 })
        .request({ method: "GET", url: server.url.href })
        .catch((e) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(error.failure).toBe("timeout");
    });

    // explore8 L4: traces showed `Caused by: java.lang.IllegalArgumentException: ECONNREFUSED … pass \`verbose: true\` … to fetch()`.
    test("a refused connection's and a reset's traces show the JDK's exception, without Bun's hint to developers", async () => {
      const closed = serve(() => new Response("x"));
      const port = closed.port;
      closed.stop(true);
      const refused = await new HttpClient()
        .request({ method: "GET", url: `http://127.0.0.1:${port}/x` })
        .catch((e) => e);
      const resetting = createServer((socket) => socket.on("data", () => socket.resetAndDestroy()));
      await new Promise<void>((resolve) => resetting.listen(0, "127.0.0.1", resolve));
      using _resetting = { [Symbol.dispose]: () => resetting.close() };
      const resetPort = (resetting.address() as { port: number }).port;
      const reset = await new HttpClient()
        .request({ method: "GET", url: `http://127.0.0.1:${resetPort}/x` })
        .catch((e) => e);
      for (const [error, failure, javaClass] of [
        [refused, "connect", "java.net.ConnectException"],
        [reset, "io", "java.net.SocketException"],
      ] as const) {
        expect(error.failure).toBe(failure);
        const causedBy = traceOf(error)
          .split("\n")
          .filter((l) => l.startsWith("Caused by: "));
        expect(causedBy).toHaveLength(1);
        expect(causedBy[0]).toStartWith(`Caused by: ${javaClass}: `);
        expect(traceOf(error)).not.toContain("verbose");
        // explore11 F2: Bun's "Unable to connect. Is the computer able to access the url?" reached the sink's WARN and traces.
        expect(traceOf(error)).not.toContain("Is the computer");
        expect(traceOf(error)).not.toContain("IllegalArgumentException");
      }
    });

    // p3sink 3: an endpoint that is no HTTP server read as Bun's code alone (or as a reset: see the second table).
    // p3sinkc 4: a Content-Length that is no number, or two that differ, read as a reset naming no one.
    const MALFORMED = "Malformed_HTTP_Response";
    test.each([
      ["an SSH banner, then a close", "SSH-2.0-OpenSSH_9.6\r\n", true, MALFORMED],
      ["an SSH banner, the connection held open", "SSH-2.0-OpenSSH_9.6\r\n", false, MALFORMED],
      ["a Redis error line", "-ERR unknown command 'POST'\r\n", true, MALFORMED],
      ["a status line with a broken header", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", true, MALFORMED],
      ["HTTP/2.0 in an HTTP/1.1 status line", "HTTP/2.0 200 OK\r\ncontent-length: 0\r\n\r\n", true, MALFORMED],
      [
        "a Content-Length that is no number",
        "HTTP/1.1 200 OK\r\ncontent-length: abc\r\n\r\nabc",
        true,
        "InvalidContentLength",
      ],
      [
        "two Content-Lengths that differ",
        "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 5\r\n\r\nabcde",
        true,
        "InvalidContentLength",
      ],
    ])("%s: the failure says who answered with something that is not HTTP/1.1", async (_, answer, close, code) => {
      await using server = rawEndpoint(answer, { close });
      const error = await new HttpClient()
        .request({ method: "POST", url: server.url("/in"), body: "[]" })
        .catch((e) => e);
      const reason = `127.0.0.1:${server.port} answered with something that is not HTTP/1.1 (${code})`;
      expect(error.failure).toBe("io");
      expect(error.notHttp).toBe(true);
      expect(error.message).toBe(`POST ${server.url("/in")} failed (io): ${reason}`);
      expect(traceOf(error)).toContain(`Caused by: java.net.ProtocolException: ${reason}\n`);
    });

    // p3sinkc 5: a proxy answering 407 to CONNECT read as "connection refused or host unreachable" (its "Proxy refused
    // to open a tunnel" matched "Refused"), and a reason phrase naming DNS as an UnknownHostException.
    test("a proxy that refuses the tunnel is a connect failure naming its status, not its words nor credentials", async () => {
      await using proxy = await refusingProxy(407, `DNS lookup Refused, certificate ${"a.".repeat(30_000)}`);
      const url = "https://127.0.0.1:9/in";
      const error = await withHttpsProxy(proxy.url, () =>
        new HttpClient().request({ method: "POST", url, body: "[]" }).catch((e) => e),
      );
      const refusal = "the proxy refused to open a tunnel to 127.0.0.1:9 (HTTP 407) (ERR_PROXY_TUNNEL)";
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(error.failure).toBe("connect");
      expect(error.proxyRefused).toBe(true);
      expect(error.message).toBe(`POST ${url} failed (connect): ${refusal}`);
      expect(traceOf(error)).toContain(`Caused by: java.net.ConnectException: ${refusal}\n`);
      for (const word of ["pr0xy-s3cret", "DNS", "a.a."]) expect(traceOf(error)).not.toContain(word);
    });

    // p3sinkc-b 1: the Java class was picked by resolver words in the readable text, which names the endpoint's host:
    // a proxy's refusal for dns.example read as an UnknownHostException. The code decides; the host is never read.
    test.each(["dns.example", "getaddrinfo.example"])(
      "a proxy's refusal of a tunnel to %s is a ConnectException, whatever the host's words",
      async (host) => {
        await using proxy = await refusingProxy(407, "Proxy Authentication Required");
        const url = `https://${host}/in`;
        const error = await withHttpsProxy(proxy.url, () =>
          new HttpClient().request({ method: "POST", url, body: "[]" }).catch((e) => e),
        );
        const refusal = `the proxy refused to open a tunnel to ${host}:443 (HTTP 407) (ERR_PROXY_TUNNEL)`;
        expect(error.failure).toBe("connect");
        expect(traceOf(error)).toContain(`Caused by: java.net.ConnectException: ${refusal}\n`);
      },
    );

    // p3sink-b 1: the failure's kind was read from Bun's message, which quotes the URL: an endpoint at …/certificates/in
    // was a TLS failure (SSLHandshakeException), one at …/dns a refused connection.
    test.each(["/certificates/in", "/api/tls-settings", "/ssl/in", "/dns", "/tls/token?host=dns.example"])(
      "an endpoint at %s that answers an SSH banner is no TLS or connect failure: the path's words are not read",
      async (path) => {
        await using server = rawEndpoint("SSH-2.0-OpenSSH_9.6\r\n");
        const error = await new HttpClient()
          .request({ method: "POST", url: server.url(path), body: "[]" })
          .catch((e) => e);
        const reason = `127.0.0.1:${server.port} answered with something that is not HTTP/1.1 (Malformed_HTTP_Response)`;
        expect(error.failure).toBe("io");
        expect(error.message).toBe(`POST ${server.url(path)} failed (io): ${reason}`);
        expect(traceOf(error)).toContain(`Caused by: java.net.ProtocolException: ${reason}\n`);
      },
    );

    test("a refused connection and a host that does not resolve stay connect failures, whatever their path says", async () => {
      const closed = serve(() => new Response("x"));
      const port = closed.port;
      closed.stop(true);
      for (const [url, javaClass] of [
        [`http://127.0.0.1:${port}/certificates/tls`, "java.net.ConnectException"],
        ["http://tls-cert.invalid/ssl", "java.net.UnknownHostException"],
      ] as const) {
        const error = await new HttpClient({ connectTimeoutMs: 5000 }).request({ method: "GET", url }).catch((e) => e);
        expect(error.failure).toBe("connect");
        expect(traceOf(error)).toContain(`Caused by: ${javaClass}: `);
      }
    });

    // What Bun reports of bytes it parses no line of gives nothing to tell them from a connection closed unanswered
    // (README, HTTP sink troubleshooting): these read as a reset, as that does.
    test.each([
      ["nothing", ""],
      ["a few bytes without a line end", "hello"],
      ["binary bytes", "\u0015\u0003\u0001\u0000\u0002\u0002\u0050"],
      ["an HTTP/2 frame", "\u0000\u0000\u0012\u0004\u0000\u0000\u0000\u0000\u0000"],
      ["a status line alone", "HTTP/1.1 200 OK\r\n"],
    ])("%s, then a close: a reset (java.net.SocketException)", async (_, answer) => {
      await using server = rawEndpoint(answer);
      const error = await new HttpClient()
        .request({ method: "POST", url: server.url("/in"), body: "[]" })
        .catch((e) => e);
      const reason = "ECONNRESET: The socket connection was closed unexpectedly.";
      expect(error.message).toBe(`POST ${server.url("/in")} failed (io): ${reason}`);
      expect(traceOf(error)).toContain(`Caused by: java.net.SocketException: ${reason}\n`);
    });

    // auditsinkfaults P3-1: an answer that is not HTTP read `POST <url> failed (io): InvalidHTTPResponse fetching "<url>".`.
    test("an answer that is not valid HTTP names the URL once, in the request, not again as Bun quotes it", async () => {
      const invalid = createServer((socket) =>
        socket.on("data", () => socket.end("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\nxx\r\n")),
      );
      await new Promise<void>((resolve) => invalid.listen(0, "127.0.0.1", resolve));
      using _invalid = { [Symbol.dispose]: () => invalid.close() };
      const port = (invalid.address() as { port: number }).port;
      const url = `http://user:pw-9x@127.0.0.1:${port}/x?api_key=k3y`;
      const error = await new HttpClient().request({ method: "POST", url, body: "[]" }).catch((e) => e);
      expect(error.failure).toBe("io");
      const answer = `127.0.0.1:${port} answered HTTP 200, then a body whose framing is not HTTP/1.1 (InvalidHTTPResponse)`;
      expect(error.message).toBe(`POST ${redactUrl(url)} failed (io): ${answer}`);
      // p3sink-b 3: Java's chunked body parser throws a plain IOException ("invalid chunk header"), not a ProtocolException.
      expect(traceOf(error)).toContain(`Caused by: java.io.IOException: ${answer}\n`);
      expect(traceOf(error)).not.toContain("fetching");
    });

    // auditsinkfaults-b P3-1: after a redirect the quote is where the failure was: `GET …/orig failed (io):
    // InvalidHTTPResponse` lost the hop (…/moved) the message had named.
    test("an answer that is not valid HTTP after a redirect names the hop it came from, redacted", async () => {
      const invalid = createServer((socket) =>
        socket.on("data", (data) =>
          socket.end(
            String(data).startsWith("GET /orig ")
              ? "HTTP/1.1 302 Found\r\nlocation: /moved?api_key=m0ved\r\ncontent-length: 0\r\n\r\n"
              : "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\nxx\r\n",
          ),
        ),
      );
      await new Promise<void>((resolve) => invalid.listen(0, "127.0.0.1", resolve));
      using _invalid = { [Symbol.dispose]: () => invalid.close() };
      const base = `http://127.0.0.1:${(invalid.address() as { port: number }).port}`;
      const error = await new HttpClient().request({ method: "GET", url: `${base}/orig` }).catch((e) => e);
      expect(error.failure).toBe("io");
      expect(error.message).toBe(
        `GET ${base}/orig failed (io): ${redactUrl(`${base}/moved?api_key=m0ved`)} answered HTTP 200, then a body whose framing is not HTTP/1.1 (InvalidHTTPResponse)`,
      );
      expect(traceOf(error)).not.toContain("m0ved");
    });

    // explore8 L3: a hung endpoint was "no response within the connect timeout of 5000 ms", naming a key the sink does not have.
    test.each([
      [100, 5000, "no response head within http.connect.timeout.ms (100 ms)"],
      [5000, 100, "no response head within http.request.timeout.ms (100 ms)"],
    ])(
      "a timeout names the key that ran out (connect %p ms, request %p ms)",
      async (connectTimeoutMs, requestTimeoutMs, reason) => {
        using server = serve(() => new Promise<Response>(() => undefined));
        const timeoutKeys = { connect: "http.connect.timeout.ms", request: "http.request.timeout.ms" };
        const error = await new HttpClient({ connectTimeoutMs, requestTimeoutMs, timeoutKeys })
          .request({ method: "GET", url: server.url.href })
          .catch((e) => e);
        expect(error.message).toBe(`GET ${server.url.href} timed out: ${reason}`);
      },
    );

    test("a body still arriving at the request timeout is no complete response, by its key", async () => {
      using server = serve(
        () =>
          new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode("partial"));
              },
            }),
          ),
      );
      const error = await new HttpClient({
        connectTimeoutMs: 5000,
        requestTimeoutMs: 200,
        timeoutKeys: { connect: "http.connect.timeout.ms", request: "http.request.timeout.ms" },
      })
        .request({ method: "GET", url: server.url.href })
        .catch((e) => e);
      expect(error.message).toBe(
        `GET ${server.url.href} timed out: no complete response within http.request.timeout.ms (200 ms)`,
      );
    });

    test("the caller's abort rejects with the abort reason at once", async () => {
      using server = serve(() => new Promise<Response>(() => undefined));
      const controller = new AbortController();
      const pending = new HttpClient().request({ method: "GET", url: server.url.href, signal: controller.signal });
      const reason = new Error("stopping");
      controller.abort(reason);
      expect(await pending.catch((e) => e)).toBe(reason);
    });
  });

  describe("over TLS", () => {
    let dir: TempDir;
    let tls: TlsFiles;
    beforeAll(async () => {
      dir = await tempDir();
      tls = await makeTls(dir.path);
    });
    afterAll(() => dir[Symbol.asyncDispose]());

    test("verifies the server against the given CA and fails on an unknown one", async () => {
      using server = serve(() => new Response("secure"), {
        cert: Bun.file(tls.serverCert),
        key: Bun.file(tls.serverKey),
      });
      const url = `https://127.0.0.1:${server.port}/`;
      const trusted = new HttpClient({ tls: { ca: [await Bun.file(tls.caCert).text()], rejectUnauthorized: true } });
      expect(new TextDecoder().decode((await trusted.request({ method: "GET", url })).body)).toBe("secure");
      const error = await new HttpClient({ tls: { rejectUnauthorized: true } })
        .request({ method: "GET", url })
        .catch((e) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(error.failure).toBe("tls");
    });

    // explore17 F4: a certificate for another host read `ERR_TLS_CERT_ALTNAME_INVALID fetching "<url>".:`.
    test.each([
      ["for another host", "wrong-host", "is not for 127.0.0.1 (hostname verification)", true],
      ["expired", "expired", "has expired", true],
      ["self-signed", "self", "is self-signed and not trusted", false],
      ["of an unknown CA", "server", "is not signed by a trusted certificate authority", false],
    ] as const)(
      "a certificate %s fails in words naming the server, no URL in them, no secret",
      async (_case, name, reason, trustCa) => {
        if (name === "wrong-host")
          await issueCert(dir.path, TEST_CA, name, "other.example", { san: "DNS:other.example" });
        if (name === "expired")
          await issueCert(dir.path, TEST_CA, name, "127.0.0.1", {
            san: "IP:127.0.0.1",
            startDate: "20200101000000Z",
            endDate: "20200102000000Z",
          });
        if (name === "self")
          await selfSignedCert(dir.path, name, "127.0.0.1", { extra: ["-addext", "subjectAltName=IP:127.0.0.1"] });
        using server = serve(() => new Response("secure"), {
          cert: Bun.file(dir.file(`${name}.pem`)),
          key: Bun.file(dir.file(`${name}.key`)),
        });
        const ca = trustCa ? [await Bun.file(tls.caCert).text()] : undefined;
        const error = await new HttpClient({ tls: { ...(ca ? { ca } : {}), rejectUnauthorized: true } })
          .request({ method: "GET", url: `https://127.0.0.1:${server.port}/x?token=s3cr3t-value` })
          .catch((e) => e);
        expect(error).toBeInstanceOf(HttpTransportError);
        const because = `the certificate of 127.0.0.1:${server.port} ${reason}`;
        expect(error.message).toBe(`GET https://127.0.0.1:${server.port}/x?token=*** failed (tls): ${because}`);
        const trace = traceOf(error);
        expect(trace).toContain(`Caused by: javax.net.ssl.SSLHandshakeException: ${because}\n`);
        expect(trace).not.toContain("fetching");
        expect(trace).not.toContain("s3cr3t");
      },
    );

    // tlscodes: a chain that broke X.509's rules (PATH_LENGTH_EXCEEDED: no "certificate" in its text) was a
    // java.net.SocketException ("io") with OpenSSL's words only.
    describe("when the server's chain does not verify", () => {
      let pki: InvalidChains;
      beforeAll(async () => {
        await mkdir(dir.file("invalid-chains"));
        pki = await makeInvalidChains(dir.file("invalid-chains"));
      });

      test.each([
        [
          "path-length-exceeded",
          "chain of",
          "is invalid (PATH_LENGTH_EXCEEDED: it is longer than a CA's pathlen allows)",
        ],
        [
          "issuer-not-ca",
          "chain of",
          "is invalid (INVALID_PURPOSE: a certificate in it is not for its use (an issuer without basicConstraints CA:TRUE, or a server certificate whose extendedKeyUsage lacks serverAuth))",
        ],
        [
          "name-constraints-violated",
          "chain of",
          "is invalid (PERMITTED_VIOLATION: a name in it is outside a CA's name constraints)",
        ],
        [
          "unhandled-critical-extension",
          "chain of",
          "is invalid (UNHANDLED_CRITICAL_EXTENSION: a certificate in it has a critical extension the client does not know)",
        ],
        ["tampered-signature", "of", "is not trusted (CERT_SIGNATURE_FAILURE)"],
      ] as const)("%s is a retriable TLS failure naming the server and the rule", async (chain, of, reason) => {
        await using server = await serveChain(pki.chains[chain]);
        const error = await new HttpClient({ tls: { ca: [await Bun.file(pki.root).text()], rejectUnauthorized: true } })
          .request({ method: "GET", url: `https://127.0.0.1:${server.port}/` })
          .catch((e) => e);
        const because = `the certificate ${of} 127.0.0.1:${server.port} ${reason}`;
        expect([error.failure, error.message, isRetriable(error)]).toEqual([
          "tls",
          `GET https://127.0.0.1:${server.port}/ failed (tls): ${because}`,
          true,
        ]);
        expect(traceOf(error)).toContain(`Caused by: javax.net.ssl.SSLHandshakeException: ${because}\n`);
      });
    });

    test("presents the client certificate to an mTLS server", async () => {
      using server = serve(() => new Response("mutual"), {
        cert: Bun.file(tls.serverCert),
        key: Bun.file(tls.serverKey),
        ca: Bun.file(tls.caCert),
        requestCert: true,
        rejectUnauthorized: true,
      });
      const url = `https://127.0.0.1:${server.port}/`;
      const ca = [await Bun.file(tls.caCert).text()];
      const withCert = new HttpClient({
        tls: {
          ca,
          cert: await Bun.file(tls.clientCert).text(),
          key: await Bun.file(tls.clientKey).text(),
          rejectUnauthorized: true,
        },
      });
      expect((await withCert.request({ method: "GET", url })).status).toBe(200);
      const without = await new HttpClient({ tls: { ca, rejectUnauthorized: true } })
        .request({ method: "GET", url })
        .catch((e) => e);
      expect(without).toBeInstanceOf(HttpTransportError);
    });
  });
});

describe("redactUrl", () => {
  test.each([
    ["https://a:b@h/p", "https://***@h/p"],
    ["https://h/p?api_key=1&x=2", "https://h/p?api_key=***&x=2"],
    ["https://h/p?page=2", "https://h/p?page=2"],
    ["https://h/cb?page=2#access_token=s3cret", "https://h/cb?page=2#access_token=***"],
    // An `@` after the authority is no user info: host and path stay.
    ["https://api.example/x?email=a@b.c", "https://api.example/x?email=a@b.c"],
    ["https://h/users/@me", "https://h/users/@me"],
    ["https://a:b@h/p?email=a@b.c", "https://***@h/p?email=a@b.c"],
    ["https://h/p?a=1;token=s3cret", "https://h/p?a=1;token=***"],
    // The other parameters as written beside a hidden one (no form encoding again).
    ["https://h/p?api_key=k&page=2;token=t0k", "https://h/p?api_key=***&page=2;token=***"],
    ["https://h/p?q=a%20b&Api%5FKey=k&x=(1)", "https://h/p?q=a%20b&Api%5FKey=***&x=(1)"],
    ["https://h/p?token=a&token=b", "https://h/p?token=***&token=***"],
    // A URL written in the query: its user info and secret parameters.
    ["https://h/p?next=http://h2/x?token=s3cret", "https://h/p?next=http://h2/x?token=***"],
    ["https://h/p?next=https://u:p@h2/", "https://h/p?next=https://***@h2/"],
    ["https://h/cb?code=c0de&postcode=75001&jsessionid=j", "https://h/cb?code=***&postcode=75001&jsessionid=***"],
    // A user name holding `?` or `#`, read by the parser as host `tok`: the text as written, hidden.
    ["http://tok?en@host/x", "http://***@host/x"],
    ["http://tok#en@host", "http://***@host"],
    ["http://h?e=a@b.c", "http://h/?e=a@b.c"],
    // A value with no host, read as a scheme-less user:password@host.
    ["alice:s3cret@proxy:3128", "***@proxy:3128"],
    ["user:pw#frag@host:1", "***@host:1"],
    ["mailto:a@b.c", "mailto:a@b.c"],
    ["a:b#c", "a:b#c"],
    // One that does not parse (a placeholder port) is one value: a raw space ends no credential in it.
    ["http://u:s3 cret@h:${offset}/x", "http://***@h:${offset}/x"],
    ["http://h:${offset}/a b?token=s3 cret&q=1", "http://h:${offset}/a b?token=***&q=1"],
    ["http://h:${offset}/x?my token=s3cret&q=1", "http://h:${offset}/x?my token=***&q=1"],
    ["http://h:${offset}/x?page=a b", "http://h:${offset}/x?page=a b"],
    // Review mask3: a URL percent-encoded in a parameter, a placeholder port before an `@` in the
    // query, a scheme-less password holding a space, and parameter names.
    ["https://h/p?next=https%3A%2F%2Fu%3As3cret%40h2%2Fx", "https://h/p?next=https%3A%2F%2F***%40h2%2Fx"],
    [
      "https://h/p?redirect=https%3A%2F%2Fh2%2Fcb%3Ftoken%3Ds3cret",
      "https://h/p?redirect=https%3A%2F%2Fh2%2Fcb%3Ftoken%3D***",
    ],
    ["http://h:${offset}/x?email=a@b.c&token=s3cret", "http://h:${offset}/x?email=a@b.c&token=***"],
    ["alice:s3 cret@proxy:3128", "***@proxy:3128"],
    ["https://h/p?author=bob&signal=1&code_verifier=s3cret", "https://h/p?author=bob&signal=1&code_verifier=***"],
    // Review mask3 (2): a user info holding a `${` closing after its `@`; an encoded secret parameter first.
    [
      "http://svc:${s3cret@api.example:${offset}/events?since=${offset}",
      "http://***@api.example:${offset}/events?since=${offset}",
    ],
    ["https://h/p?body=client_secret%3Ds3cret%26a%3D1", "https://h/p?body=client_secret%3D***%26a%3D1"],
    // Task mask4 (1, 2): a scheme-less user:password@host in a query or fragment parameter's value,
    // plain or percent-encoded (shown on main).
    ["https://h/p?proxy=alice:s3cret@proxy:3128&a=1", "https://h/p?proxy=***@proxy:3128&a=1"],
    ["https://h/p#proxy=alice:s3cret@proxy:3128&a=1", "https://h/p#proxy=***@proxy:3128&a=1"],
    ["https://h/p?url=svc%3As3cret%40proxy%3A3128&a=1", "https://h/p?url=***%40proxy%3A3128&a=1"],
    ["http://h:${offset}/x?proxy=alice:s3 cret@proxy:3128", "http://h:${offset}/x?proxy=***@proxy:3128"],
    ["https://h/p?email=a@b.c&at=12:30&x=a:b", "https://h/p?email=a@b.c&at=12:30&x=a:b"],
    // Task mask4 (3): a domain before the user name stays; a path is no domain.
    ["https://h/p?proxy=corp/alice:s3cret@proxy:3128", "https://h/p?proxy=corp/***@proxy:3128"],
    ["https://h/p?path=/api/v1/a:b@c&b=api/v1/a:b@c", "https://h/p?path=/api/v1/a:b@c&b=api/v1/a:b@c"],
    // Review mask4: each element of a list, a quoted one, a domain in a `;` parameter or after a path
    // parameter, a DSN's options after the host; a list's placeholder-only user info stays.
    ["https://h/p?proxies=alice:s3cret@p1:3128,bob:s3cret@p2:3128", "https://h/p?proxies=***@p1:3128,***@p2:3128"],
    ["https://h/p?proxies=alice:s3cret@p1:3128;bob:s3cret@p2:3128", "https://h/p?proxies=***@p1:3128;***@p2:3128"],
    ['https://h/p?q={"proxy":"alice:s3cret@proxy"}', "https://h/p?q={%22proxy%22:%22***@proxy%22}"],
    ["https://h/p?a=1;proxy=corp/alice:s3cret@proxy:3128", "https://h/p?a=1;proxy=corp/***@proxy:3128"],
    ["https://h/p;m=1?proxy=corp/alice:s3cret@proxy:3128", "https://h/p;m=1?proxy=corp/***@proxy:3128"],
    ["https://h/p?db=alice:s3cret@db:5432?sslmode=require", "https://h/p?db=***@db:5432?sslmode=require"],
    ["https://h/p?x=a:b@c?y", "https://h/p?x=***@c?y"],
    ["https://h/p?hosts=k1:9092,${env:U}:${env:P}@k2", "https://h/p?hosts=k1:9092,${env:U}:${env:P}@k2"],
    // Review mask4r2 (P2-1): a list's host:port elements stay when the value holds a percent-escape
    // too, or its `, ` is written `,%20`.
    ["https://h/p?hosts=k1:9092,alice:s3cret@k2:9092,k3%2Dx:9092", "https://h/p?hosts=k1:9092,***@k2:9092,k3%2Dx:9092"],
    ["https://h/p?hosts=[fe80::1%25eth0]:9092,alice:s3cret@k2", "https://h/p?hosts=[fe80::1%25eth0]:9092,***@k2"],
    ["https://h/p?hosts=k1:9092, alice:s3cret@k2", "https://h/p?hosts=k1:9092,%20***@k2"],
    // Over-hiding (README): a search query read as `user:password@host`.
    ["https://h/search?q=label:bug+assignee:bob@corp.com", "https://h/search?q=***@corp.com"],
  ])("%s → %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  // Review mask3 (2): each `${` was read to the end looking for its `}` (quadratic), here in a
  // next-page URL a remote API may send.
  test("a URL holding many `${` never closed", () => {
    expect(redactUrl(`https://api.example/x?a=1;token=${"${".repeat(300_000)}`)).toBe(
      "https://api.example/x?a=1;token=***",
    );
  });
});
