import { describe, expect, test } from "bun:test";
import { traceOf } from "../errors.ts";
import { HttpClient, redactUrl } from "./http-client.ts";
import { withoutUrl } from "./without-url.ts";

describe("withoutUrl", () => {
  test("replaces the URL in the message and stack with the URL as shown", () => {
    const url = "https://api.example/x?token=s3cret";
    const error = withoutUrl(new TypeError(`Unable to connect fetching "${url}"`), url, redactUrl(url)) as Error;
    expect([error.name, error.message, error.stack?.includes("s3cret")]).toEqual([
      "TypeError",
      'Unable to connect fetching "https://api.example/x?token=***"',
      false,
    ]);
  });

  // Review rv25f: the shown URL was put in with String.replaceAll's replacement patterns, so a URL
  // holding `$&` or `$'` wrote the URL as sent, secret and all, back into the message.
  test.each(["$&", "$'", "$`"])("hides the secret of a URL holding %s", (pattern) => {
    const url = `https://api.example/x?q=${pattern}&token=s3cret`;
    const shown = redactUrl(url);
    const error = withoutUrl(new Error(`failed fetching "${url}"`), url, shown) as Error;
    expect(error.message).toBe(`failed fetching "${shown}"`);
    expect(shown).not.toContain("s3cret");
  });

  // auditsink F1: Bun quotes the URL without its user info (`Malformed_HTTP_Response fetching "…"`), so with
  // user info in the configured URL its query secrets stayed in the task trace and the logs.
  test("hides the query secrets of a URL with user info, which the runtime quotes without it", () => {
    const url = "http://bob:pw@api.example:8080/a%20b/x?api_key=s3cret#frag";
    const error = withoutUrl(
      new TypeError('Malformed_HTTP_Response fetching "http://api.example:8080/a%20b/x?api_key=s3cret#frag".'),
      url,
      redactUrl(url),
    ) as Error;
    expect(error.message).toBe(`Malformed_HTTP_Response fetching "${redactUrl(url)}".`);
    expect(error.stack).not.toContain("s3cret");
  });

  // The same, through HttpClient: the runtime's own text for a response head it cannot parse, whatever it quotes.
  test("a malformed response head from a URL with user info and a query secret: no secret in the error", async () => {
    using server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          socket.end("HTTP/1.1 two hundred\r\nno colon here\r\n\r\n");
        },
      },
    });
    const url = `http://bob:pa55w0rd@127.0.0.1:${server.port}/in?api_key=s3cret-k3y&page=1`;
    const error = (await new HttpClient().request({ method: "POST", url, headers: [], body: "[1]" }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    // The runtime's text quotes the URL it fetched (without the user info): replaced with the URL as shown, and then
    // left out of the message, which names it already (auditsinkfaults P3-1).
    expect(error.message).toBe(
      `POST ${redactUrl(url)} failed (io): 127.0.0.1:${server.port} answered with something that is not HTTP/1.1 (Malformed_HTTP_Response)`,
    );
    const text = [error.message, traceOf(error), String((error.cause as Error | undefined)?.stack)].join("\n");
    for (const secret of ["pa55w0rd", "s3cret-k3y", "bob:"]) expect(text).not.toContain(secret);
  });
});
