import { describe, expect, test } from "bun:test";
import { traceOf } from "../errors.ts";
import { HttpClient, HttpTransportError, redactUrl } from "./http-client.ts";
import { HttpRedirectError, MAX_REDIRECTS } from "./redirects.ts";
import { echoedUrlParts, originOnly, shownUrl } from "./shown-url.ts";

const SLACK = "https://hooks.slack.com/services/T0000/B0000/XXXXsecretXXXX";

describe("originOnly", () => {
  test.each([
    [SLACK, "https://hooks.slack.com/…"],
    ["http://127.0.0.1:8080/hook/s3cret?token=abc#frag", "http://127.0.0.1:8080/…"],
    ["https://user:pa55@example.com/x", "https://example.com/…"],
    ["http://[::1]:9000/a/b", "http://[::1]:9000/…"],
    ["https://example.com", "https://example.com/…"],
    ["https://example.com/events/${topic}/s3cret", "https://example.com/…"],
    ["not a url /s3cret", "[hidden]"],
    ["mailto:someone@s3cret.example", "[hidden]"],
  ])("%s shows as %s", (url, shown) => {
    expect(originOnly(url)).toBe(shown);
  });
});

describe("echoedUrlParts", () => {
  test.each([
    // A segment under 16 characters alone is ordinary text to an answer: only the whole path is hidden.
    [SLACK, ["/services/T0000/B0000/XXXXsecretXXXX"]],
    [
      "https://h.example/hooks/0123456789abcdef0123?key=v",
      // The path alone too: an answer may quote it without the query.
      ["/hooks/0123456789abcdef0123?key=v", "/hooks/0123456789abcdef0123", "0123456789abcdef0123"],
    ],
    // Decoded, this segment is a media type any answer may name (`application/vnd.api+json`): only as sent.
    [
      "https://h.example/a/application%2Fvnd.api%2Bjson",
      ["/a/application%2Fvnd.api%2Bjson", "application%2Fvnd.api%2Bjson"],
    ],
    ["https://h.example/a/b", []],
    ["https://h.example/events/${topic}/0123456789abcdef0123", ["0123456789abcdef0123"]],
    [
      "https://h.example/x/%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4",
      ["/x/%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4", "%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4%C3%A4"],
    ],
    ["not a url", []],
  ])("of %s: %j", (url, parts) => {
    expect(echoedUrlParts(url)).toEqual(parts);
  });
});

describe("shownUrl", () => {
  test("a URL that came through a config provider shows its origin only", () => {
    expect(shownUrl(true)(SLACK)).toBe("https://hooks.slack.com/…");
  });

  test("a literal URL shows as redactUrl shows it", () => {
    const url = "https://h.example/hook/T0?api_key=k3y&page=2";
    expect(shownUrl(false)(url)).toBe(redactUrl(url));
    expect(shownUrl(false)(url)).toBe("https://h.example/hook/T0?api_key=***&page=2");
  });
});

describe("HttpClient with a request's showUrl", () => {
  test("a transport failure's message shows the URL as showUrl says, never its path", async () => {
    // A port nothing listens on: a server started and stopped at once.
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const port = server.port;
    const url = `http://127.0.0.1:${port}/services/T0/B0/s3cretSegment`;
    server.stop(true);
    const error = await new HttpClient({ connectTimeoutMs: 5_000 })
      .request({ method: "POST", url, showUrl: originOnly })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTransportError);
    // The status trace's text, causes included (Bun's own error carries the URL it fetched).
    const text = traceOf(error);
    expect(text).toContain(`POST http://127.0.0.1:${port}/… failed`);
    expect(text).not.toContain("s3cretSegment");
  });

  test("a redirect loop's message hides each hop's path", async () => {
    using server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req) => new Response(null, { status: 307, headers: { location: `${new URL(req.url).pathname}/again` } }),
    });
    const url = `http://127.0.0.1:${server.port}/services/s3cretSegment`;
    const error = await new HttpClient().request({ method: "GET", url, showUrl: originOnly }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRedirectError);
    expect((error as Error).message).toBe(
      `GET http://127.0.0.1:${server.port}/…: more than ${MAX_REDIRECTS} redirects`,
    );
  });
});
