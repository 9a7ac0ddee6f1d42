/**
 * Issue 8 point 9: the REST listeners' own HTTP/1.1 front end on the real binary (GATEWAY_BIN) or
 * the sources, spoken to over raw TCP and TLS sockets: keep-alive, pipelining, chunked bodies,
 * `Expect: 100-continue`, HTTP/1.0, and on https with ssl.client.auth=required the same answers
 * (Connect's, recorded in test/fixtures/connect-rest, compared in connect-rest-recorded.test.ts)
 * to a lower-case method and a control character as on http.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import {
  CONNECTION_CLOSE_CASES,
  type ConnectionCloseRecording,
  NEXT,
  recordedConnectionClose,
} from "./fixtures/connect-rest/connection-close.ts";
import { LISTENER_CORNER_CASES, recordedListenerCorners } from "./fixtures/connect-rest/listener-corners.ts";
import { gatewayLogLine, recordedUserInfo, USER_INFO_CASES } from "./fixtures/connect-rest/user-info.ts";
import { type HttpsGateway, startHttpsGateway } from "./support/https-gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface Answer {
  readonly status: number;
  readonly statusLine: string;
  /** The header fields as sent, in order. */
  readonly fields: readonly string[];
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A raw client connection that splits what arrives into complete answers, in order. */
class RawConnection {
  private data = Buffer.alloc(0);
  private closed = false;
  private gaveUp = false;
  private wake: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake?.();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.wake?.();
    });
  }

  send(text: string): void {
    this.socket.write(Buffer.from(text, "latin1"));
  }

  /** Waits until `take` finds something in the received bytes (or the connection closed). */
  private async until<T>(take: () => T | undefined): Promise<T | undefined> {
    for (;;) {
      const found = take();
      if (found !== undefined || this.closed) return found;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** The next complete answer (a 1xx interim answer counts as one); `headOnly`: a HEAD's, no body. */
  async next(headOnly = false): Promise<Answer> {
    const answer = await this.until(() => this.take(headOnly));
    if (!answer) throw new Error(`connection closed; left: ${JSON.stringify(this.data.toString("latin1"))}`);
    return answer;
  }

  /** Every byte received and not yet taken as an answer (latin1). */
  received(): string {
    return this.data.toString("latin1");
  }

  /**
   * Which side closed the connection: the server, or this client once `boundMs` passed without a
   * close (only a failure waits that long: the bound is a failure bound, not a timing).
   */
  async closedBy(boundMs: number): Promise<"listener" | "sender"> {
    const timer = setTimeout(() => {
      this.gaveUp = true;
      this.socket.destroy();
    }, boundMs);
    await this.until(() => (this.closed ? true : undefined));
    clearTimeout(timer);
    return this.gaveUp ? "sender" : "listener";
  }

  /** Resolves true once the server has closed the connection. */
  async closedByServer(): Promise<boolean> {
    await this.until(() => (this.closed ? true : undefined));
    return this.closed;
  }

  private take(headOnly: boolean): Answer | undefined {
    const headEnd = this.data.indexOf("\r\n\r\n");
    if (headEnd < 0) return undefined;
    const lines = this.data.subarray(0, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(lines[0]!.split(" ")[1]);
    let at = headEnd + 4;
    let body = Buffer.alloc(0);
    if (headOnly) {
      // A HEAD's answer ends with its head.
    } else if (headers["transfer-encoding"] === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const eol = this.data.indexOf("\r\n", at);
        if (eol < 0) return undefined;
        const size = Number.parseInt(this.data.subarray(at, eol).toString("latin1"), 16);
        if (this.data.length < eol + 2 + size + 2) return undefined;
        parts.push(this.data.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (this.data.length < at + length) return undefined;
      body = this.data.subarray(at, at + length);
      at += length;
    }
    this.data = this.data.subarray(at);
    return { status, statusLine: lines[0]!, fields: lines.slice(1), headers, body: body.toString("utf8") };
  }
}

function plain(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connectTcp({ host: hostname, port: Number(port) }, () => resolve(new RawConnection(socket)));
  });
}

const USER_INFO = await recordedUserInfo();

const CONNECTION_CLOSE = await recordedConnectionClose();

const LISTENER_CORNERS = await recordedListenerCorners();

/**
 * How long the listener-corner replay waits for the gateway to close a connection Connect closed
 * (a refusal, or `Connection: close`) before it gives up and closes it itself: well under the
 * listener's idle timeout (120 s), so a listener that answers and then waits fails instead of
 * passing once that timeout closes the connection. A passing case closes in milliseconds.
 */
const CLOSE_BOUND_MS = 5_000;

const JETTY_405 = '{"error_code":405,"message":"HTTP 405 Method Not Allowed"}';

const suite = suiteGateway({ "rest.request.body.max.bytes": "4096" });

/** The REST request-log lines the gateway wrote after `from` (an index into its output). */
function requestLines(from: number): string[] {
  return suite.gw
    .output()
    .slice(from)
    .split("\n")
    .flatMap(
      (l) => /^\[[^\]]+\] INFO (.*) \(org\.apache\.kafka\.connect\.runtime\.rest\.RestServer\)$/.exec(l)?.[1] ?? [],
    );
}

/** Waits until the lines of earlier tests' requests are written (a sentinel request's is). */
async function earlierRequestsLogged(): Promise<void> {
  const sentinel = `sentinel-${Date.now()}`;
  await fetch(`${suite.gw.url}/connectors`, { headers: { "User-Agent": sentinel } });
  await waitFor(() => suite.gw.output().includes(sentinel), { what: "the sentinel's line" });
}

describe("the REST listener's HTTP/1.1", () => {
  test("keeps the connection for the next request and answers pipelined requests in order", async () => {
    const c = await plain(suite.gw.url);
    c.send("GET /connectors HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await c.next()).toMatchObject({ status: 200, body: "[]" });
    c.send(
      "GET /nope HTTP/1.1\r\nHost: h\r\n\r\nget /connectors HTTP/1.1\r\nHost: h\r\n\r\nGET /connectors/x/status HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    );
    expect((await c.next()).status).toBe(404);
    expect(await c.next()).toMatchObject({ status: 405, body: JETTY_405 });
    const last = await c.next();
    expect([last.status, last.headers.connection]).toEqual([404, "close"]);
    expect(await c.closedByServer()).toBe(true);
  });

  test("reads a chunked body (extensions, trailers) and keeps the connection", async () => {
    const c = await plain(suite.gw.url);
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("chunked");
    const config = JSON.stringify({
      "connector.class": "FileStreamSink",
      topics: "t",
      file: suite.dir.file("chunked.txt"),
    });
    const half = Math.floor(config.length / 2);
    c.send(
      `PUT /connectors/${name}/config HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${half.toString(16)};x=y\r\n${config.slice(0, half)}\r\n`,
    );
    c.send(`${(config.length - half).toString(16)}\r\n${config.slice(half)}\r\n0\r\nX-Trailer: 1\r\n\r\n`);
    const created = await c.next();
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body).name).toBe(name);
    c.send(`DELETE /connectors/${name} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    expect((await c.next()).status).toBe(204);
  });

  test("Expect: 100-continue gets 100 Continue when the body is wanted, and a 413 without it when too large", async () => {
    const c = await plain(suite.gw.url);
    const body = JSON.stringify({ "connector.class": "FileStreamSink", topics: "t" });
    c.send(
      `PUT /connector-plugins/FileStreamSink/config/validate HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect((await c.next()).status).toBe(100);
    c.send(body);
    const validated = await c.next();
    expect([validated.status, JSON.parse(validated.body).name]).toEqual([200, "FileStreamSink"]);

    const big = await plain(suite.gw.url);
    big.send(
      "POST /connectors HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 50000\r\nExpect: 100-continue\r\n\r\n",
    );
    const refused = await big.next();
    expect([refused.status, JSON.parse(refused.body).error_code]).toEqual([413, 413]);
    expect(await big.closedByServer()).toBe(true);
  });

  test("answers HTTP/1.0 and closes unless asked to keep alive", async () => {
    const once = await plain(suite.gw.url);
    once.send("GET /connectors HTTP/1.0\r\n\r\n");
    expect(await once.next()).toMatchObject({ status: 200, body: "[]" });
    expect(await once.closedByServer()).toBe(true);
    const kept = await plain(suite.gw.url);
    kept.send("GET /connectors HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect((await kept.next()).headers.connection).toBe("keep-alive");
    kept.send("GET /nope HTTP/1.0\r\n\r\n");
    expect((await kept.next()).status).toBe(404);
  });

  test("a malformed request is answered and the connection closed, the listener keeps serving", async () => {
    const c = await plain(suite.gw.url);
    c.send("GET /connectors\u0001 HTTP/1.1\r\nHost: h\r\n\r\n");
    const answer = await c.next();
    expect([answer.status, answer.headers["content-type"]]).toEqual([400, "text/html;charset=iso-8859-1"]);
    expect(answer.body).toContain("<title>Error 400 Illegal character CNTL=0x1</title>");
    expect(await c.closedByServer()).toBe(true);
    expect((await suite.gw.rest.get("/connectors")).status).toBe(200);
  });
});

describe("user info in the target or the Host field (Connect's answers recorded in user-info.json)", () => {
  // Jetty 12.0.12+ refuses user info in the target (Deprecated User Info) before Authority!=Host and
  // logs it as /badURI; a Host that HostPort does not parse is Bad HostPort. Date and Server
  // (Connect's Jetty version) differ by design.
  test("the same status line, fields in order, page and request-log line as Connect 4.3.1; no password in the log", async () => {
    const { host } = new URL(suite.gw.url);
    await earlierRequestsLogged();
    const mark = suite.gw.output().length;
    const answers = [];
    const recordings = [];
    const logged: string[] = [];
    for (const [i, { id, head }] of USER_INFO_CASES.entries()) {
      const recorded = USER_INFO[i]!;
      const before = suite.gw.output().length;
      // One answer each; CONNECT's connection stays open, as Connect keeps it.
      const c = await plain(suite.gw.url);
      c.send(head.replaceAll("{{host}}", host));
      const { statusLine, fields, body: answered } = await c.next();
      c.socket.destroy();
      answers.push({ id, statusLine, fields: fields.filter((f) => !f.startsWith("Date:")), body: answered });
      const line = await waitFor(() => requestLines(before)[0], { what: `${id}'s request-log line` });
      logged.push(line.replace(/\[[^\]]+\]/, "[{{time}}]").replace(/ \d+$/, " {{ms}}"));
      const body = recorded.body.replaceAll("{{host}}", host);
      const length = String(Buffer.byteLength(body, "latin1"));
      const expected = recorded.headers
        .filter(([name]) => name !== "Server")
        .map(([name, value]) => `${name}: ${value === "{{length}}" ? length : value}`);
      recordings.push({ id, statusLine: recorded.statusLine, fields: expected, body });
    }
    expect(answers).toEqual(recordings);
    expect(logged).toEqual(USER_INFO.map(gatewayLogLine));
    expect(requestLines(mark)).toHaveLength(USER_INFO.length);
    // No authority with user info (credentials) anywhere in the log; `?x=user:pass@h` is a query.
    expect(suite.gw.output().slice(mark)).not.toMatch(/\/\/[^/\s"]*@/);
  });
});

describe("the Connection field and the connection after an answer (Connect's recorded in connection-close.json)", () => {
  // Jetty says `Connection: close` to an HTTP/1.1 request only and `keep-alive` to an HTTP/1.0 one
  // only; CONNECT keeps the connection whatever it asked. Date and Server differ by design.
  test("the same status line, fields in order, body and request-log line as Connect 4.3.1, and the connection kept or closed as Connect does", async () => {
    const { host } = new URL(suite.gw.url);
    await earlierRequestsLogged();
    const answers: ConnectionCloseRecording[] = [];
    for (const { id, head } of CONNECTION_CLOSE_CASES) {
      const before = suite.gw.output().length;
      const c = await plain(suite.gw.url);
      c.send(head.replaceAll("{{host}}", host));
      const answer = await c.next(head.startsWith("HEAD "));
      // Sent once the answer is in: a connection the server keeps answers it, one it closes does not.
      c.send(NEXT.replaceAll("{{host}}", host));
      const after = await c.next().then(
        () => "answered" as const,
        () => "closed" as const,
      );
      c.socket.destroy();
      // Both lines when the second request was answered, so none is left for the next case.
      const lines = await waitFor(
        () => requestLines(before).length >= (after === "answered" ? 2 : 1) && requestLines(before),
        {
          what: `${id}'s request-log line`,
        },
      );
      const line = lines[0]!;
      answers.push({
        id,
        statusLine: answer.statusLine,
        headers: answer.fields
          .map((f) => [f.slice(0, f.indexOf(":")), f.slice(f.indexOf(":") + 1).trim()] as const)
          .filter(([name]) => name !== "Date")
          .map(([name, value]) => [name, name === "Content-Length" ? "{{length}}" : value] as const),
        body: answer.body.replaceAll(host, "{{host}}"),
        log: line.replace(/\[[^\]]+\]/, "[{{time}}]").replace(/ \d+$/, " {{ms}}"),
        after,
      });
    }
    const recorded = CONNECTION_CLOSE.map((r) => ({ ...r, headers: r.headers.filter(([name]) => name !== "Server") }));
    expect(answers).toEqual(recorded);
  });
});

describe("the listener's corners (Connect's answers recorded in listener-corners.json)", () => {
  // An absolute form's authority against Host (a default port is compared as sent, left out of the
  // page), HEAD refused before routing (the page unless refused once made), and a Host's errors in
  // field order. Every byte until the close; Date and Server differ by design.
  test("the same bytes until the close and request-log line as Connect 4.3.1", async () => {
    await earlierRequestsLogged();
    const answers: { id: string; answer: string; closedBy: "listener" | "sender"; log: string }[] = [];
    for (const [i, { id, head }] of LISTENER_CORNER_CASES.entries()) {
      const before = suite.gw.output().length;
      const c = await plain(suite.gw.url);
      c.send(head);
      // Connect closed every one of these connections itself (the recorder waits for its close).
      const closedBy = await c.closedBy(CLOSE_BOUND_MS);
      const answer = c.received().replaceAll(/\r\nDate: [^\r]*/g, "");
      if (closedBy === "sender") {
        // The first case the gateway left open fails the comparison below, without waiting on every later one.
        answers.push({ id, answer, closedBy, log: "" });
        break;
      }
      // A line per answer: two where a pipelined request was answered too.
      const count = LISTENER_CORNERS[i]!.log.split("\n").length;
      const lines = await waitFor(() => (requestLines(before).length >= count ? requestLines(before) : undefined), {
        what: `${id}'s ${count} request-log lines`,
      });
      const log = lines.map((l) => l.replace(/\[[^\]]+\]/, "[{{time}}]").replace(/ \d+$/, " {{ms}}")).join("\n");
      answers.push({ id, answer, closedBy, log });
    }
    expect(answers).toEqual(
      LISTENER_CORNERS.map((r) => ({
        id: r.id,
        answer: r.answer.replaceAll(/\r\nServer: [^\r]*/g, ""),
        closedBy: "listener",
        log: r.log,
      })),
    );
  });
});

describe("the https REST listener with ssl.client.auth=required", () => {
  let secure: HttpsGateway;
  let tlsDir: TempDir;

  beforeAll(async () => {
    tlsDir = await tempDir();
    secure = await startHttpsGateway(tlsDir.path, suite.kafka.bootstrap, { clientAuth: "required" });
  });

  afterAll(async () => {
    await secure?.gw.stop();
    await tlsDir?.[Symbol.asyncDispose]();
  });

  function secureConnection(withCertificate: boolean): Promise<RawConnection | Error> {
    const { hostname, port } = new URL(secure.gw.url);
    const { ca, cert, key } = secure.pem;
    return new Promise((resolve) => {
      const socket = connectTls(
        { host: hostname, port: Number(port), ca, ...(withCertificate ? { cert, key } : {}) },
        () => resolve(new RawConnection(socket)),
      );
      socket.on("error", (error) => resolve(error));
    });
  }

  test("serves keep-alive requests and Connect's answers to malformed ones over TLS", async () => {
    const c = await secureConnection(true);
    if (c instanceof Error) throw c;
    c.send("GET /connectors HTTP/1.1\r\nHost: h\r\n\r\nget /connectors HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await c.next()).toMatchObject({ status: 200, body: "[]" });
    expect(await c.next()).toMatchObject({ status: 405, body: JETTY_405 });
    c.send("GET /connectors/%2e%2e HTTP/1.1\r\nHost: h\r\n\r\n");
    const ambiguous = await c.next();
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toContain("<tr><th>MESSAGE:</th><td>Ambiguous URI path segment</td></tr>");
  });

  test("a client without a certificate gets no HTTP at all", async () => {
    const c = await secureConnection(false);
    if (c instanceof Error) {
      expect(c).toBeInstanceOf(Error);
      return;
    }
    c.send("GET /connectors HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(await c.closedByServer()).toBe(true);
    await expect(c.next()).rejects.toThrow("connection closed");
  });
});

describe("the https REST listener with ssl.client.auth=requested", () => {
  test("admits clients with and without a certificate", async () => {
    await using tlsDir = await tempDir();
    await using secure = await startHttpsGateway(tlsDir.path, suite.kafka.bootstrap, { clientAuth: "requested" });
    const { ca, cert, key } = secure.pem;
    expect((await fetch(`${secure.gw.url}/connectors`, { tls: { ca } })).status).toBe(200);
    expect((await fetch(`${secure.gw.url}/connectors`, { tls: { ca, cert, key } })).status).toBe(200);
  });
});
