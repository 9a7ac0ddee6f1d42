/**
 * The request log's line (request-log.ts) against what Jetty 12.0.34's
 * CustomRequestLog(EXTENDED_NCSA_FORMAT + " %{ms}T") writes in Connect 4.3.1, over a real listener.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { gatewayLogLine, recordedUserInfo, USER_INFO_CASES } from "../../../test/fixtures/connect-rest/user-info.ts";
import { type Http1Server, startHttp1Server } from "./http1-server.ts";
import { clientAddress, type LoggedRequest, requestLogLine } from "./request-log.ts";

const USER_INFO = await recordedUserInfo();

let server: Http1Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Sends `raw` to a listener answering `[]` (or `answer()`) and resolves the request log's line for it. */
async function lineFor(raw: string | ((host: string) => string), answer?: () => Response): Promise<string> {
  let logged: (line: string) => void = () => {};
  const line = new Promise<string>((resolve) => {
    logged = resolve;
  });
  server = startHttp1Server({
    host: "127.0.0.1",
    port: 0,
    handler: () => answer?.() ?? new Response("[]", { headers: { "Content-Type": "application/json" } }),
    requestLog: (request: LoggedRequest) => logged(requestLogLine(request, request.startedAt)),
  });
  const head = typeof raw === "string" ? raw : raw(`127.0.0.1:${server.port}`);
  const socket = connect({ host: "127.0.0.1", port: server.port }, () => socket.write(Buffer.from(head, "latin1")));
  socket.on("data", () => undefined);
  socket.on("error", () => undefined);
  try {
    return await line;
  } finally {
    socket.destroy();
  }
}

const NCSA_TIME = /\[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\]/;

describe("REST request log line", () => {
  test("an absolute-form target is logged by its path and query", async () => {
    // The listener routes it (authority and Host agree); Jetty's %r writes HttpURI.getPathQuery.
    const line = await lineFor(
      "GET http://127.0.0.1/connectors?expand=status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    expect(line).toContain('"GET /connectors?expand=status HTTP/1.1"');
  });

  // explore25 F4: README says URLs in logs show key-like query values as ***; the request log showed them.
  test("the target's and the Referer's key-like query values are hidden as ***, as in every URL logged", async () => {
    const line = await lineFor(
      "GET /connector-plugins?api_key=S3cret-K&x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nReferer: http://u:pw@h/p?token=T0ken\r\nConnection: close\r\n\r\n",
    );
    expect(line).toContain('"GET /connector-plugins?api_key=***&x=1 HTTP/1.1" 200 2 "http://***@h/p?token=***"');
  });

  test('an absent Referer or User-Agent is "" and quotes in a header are escaped, as Jetty 12 writes them', async () => {
    const line = await lineFor(
      'GET /connectors HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: a" 500 9 "x\\y\r\nConnection: close\r\n\r\n',
    );
    expect(line.replace(NCSA_TIME, "[T]")).toBe(
      '127.0.0.1 - - [T] "GET /connectors HTTP/1.1" 200 2 "" "a\\" 500 9 \\"x\\\\y" 0',
    );
  });

  test("a request line the parser refuses is logged as Jetty 12 logs a bad message: GET /badMessage HTTP/1.0", async () => {
    const line = await lineFor("GE\u0001T /connectors HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ua\r\n\r\n");
    expect(line.replace(NCSA_TIME, "[T]")).toMatch(
      /^127\.0\.0\.1 - - \[T\] "GET \/badMessage HTTP\/1\.0" 400 0 "" "" 0$/,
    );
  });

  test("a head refused after its request line (431) is logged with that line and no header fields", async () => {
    const line = await lineFor(
      `GET /connectors?a=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ua\r\nX-Big: ${"x".repeat(9000)}\r\n\r\n`,
    );
    expect(line.replace(NCSA_TIME, "[T]")).toMatch(
      /^127\.0\.0\.1 - - \[T\] "GET \/connectors\?a=1 HTTP\/1\.1" 431 0 "" "" 0$/,
    );
  });

  // Jetty refuses these in HttpConnection's headerComplete, before it makes the request: its
  // badMessage logs a stand-in with HttpFields.EMPTY, the target as /badURI when it has violations.
  // Regression (opsp3): the router's refusals were logged with the head's Referer and User-Agent.
  // Every line below was checked against Connect 4.3.1's RestServer log for the same raw requests,
  // 0 body bytes included (Jetty does not count the answer to a request it refused).
  test.each([
    ["/connectors/a%2Fb", "Ambiguous URI path separator"],
    ["/connectors/%2e%2e/x", "Ambiguous URI path segment"],
    ["/connectors//x", "Ambiguous URI empty segment"],
  ])("an ambiguous target (%s) is logged as /badURI with no header fields", async (target) => {
    const line = await lineFor(
      `PUT ${target}?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nReferer: http://r/\r\nUser-Agent: ua\r\n\r\n`,
    );
    expect(line.replace(NCSA_TIME, "[T]")).toMatch(/^127\.0\.0\.1 - - \[T\] "PUT \/badURI HTTP\/1\.1" 400 0 "" "" 0$/);
  });

  test.each([
    ["GET http://10.0.0.1/connectors HTTP/1.1", "GET /connectors HTTP/1.1"],
    ["GET http://10.0.0.1/a%2Fb HTTP/1.1", "GET /badURI HTTP/1.1"],
    ["GET connectors HTTP/1.1", "GET connectors HTTP/1.1"],
    ["CONNECT /connectors HTTP/1.1", "GET /badMessage HTTP/1.0"],
    ["GET /connectors/a%00b HTTP/1.1", "GET /badMessage HTTP/1.0"],
    // Refused by the parser (Duplicate Host Header): the target with violations is /badURI all the same.
    ["GET /a%2Fb HTTP/1.1\r\nHost: second", "GET /badURI HTTP/1.1"],
  ])(
    "a target refused before the request is made (%s) is logged with no header fields",
    async (requestLine, logged) => {
      const line = await lineFor(`${requestLine}\r\nHost: 127.0.0.1\r\nReferer: http://r/\r\nUser-Agent: ua\r\n\r\n`);
      expect(line.replace(NCSA_TIME, "[T]")).toMatch(
        new RegExp(`^127\\.0\\.0\\.1 - - \\[T\\] "${RegExp.escape(logged)}" 400 0 "" "" 0$`),
      );
    },
  );

  // Refused (or answered) once the request was made: Jetty logs it as sent, Referer and User-Agent included.
  test.each([
    ["GET *", "GET * HTTP/1.1", '"GET * HTTP/1.1" 400'],
    ["OPTIONS *", "OPTIONS * HTTP/1.1", '"OPTIONS * HTTP/1.1" 404'],
    ["an unknown expectation", "GET /connectors HTTP/1.1\r\nExpect: bogus", '"GET /connectors HTTP/1.1" 417'],
    ["HTTP/2.0", "GET /connectors HTTP/2.0", '"GET /connectors HTTP/2.0" 426'],
  ])("%s is logged with its Referer and User-Agent", async (_, head, logged) => {
    const line = await lineFor(`${head}\r\nHost: 127.0.0.1\r\nReferer: http://r/\r\nUser-Agent: ua\r\n\r\n`);
    expect(line.replace(NCSA_TIME, "[T]")).toBe(`127.0.0.1 - - [T] ${logged} 0 "http://r/" "ua" 0`);
  });

  test("an IPv6 peer is written as Java's getHostAddress, in brackets; a mapped IPv4 one as IPv4", () => {
    expect(clientAddress("::1")).toBe("[0:0:0:0:0:0:0:1]");
    expect(clientAddress("fe80::a:0bc:1")).toBe("[fe80:0:0:0:0:a:bc:1]");
    expect(clientAddress("2001:db8:1:2:3:4:5:6")).toBe("[2001:db8:1:2:3:4:5:6]");
    expect(clientAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1")).toBe("127.0.0.1");
  });
});

// Recorded from Connect 4.3.1 (test/fixtures/connect-rest/record-user-info.sh): a target with user
// info is refused before the request is made and logged as /badURI, so the credentials never are.
describe("REST request log line for user info in the target or the Host field (user-info.json)", () => {
  test.each(USER_INFO_CASES.map((c, i) => [c.id, c.head, USER_INFO[i]!] as const))("%s", async (_, raw, recorded) => {
    // A routed request gets the answer Connect's application gave (the line shows its status and size).
    const status = Number(recorded.statusLine.split(" ")[1]);
    const line = await lineFor(
      (host) => raw.replaceAll("{{host}}", host),
      () => new Response(recorded.body, { status }),
    );
    expect(line.replace(NCSA_TIME, "[{{time}}]").replace(/ \d+$/, " {{ms}}")).toBe(gatewayLogLine(recorded));
    // No authority with user info (credentials) in any line.
    expect(line).not.toMatch(/\/\/[^/ ]*@/);
  });
});
