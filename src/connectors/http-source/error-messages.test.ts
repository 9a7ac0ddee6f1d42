/**
 * The HTTP source's messages for the failures an operator must act on (review P3): each says what
 * failed and where (the request, its URL without credentials or secret query values), once. A
 * transport failure no longer repeats the request inside its reason; a records path that finds
 * nothing to select and an offset field that gives no value were silent.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rawEndpoint } from "../../../test/support/raw-endpoint.ts";
import { refusingProxy, withHttpsProxy } from "../../../test/support/refusing-proxy.ts";
import { api, startTask } from "./test-support.ts";

let flaky = 0;
const server = api((_req, url) => {
  if (url.pathname === "/down") return new Response("maintenance", { status: 503 });
  // An error document twice, records once, then an error document and records by turns.
  if (url.pathname === "/flaky")
    return Response.json(
      ++flaky === 3 || (flaky > 4 && flaky % 2 === 0) ? { items: [{ id: 3 }] } : { error: "maintenance" },
    );
  if (url.pathname === "/null") return Response.json({ items: null });
  if (url.pathname === "/scalar")
    return new Response(`{"items": ${url.searchParams.get("n") ? "12345678901234567890" : '"none"'}}`);
  if (url.pathname === "/slashed")
    return Response.json({
      items: [
        { id: 1, ts: "2024-01-01T00:00:00Z" },
        { id: 2, ts: "31/12/2024" },
      ],
    });
  // A paginated API whose last page is empty: each poll starts the first page's episode again.
  if (url.pathname === "/paged")
    return url.searchParams.get("page") === "2"
      ? Response.json({ items: [] })
      : Response.json({ items: [{ id: 1, ts: "n/a" }] }, { headers: { Link: `</paged?page=2>; rel="next"` } });
  if (url.pathname === "/no-cursor") return Response.json({ items: [{ id: 1 }, { id: 2, next: "c2" }, { id: 3 }] });
  return Response.json({ items: [] });
});
afterAll(() => server.stop(true));

const warnings = (logs: string[]) =>
  logs
    .filter((l) => l.includes(" WARN "))
    .map((l) => l.replace(/^\[[^\]]*\] WARN \[test-source\|task-0\] /, "").replace(/ \(io\.confluent\.[\w.]+\)$/, ""));
const signal = new AbortController().signal;

describe("HttpSourceTask error messages", () => {
  test("connection refused: the request once, then the reason in words", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const h = await startTask({
      "http.url": `http://user:pw@127.0.0.1:${port}/events?api_key=s3cr3t`,
      "http.retry.max.attempts": "2",
      "http.retry.backoff.ms": "1",
    });
    const error = await h.task.poll(signal).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `GET http://***@127.0.0.1:${port}/events?api_key=*** failed after 2 attempts: connection refused or host unreachable (ECONNREFUSED: Unable to connect)`,
    );
    h.task.stop();
  });

  // p3sink-b 4: it read "failed after 2 attempts: the connection failed (127.0.0.1:… answered with something that
  // is not HTTP/1.1 (…))", though the server had answered.
  test.each([
    [
      "no HTTP server (an SSH banner)",
      "SSH-2.0-OpenSSH_9.6\r\n",
      (hp: string) => `${hp} answered with something that is not HTTP/1.1 (Malformed_HTTP_Response)`,
    ],
    [
      "a chunked body whose framing is broken",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\nxx\r\n",
      (hp: string) => `${hp} answered HTTP 200, then a body whose framing is not HTTP/1.1 (InvalidHTTPResponse)`,
    ],
    [
      "a body cut off after its headers",
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
      () =>
        "the server sent its response headers (HTTP 200) but not its body (ECONNRESET: The socket connection was closed unexpectedly.)",
    ],
  ])(
    "a server that answers %s: the reason says what it answered, not that the connection failed",
    async (_, answer, reason) => {
      await using endpoint = rawEndpoint(answer);
      const h = await startTask({
        "http.url": endpoint.url("/events"),
        "http.retry.max.attempts": "2",
        "http.retry.backoff.ms": "1",
      });
      const error = await h.task.poll(signal).catch((e: unknown) => e as Error);
      expect((error as Error).message).toBe(
        `GET ${endpoint.url("/events")} failed after 2 attempts: ${reason(`127.0.0.1:${endpoint.port}`)}`,
      );
      h.task.stop();
    },
  );

  test("a 5xx after the retries says how many attempts it took", async () => {
    const h = await startTask({
      "http.url": `${server.base}/down?api_key=s3cr3t`,
      "http.retry.max.attempts": "3",
      "http.retry.backoff.ms": "1",
    });
    const error = await h.task.poll(signal).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `HTTP 503 from GET ${server.base}/down?api_key=*** after 3 attempts: maintenance (behavior.on.error=fail)`,
    );
    h.task.stop();
  });

  // p3sinkc 5: a proxy's refusal to open a tunnel read "connection refused or host unreachable (Proxy refused …)".
  test("a proxy that refuses the tunnel: its refusal and status, not a refused connection", async () => {
    await using proxy = await refusingProxy(502, "Bad Gateway");
    const error = await withHttpsProxy(proxy.url, async () => {
      const h = await startTask({ "http.url": "https://127.0.0.1:9/events", "http.retry.max.attempts": "1" });
      try {
        return await h.task.poll(signal).catch((e: unknown) => e as Error);
      } finally {
        h.task.stop();
      }
    });
    expect((error as Error).message).toBe(
      "GET https://127.0.0.1:9/events failed after 1 attempt: the proxy refused to open a tunnel to 127.0.0.1:9 (HTTP 502) (ERR_PROXY_TUNNEL)",
    );
  });

  test("http.url from a config provider: the failure and the log show its origin and /… only, however it fails", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const cases = [
      [
        `${server.base}/down?hook=s3cretPathSegment`,
        `HTTP 503 from GET ${server.base}/… after 2 attempts: maintenance`,
      ],
      [
        `http://127.0.0.1:${port}/events/s3cretPathSegment`,
        `GET http://127.0.0.1:${port}/… failed after 2 attempts: connection refused or host unreachable`,
      ],
    ] as const;
    for (const [url, shown] of cases) {
      const h = await startTask(
        { "http.url": url, "http.retry.max.attempts": "2", "http.retry.backoff.ms": "1" },
        { providedKeys: new Set(["http.url"]) },
      );
      const error = await h.task.poll(signal).catch((e: unknown) => e as Error);
      expect((error as Error).message).toStartWith(shown);
      expect(`${(error as Error).stack}\n${h.logs.join("\n")}`).not.toContain("s3cretPathSegment");
      h.task.stop();
    }
  });

  test("http.oauth2.token.url from a config provider: token errors and the log show its origin and /… only", async () => {
    const tokens = api(() =>
      Response.json(
        { error: "invalid_client", error_description: "no client at /tenants/s3cretTenantSegment/token" },
        { status: 400 },
      ),
    );
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const cases = [
      [
        `${tokens.base}/tenants/s3cretTenantSegment/token`,
        `the OAuth2 token endpoint ${tokens.base}/… answered HTTP 400 (invalid_client: no client at [hidden])`,
      ],
      [
        `http://127.0.0.1:${port}/tenants/s3cretTenantSegment/token`,
        `GET ${server.base}/… failed after 1 attempt: Could not reach the OAuth2 token endpoint http://127.0.0.1:${port}/… (connection refused or host unreachable)`,
      ],
    ] as const;
    for (const [tokenUrl, shown] of cases) {
      const h = await startTask(
        {
          "http.url": `${server.base}/e/s3cretPathSegment`,
          "http.auth.type": "OAUTH2",
          "http.oauth2.token.url": tokenUrl,
          "http.oauth2.client.id": "gw",
          "http.oauth2.client.secret": "client-secret-1",
          "http.retry.max.attempts": "1",
          "http.retry.backoff.ms": "1",
        },
        { providedKeys: new Set(["http.url", "http.oauth2.token.url"]) },
      );
      const error = await h.task.poll(signal).catch((e: unknown) => e as Error);
      expect((error as Error).message).toStartWith(shown);
      // The whole cause chain: the HttpClient's transport error names the request's URL too.
      const chain: string[] = [];
      for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(`${e.stack}`);
      const seen = `${chain.join("\n")}\n${h.logs.join("\n")}`;
      expect(seen).not.toContain("s3cretTenantSegment");
      h.task.stop();
    }
    tokens.stop(true);
  });

  test("a literal http.oauth2.token.url shows its path in token errors, its query left out", async () => {
    const tokens = api(() => Response.json({ error: "invalid_client" }, { status: 400 }));
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": `${tokens.base}/tenants/t1/token?key=s3cr3t`,
      "http.oauth2.client.id": "gw",
      "http.oauth2.client.secret": "client-secret-1",
    });
    const error = await h.task.poll(signal).catch((e: unknown) => e as Error);
    expect((error as Error).message).toStartWith(
      `the OAuth2 token endpoint ${tokens.base}/tenants/t1/token answered HTTP 400 (invalid_client)`,
    );
    h.task.stop();
    tokens.stop(true);
  });

  test("a records path with nothing to select from is a WARN naming the path and the request, once per episode and at most once a minute", async () => {
    const h = await startTask({
      "http.url": `${server.base}/flaky?token=s3cr3t`,
      "http.response.records.path": "$.items[*]",
      "http.timer.interval.ms": "15000",
    });
    // Episodes start at the polls at 0 s, 45 s (not logged: a minute has not passed since the last WARN) and 90 s.
    while (flaky < 4) await h.task.poll(signal);
    const missing = `http.response.records.path $.items[*] selects nothing in the response of GET ${server.base}/flaky?token=***: the response has nothing at $.items (an error document answered with a success status, or a path that does not fit the API?); the page has no records`;
    expect(warnings(h.logs)).toEqual([missing]);
    while (flaky < 7) await h.task.poll(signal);
    expect(warnings(h.logs)).toEqual([missing, `${missing} (and 1 more like it in the last 90 s, not logged)`]);
    h.task.stop();
  });

  test("a string or number where the records array should be is a WARN saying so; null there is none", async () => {
    for (const [query, what] of [
      ["", "a string"],
      ["?n=1", "a number"],
    ]) {
      const h = await startTask({
        "http.url": `${server.base}/scalar${query}`,
        "http.response.records.path": "$.items[*]",
      });
      await h.task.poll(signal);
      expect(warnings(h.logs)).toEqual([
        `http.response.records.path $.items[*] selects nothing in the response of GET ${server.base}/scalar${query}: the response has ${what} at $.items, not an array or object (an error document answered with a success status, or a path that does not fit the API?); the page has no records`,
      ]);
      h.task.stop();
    }
    const h = await startTask({ "http.url": `${server.base}/null`, "http.response.records.path": "$.items[*]" });
    await h.task.poll(signal);
    expect(warnings(h.logs)).toEqual([]);
    h.task.stop();
  });

  test("an empty records array is no warning", async () => {
    const h = await startTask({ "http.url": `${server.base}/empty`, "http.response.records.path": "$.items[*]" });
    await h.task.poll(signal);
    expect(warnings(h.logs)).toEqual([]);
    h.task.stop();
  });

  test("records without a usable http.offset.field are a WARN saying what it does to the cursor", async () => {
    const h = await startTask({
      "http.url": `${server.base}/no-cursor?c=\${offset}`,
      "http.response.records.path": "$.items[*]",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "next",
    });
    expect(await h.collect(3)).toHaveLength(3);
    expect(warnings(h.logs)).toEqual([
      `http.offset.field next gives no string or number in 2 of 3 records of GET ${server.base}/no-cursor?c=: they do not move the cursor (if the last records lack it, the next poll starts from the same cursor and fetches them again)`,
    ]);
    h.task.stop();
  });

  test("TIMESTAMP records whose field is no timestamp are a WARN; a numeric date with the year last says how to read it, by whether a pattern is set", async () => {
    const unread = `records of GET ${server.base}/slashed, such as "31/12/2024": they are delivered at every poll and do not move the offset`;
    for (const [pattern, said] of [
      [
        undefined,
        `http.offset.field ts is no timestamp (ISO-8601 or epoch) in 1 of 2 ${unread}; without http.response.record.timestamp.parser.pattern a numeric date with the year last is read month first (MM/dd/yyyy): set it to the API's form (dd/MM/yyyy for the day first)`,
      ],
      [
        "MM/dd/yyyy",
        `http.offset.field ts is no timestamp (epoch milliseconds or the pattern "MM/dd/yyyy" (EpochMillisOrDelegateTimestampParser), or ISO-8601) in 1 of 2 ${unread}; does http.response.record.timestamp.parser.pattern fit the API's text, the day or the month first?`,
      ],
    ] as const) {
      const h = await startTask({
        "http.url": `${server.base}/slashed`,
        "http.response.records.path": "$.items[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        ...(pattern ? { "http.response.record.timestamp.parser.pattern": pattern } : {}),
      });
      const records = await h.collect(2);
      // Delivered, and the offset stays the timestamp.
      expect(records.map((r) => r.value)).toHaveLength(2);
      expect(records.at(-1)!.sourceOffset!.offset).toBe("2024-01-01T00:00:00Z");
      expect(warnings(h.logs)).toEqual([said]);
      h.task.stop();
    }
  });

  test("a paginated API whose last page is empty: the next polls do not repeat the WARN within a minute", async () => {
    const h = await startTask({
      "http.url": `${server.base}/paged`,
      "http.response.records.path": "$.items[*]",
      "http.pagination.type": "LINK_HEADER",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.timer.interval.ms": "1000",
    });
    const first = server.seen.length;
    // Three polls of two pages each.
    while (server.seen.length < first + 6) await h.task.poll(signal);
    expect(warnings(h.logs)).toEqual([
      `http.offset.field ts is no timestamp (ISO-8601 or epoch) in 1 of 1 records of GET ${server.base}/paged, such as "n/a": they are delivered at every poll and do not move the offset`,
    ]);
    h.task.stop();
  });
});
