import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { answersIn, type TlsClient, tlsClient } from "../../../test/support/tls-client.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { MAX_WAITING, PIPELINE_DEPTH, ResponseGate } from "./response-gate.ts";
import { type ConnectionFetchHandler, startTlsFrontEnd, type TlsFrontEnd } from "./tls-front-end.ts";

// Review of the write-stall change (2026-12-01): pipelined requests and the response gate / the
// connection guard. F1: Bun's node:http resumes the socket on every 'drain', undoing the gate's
// pause (50,011 requests queued in 1 s). F2: one read could queue thousands of requests. F3: one
// phase per connection: the first answer of a pipeline made the connection "idle" while others
// were in progress (closed as idle mid-answer; a CRL reload closed it before answers it had
// handled were sent).
// Re-review (2026-12-01): R1 a revoked connection kept having requests handled while one was in
// flight; R2 after an overflow the socket was resumed (on 'drain', by the lingering close) and
// every request the client sent was still parsed; R3 a client that half-closed lost its answers.
// Wire review (2026-12-02): W1 a request the parser refused behind pipelined ones was answered
// (400) at once and the connection destroyed: the client read the 400 as the first request's answer
// while that request's records were written.

let dir: TempDir;
let pki: DevicePki;

beforeAll(async () => {
  dir = await tempDir("ingest-tls-pipeline-");
  pki = await makeDevicePki(dir.path);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

function frontEnd(handler: ConnectionFetchHandler, extra: Record<string, string> = {}): TlsFrontEnd & AsyncDisposable {
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler,
    load: () =>
      loadIngestTls({
        "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
        "ingest.listeners.https.ssl.truststore.location": pki.caCert,
        "ingest.listeners.https.ssl.client.auth": "requested",
        "ingest.listeners.https.ssl.crl.location": pki.crl,
        "ingest.listeners.https.ssl.reload.interval.ms": "0",
        ...extra,
      }),
  });
  return Object.assign(fe, { [Symbol.asyncDispose]: () => fe.stop() });
}

/** A handler answering `answer-<n>;` for `?n=<n>`, those with `hold(n)` only once released. */
function held(hold: (n: number) => boolean) {
  const handled: number[] = [];
  const release: (() => void)[] = [];
  const handler: ConnectionFetchHandler = async (request) => {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n"));
    handled.push(n);
    if (url.pathname === "/big") return new Response(new Uint8Array(BIG).fill(120));
    if (hold(n)) await new Promise<void>((resolve) => release.push(resolve));
    return new Response(`answer-${n};`);
  };
  const releaseAll = () => {
    for (const r of release.splice(0)) r();
  };
  return { handled, release, releaseAll, handler };
}

const BIG = 8 * 1024 * 1024;

/** Releases every held request as it arrives until the server closes the client's connection. */
async function releasedUntilClosed(h: ReturnType<typeof held>, client: TlsClient): Promise<void> {
  await waitFor(
    async () => {
      h.releaseAll();
      await Promise.race([client.closed, Promise.resolve()]);
      return client.socket.destroyed || undefined;
    },
    { what: "the close", intervalMs: 5 },
  );
}

function requests(from: number, to: number, pad = 0): string {
  let s = "";
  for (let n = from; n < to; n++) s += `GET /a?n=${n} HTTP/1.1\r\nHost: h\r\nX-Pad: ${"p".repeat(pad)}\r\n\r\n`;
  return s;
}

describe("TlsFrontEnd with pipelined requests", () => {
  test("requests sent while answers are in progress stay unread after the socket drained (F1)", async () => {
    const h = held(() => true);
    await using fe = frontEnd(h.handler, { "ingest.listeners.https.write.stall.timeout.ms": "0" });
    using client = await tlsClient(fe.port, pki.caCert);
    // An unread big answer backs the socket up; the requests behind it wait.
    client.socket.pause();
    client.socket.write("GET /big?n=-1 HTTP/1.1\r\nHost: h\r\n\r\n");
    await waitFor(() => h.handled.length === 1, { what: "the big request to be handled" });
    client.socket.write(requests(0, 10));
    // Reading the big answer drains the socket (and Bun's node:http resumes it then) while the
    // gate stays closed: PIPELINE_DEPTH answers are held.
    client.socket.resume();
    await waitFor(() => client.text().length >= BIG, { what: "the big answer" });
    await waitFor(() => h.release.length === PIPELINE_DEPTH, { what: "the gate to be full" });
    // Far more requests than MAX_WAITING, each big enough that one read (512 KiB at most) holds
    // fewer: read while the gate is closed, they would pile up and close the connection.
    const count = 10 + Math.ceil((8 * 1024 * 1024) / 9000);
    client.socket.write(requests(10, count, 9000));
    await Promise.race([
      client.closed,
      waitFor(
        () => {
          h.releaseAll();
          return answersIn(client.text()).length === count;
        },
        // 8.5 MB of requests through TLS both ways in this one process: 2.4 s on a quiet machine,
        // over 20 s on two loaded cores.
        { what: "every answer", intervalMs: 5, timeoutMs: 60_000 },
      ),
    ]);
    expect(fe.connectionsClosed.get("pipeline")).toBeUndefined();
    expect(answersIn(client.text())).toEqual(Array.from({ length: count }, (_, n) => n));
  }, 120_000);

  test(`more than ${MAX_WAITING} requests parsed from one read end the connection after the answers in progress (F2)`, async () => {
    const h = held(() => false);
    await using fe = frontEnd(h.handler);
    using client = await tlsClient(fe.port, pki.caCert);
    client.socket.write(requests(0, 10_000));
    await client.closed;
    expect(fe.connectionsClosed.get("pipeline")).toBe(1);
    // Handled: what the gate let through before the queue overflowed; each of them answered.
    expect(h.handled.length).toBeGreaterThanOrEqual(PIPELINE_DEPTH);
    expect(h.handled.length).toBeLessThan(PIPELINE_DEPTH + MAX_WAITING);
    expect(answersIn(client.text())).toEqual(h.handled);
    await waitFor(() => fe.connections() === 0, { what: "the connection to be forgotten" });
  });

  test("the first answer of a pipeline does not start the idle deadline of the others (F3)", async () => {
    const h = held((n) => n === 1);
    await using fe = frontEnd(h.handler, { "ingest.listeners.https.idle.timeout.ms": "300" });
    using client = await tlsClient(fe.port, pki.caCert);
    client.socket.write(requests(0, 2));
    await waitFor(() => answersIn(client.text()).length === 1 && h.release.length === 1, { what: "answer 0" });
    // An idle connection opened after answer 0 was sent: once the idle deadline closed it, the
    // deadline of an "idle" first connection (which started earlier) would have passed as well.
    using idle = await tlsClient(fe.port, pki.caCert);
    await idle.closed;
    expect(fe.connectionsClosed.get("idle")).toBe(1);
    h.releaseAll();
    await waitFor(() => answersIn(client.text()).length === 2, { what: "answer 1" });
    expect(answersIn(client.text())).toEqual([0, 1]);
    expect(client.socket.destroyed).toBe(false);
  });

  for (const [count, what] of [
    [2, "after the first answer, the second in progress"],
    [6, `while ${PIPELINE_DEPTH} are in progress`],
  ] as const) {
    test(`a CRL reload ${what} closes the connection only after every handled request is answered (F3)`, async () => {
      const h = held((n) => count === 6 || n === 1);
      await using fe = frontEnd(h.handler);
      const cert = await pki.issue(`reload-${count}`, `device-reload-${count}`);
      using client = await tlsClient(fe.port, pki.caCert, cert);
      client.socket.write(requests(0, count));
      if (count === 2)
        await waitFor(() => answersIn(client.text()).length === 1 && h.release.length === 1, { what: "answer 0" });
      else await waitFor(() => h.release.length === PIPELINE_DEPTH, { what: "the gate to be full" });
      await pki.revoke(cert);
      expect(fe.reloadIfChanged()).toBe(true);
      await releasedUntilClosed(h, client);
      await client.closed;
      expect(h.handled.length).toBeGreaterThan(0);
      expect(answersIn(client.text())).toEqual(h.handled);
      await waitFor(() => fe.connections() === 0, { what: "the connection to be forgotten" });
    });
  }

  test("after a CRL reload revokes its certificate, no further request of the connection is handled (R1)", async () => {
    const h = held(() => true);
    await using fe = frontEnd(h.handler);
    const cert = await pki.issue("revoked-busy", "device-revoked-busy");
    using client = await tlsClient(fe.port, pki.caCert, cert);
    client.socket.write(requests(0, PIPELINE_DEPTH + 2)); // the last two wait in the gate
    await waitFor(() => h.release.length === PIPELINE_DEPTH, { what: "the gate to be full" });
    await pki.revoke(cert);
    expect(fe.reloadIfChanged()).toBe(true);
    client.socket.write(requests(PIPELINE_DEPTH + 2, PIPELINE_DEPTH + 10)); // sent after the reload
    await releasedUntilClosed(h, client);
    const inProgress = Array.from({ length: PIPELINE_DEPTH }, (_, n) => n);
    expect(h.handled).toEqual(inProgress);
    expect(answersIn(client.text())).toEqual(inProgress);
  });

  test("after an overflow the connection parses no further request, while its answers are written and when it closes (R2)", async () => {
    const admitted = spyOn(ResponseGate.prototype, "admit");
    try {
      const h = held(() => true);
      const big = new Uint8Array(1024 * 1024).fill(120);
      const handler: ConnectionFetchHandler = async (request, connection) => {
        const answer = await h.handler(request, connection);
        return new Response(new Blob([big, await answer.arrayBuffer()])); // drains the socket, so Bun resumes it
      };
      await using fe = frontEnd(handler);
      using client = await tlsClient(fe.port, pki.caCert);
      client.socket.write(requests(0, 1_000)); // overflows the gate, 4 answers in progress
      await waitFor(() => h.release.length === PIPELINE_DEPTH, { what: "the gate to be full" });
      const sent = 100_000;
      client.socket.write(requests(1_000, 1_000 + sent)); // ~4 MB
      h.releaseAll();
      await client.closed;
      expect(fe.connectionsClosed.get("pipeline")).toBe(1);
      expect(answersIn(client.text())).toEqual(h.handled);
      // What one read (512 KiB at most, ~14,000 of these requests) held at most; not the flood.
      expect(admitted.mock.calls.length).toBeLessThan(1_000 + 20_000);
    } finally {
      admitted.mockRestore();
    }
  });

  for (const count of [1, PIPELINE_DEPTH + 6])
    test(`a client that half-closes after ${count} pipelined requests gets every answer, then the end (R3)`, async () => {
      const h = held(() => true);
      await using fe = frontEnd(h.handler);
      using client = await tlsClient(fe.port, pki.caCert);
      await new Promise<void>((resolve) => client.socket.end(requests(0, count), resolve));
      await waitFor(() => h.release.length === Math.min(count, PIPELINE_DEPTH), { what: "the first requests" });
      await waitFor(
        () => {
          h.releaseAll();
          return answersIn(client.text()).length === count;
        },
        { what: "every answer", intervalMs: 5 },
      );
      await client.closed;
      expect(answersIn(client.text())).toEqual(Array.from({ length: count }, (_, n) => n));
    });

  for (const [what, bad, status] of [
    ["a malformed request line", "GARBAGE\r\n\r\n", "400 Bad Request"],
    [
      "Content-Length with Transfer-Encoding",
      "POST /a?n=99 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "400 Bad Request",
    ],
    [
      "headers over the limit",
      `GET /a?n=99 HTTP/1.1\r\nHost: h\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
      "431 Request Header Fields Too Large",
    ],
  ] as const)
    test(`${what} behind pipelined requests is answered after their answers, in order (W1)`, async () => {
      const h = held(() => true);
      await using fe = frontEnd(h.handler);
      using client = await tlsClient(fe.port, pki.caCert);
      const count = PIPELINE_DEPTH + 2; // the last two wait in the gate
      client.socket.write(requests(0, count) + bad);
      await waitFor(() => h.release.length === PIPELINE_DEPTH, { what: "the gate to be full" });
      await releasedUntilClosed(h, client);
      const expected = Array.from({ length: count }, (_, n) => n);
      expect(h.handled).toEqual(expected);
      expect(answersIn(client.text())).toEqual(expected);
      const text = client.text();
      expect(text.slice(text.lastIndexOf("HTTP/1.1 "))).toBe(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    });

  // Review of sechunt (2026-12-07), P1: after the bridge's framing 400 (fetch-bridge.ts) the requests
  // pipelined behind it were handled (their records written) but never answered.
  for (const [what, bad, message] of [
    [
      "a Transfer-Encoding other than chunked",
      "POST /a?n=99 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
      "The only Transfer-Encoding accepted is chunked",
    ],
    ["two Host lines", "GET /a?n=99 HTTP/1.1\r\nHost: h\r\nHost: other\r\n\r\n", "A request must have one Host header"],
    ["no Host", "GET /a?n=99 HTTP/1.1\r\n\r\n", "An HTTP/1.1 request must have a Host header"],
    [
      "an unsafe Host",
      "GET /a?n=99 HTTP/1.1\r\nHost: h/evil?\r\n\r\n",
      "The Host header must be a host name or address with an optional port",
    ],
  ] as const)
    for (const before of [0, PIPELINE_DEPTH + 2])
      test(`${what} after ${before} pipelined requests: those answered in order, the 400 last, none after it handled`, async () => {
        const h = held(() => true);
        await using fe = frontEnd(h.handler);
        using client = await tlsClient(fe.port, pki.caCert);
        client.socket.write(requests(0, before) + bad + requests(100, 104));
        await releasedUntilClosed(h, client);
        const expected = Array.from({ length: before }, (_, n) => n);
        expect(h.handled).toEqual(expected);
        expect(answersIn(client.text())).toEqual(expected);
        const text = client.text();
        const last = text.slice(text.lastIndexOf("HTTP/1.1 400 "));
        expect(last).toStartWith("HTTP/1.1 400 Bad Request\r\n");
        // The last answer of the connection says so (review of sechunt, third: keep-alive when
        // requests parsed after it were waiting, and dropped).
        expect(last.slice(0, last.indexOf("\r\n\r\n"))).toMatch(/\r\nconnection: close\r\n/i);
        expect(last).toContain(`\r\n${JSON.stringify({ error_code: 400, message })}\r\n0\r\n\r\n`);
        expect(last).toEndWith("\r\n0\r\n\r\n");
      });

  test("a request the parser refuses with nothing in progress is answered at once (W1)", async () => {
    const h = held(() => false);
    await using fe = frontEnd(h.handler);
    using client = await tlsClient(fe.port, pki.caCert);
    client.socket.write("GARBAGE\r\n\r\n");
    await client.closed;
    expect(client.text()).toBe("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    expect(h.handled).toEqual([]);
  });

  test("a bad chunk in the body of the request being handled is 400 at once, and its body read fails (W1)", async () => {
    const failures: unknown[] = [];
    const handler: ConnectionFetchHandler = (request) =>
      request.arrayBuffer().then(
        () => new Response("read"),
        (error) => new Response(String(failures.push(error))),
      );
    await using fe = frontEnd(handler);
    using client = await tlsClient(fe.port, pki.caCert);
    client.socket.write("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n");
    await client.closed;
    expect(client.text()).toBe("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    await waitFor(() => failures.length === 1, { what: "the body read to fail" });
  });
});
