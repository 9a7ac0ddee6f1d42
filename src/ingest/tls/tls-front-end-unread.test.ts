import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { MAX_WAITING, PIPELINE_DEPTH } from "./response-gate.ts";
import { startTlsFrontEnd, type TlsFrontEnd } from "./tls-front-end.ts";

// A client that sends requests but never reads the answers. Before the response gate and
// write.stall.timeout.ms, all 200 pipelined requests of such a client were handled at once, about
// 115 MB of answers stayed buffered in the gateway, and the connection was never closed. (More
// than MAX_WAITING requests waiting end the connection: tls-front-end-pipeline.test.ts.)

const ANSWER_BYTES = 256 * 1024;
const REQUESTS = MAX_WAITING - 4;

let dir: TempDir;
let pki: DevicePki;

beforeAll(async () => {
  dir = await tempDir("ingest-tls-unread-");
  pki = await makeDevicePki(dir.path);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

interface Served extends TlsFrontEnd, AsyncDisposable {
  /** Requests the handler was called for. */
  readonly handled: () => number;
}

/** A front end whose every answer is ANSWER_BYTES long. */
function frontEnd(extra: Record<string, string>): Served {
  let handled = 0;
  const answer = "x".repeat(ANSWER_BYTES);
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler: async (request) => {
      handled++;
      if (request.body) await request.arrayBuffer();
      return new Response(answer);
    },
    load: () =>
      loadIngestTls({
        "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
        "ingest.listeners.https.ssl.reload.interval.ms": "0",
        ...extra,
      }),
  });
  return Object.assign(fe, { handled: () => handled, [Symbol.asyncDispose]: () => fe.stop() });
}

async function secured(fe: TlsFrontEnd): Promise<TLSSocket & Disposable> {
  const socket = tlsConnect({
    port: fe.port,
    host: "127.0.0.1",
    ca: readFileSync(pki.caCert),
    servername: "localhost",
  });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("close", () => reject(new Error("closed before the handshake completed")));
  });
  return Object.assign(socket, { [Symbol.dispose]: () => socket.destroy() });
}

function closed(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/** Pipelines `count` requests (a POST with a small body every third) without reading anything. */
function pipelineUnread(socket: TLSSocket, count: number): void {
  socket.pause();
  const requests: string[] = [];
  for (let i = 0; i < count; i++)
    requests.push(
      i % 3 === 2
        ? "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
        : `GET /a?n=${i} HTTP/1.1\r\nHost: h\r\n\r\n`,
    );
  socket.write(requests.join(""));
}

describe("TlsFrontEnd with a client that does not read its answers", () => {
  test("handling stops once the answers back up, and the connection is closed after write.stall.timeout.ms", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.write.stall.timeout.ms": "400" });
    using socket = await secured(fe);
    pipelineUnread(socket, REQUESTS);
    await waitFor(() => fe.connectionsClosed.get("write") === 1, { what: "the write deadline" });
    await waitFor(() => fe.connections() === 0, { what: "the connection to be forgotten" });
    // What the kernel's socket buffers took, plus the answers the gate let run: far from all.
    expect(fe.handled()).toBeGreaterThan(0);
    expect(fe.handled()).toBeLessThan(REQUESTS / 2);
    // The client, reading again, gets what was sent before the close, then the close.
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await closed(socket);
    expect(received).toBeLessThan(fe.handled() * (ANSWER_BYTES + 100));
  });

  test("while answers are unread no further request is handled", async () => {
    await using fe = frontEnd({ "ingest.listeners.https.write.stall.timeout.ms": "0" });
    using socket = await secured(fe);
    pipelineUnread(socket, REQUESTS);
    // Stalled: the server's answers stop moving. Then the count of handled requests must not move
    // either (checked over several of the server's turns, while the client still does not read).
    const stalledAt = await waitFor(
      async () => {
        const before = fe.handled();
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        return before > 0 && fe.handled() === before ? before : undefined;
      },
      { what: "handling to stop" },
    );
    expect(stalledAt).toBeLessThan(REQUESTS / 2);
    expect(fe.connectionsClosed.get("write")).toBeUndefined();
    // Reading again lets every request through, answered in order.
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await waitFor(() => fe.handled() === REQUESTS, { what: "every request to be handled" });
    await waitFor(() => received >= REQUESTS * ANSWER_BYTES, { what: "every answer to arrive" });
  });

  test("a client that reads one big answer slowly but steadily is not closed by the write deadline", async () => {
    // 24 MB pending far longer than the deadline: only the progress of the bytes sent (not the
    // buffer draining, which it never does meanwhile) shows the client is reading.
    const size = 24 * 1024 * 1024;
    const big = new Uint8Array(size).fill(120);
    const fe = startTlsFrontEnd({
      host: "127.0.0.1",
      port: 0,
      handler: () => new Response(big),
      load: () =>
        loadIngestTls({
          "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
          "ingest.listeners.https.ssl.reload.interval.ms": "0",
          "ingest.listeners.https.write.stall.timeout.ms": "400",
        }),
    });
    try {
      using socket = await secured(fe);
      let received = 0;
      // A slow reader: one chunk, then nothing for 30 ms (well under the deadline), and again.
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
        socket.pause();
        setTimeout(() => socket.resume(), 30).unref();
      });
      socket.write("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
      await Promise.race([
        closed(socket),
        waitFor(() => received >= size, { what: "the whole answer", timeoutMs: 80_000 }),
      ]);
      expect(fe.connectionsClosed.get("write")).toBeUndefined();
      expect(received).toBeGreaterThanOrEqual(size);
    } finally {
      await fe.stop();
    }
  }, 90_000);

  test(`at most ${PIPELINE_DEPTH} answers of one connection are in progress at a time`, async () => {
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const fe = startTlsFrontEnd({
      host: "127.0.0.1",
      port: 0,
      handler: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return new Response("ok");
      },
      load: () =>
        loadIngestTls({
          "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
          "ingest.listeners.https.ssl.reload.interval.ms": "0",
        }),
    });
    try {
      using socket = await secured(fe);
      let answers = 0;
      socket.on("data", (chunk: Buffer) => {
        answers += chunk.toString("latin1").split("HTTP/1.1 200").length - 1;
      });
      socket.write("GET /a HTTP/1.1\r\nHost: h\r\n\r\n".repeat(10));
      await waitFor(() => release.length === PIPELINE_DEPTH, { what: "the first requests to be handled" });
      await waitFor(
        () => {
          for (const answer of release.splice(0)) answer();
          return answers === 10;
        },
        { what: "every answer" },
      );
      expect(most).toBe(PIPELINE_DEPTH);
    } finally {
      await fe.stop();
    }
  });
});
