/**
 * TokenProvider when the token endpoint answers but the answer is no token response (review P3: such
 * an answer was reported as "Could not reach the OIDC token endpoint"): the error says the endpoint
 * was reached, with the status and Content-Type, never the body, the token or the client secret.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { isRetriable } from "../errors.ts";
import { systemClock } from "../util/clock.ts";
import { HttpClient } from "./http-client.ts";
import { TokenProvider } from "./token-provider.ts";
import { TokenRequestError } from "./token-request-errors.ts";

let answer: () => Response = () => new Response();
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => answer() });
afterAll(() => server.stop(true));

async function failure(maxResponseBytes?: number): Promise<Error> {
  const provider = new TokenProvider({
    tokenUrl: `http://127.0.0.1:${server.port}/oauth/token?client_secret=s3cr3t-value`,
    form: { grant_type: "client_credentials", client_id: "gw", client_secret: "s3cr3t-value" },
    expiryReductionMs: 1000,
    client: new HttpClient(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
    clock: systemClock,
  });
  const error = await provider.token().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TokenRequestError);
  return error as Error;
}

const where = () => `the OIDC token endpoint http://127.0.0.1:${server.port}/oauth/token`;

describe("TokenProvider with a token endpoint whose answer is unusable", () => {
  test.each([
    [
      "an HTML page",
      () => new Response("<html>login s3cr3t-value</html>", { headers: { "content-type": "text/html" } }),
      "HTTP 200 with Content-Type text/html and a body that is not JSON",
    ],
    [
      "JSON without access_token",
      () => Response.json({ token_type: "Bearer", note: "s3cr3t-value" }),
      "HTTP 200 with Content-Type application/json and no access_token in it",
    ],
    [
      "an empty access_token, a Content-Type with parameters",
      () =>
        new Response(JSON.stringify({ access_token: "" }), {
          headers: { "content-type": "application/vnd.token+json; charset=utf-8; secret=s3cr3t-value" },
        }),
      "HTTP 200 with Content-Type application/vnd.token+json and no access_token in it",
    ],
    [
      "a body that does not decompress as its Content-Encoding says",
      () =>
        new Response("plain, not gzip", {
          headers: { "content-encoding": "gzip", "content-type": "application/json" },
        }),
      "its body does not decompress as its Content-Encoding says",
    ],
    // auditsink F2 / auditsrc F3: fetch refused a token with a control character or one above U+00FF in every
    // request's Authorization, failing the sink's records (errors.tolerance) and the source's request with an
    // unclassified error. A Bearer token is printable ASCII (RFC 6750), so a tab, DEL and U+0080..U+00FF, which
    // fetch sent, are refused too.
    ...[
      "line\r\nX-Injected: 1",
      "nul\u0000s3cr3t-value",
      "tab\ts3cr3t-value",
      "del\u007fs3cr3t-value",
      "caf\u00e9-s3cr3t-value",
      "wide\u0100s3cr3t-value",
      "euro-\u20acs3cr3t-value",
    ].map(
      (token) =>
        [
          `an access_token that is not printable ASCII (${token.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)})`,
          () => Response.json({ access_token: token, expires_in: 3600 }),
          "HTTP 200 with Content-Type application/json and an access_token that is not printable ASCII (RFC 6750 Bearer token)",
        ] as const,
    ),
  ])("%s: reached, the answer is unusable, not retried", async (_name, respond, detail) => {
    answer = respond;
    const error = await failure();
    expect(error.message).toBe(`${where()} was reached, but its answer is not a token response: ${detail}`);
    expect(isRetriable(error)).toBe(false);
    expect(error.message).not.toContain("s3cr3t");
  });

  test("an access_token of every printable ASCII character, space to ~, is a token", async () => {
    const token = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join("");
    answer = () => Response.json({ access_token: token, expires_in: 3600 });
    const provider = new TokenProvider({
      tokenUrl: `http://127.0.0.1:${server.port}/oauth/token`,
      form: { grant_type: "client_credentials" },
      expiryReductionMs: 1000,
      client: new HttpClient(),
      clock: systemClock,
    });
    expect(await provider.token()).toBe(token);
  });

  test("an answer larger than the HTTP client's limit says so", async () => {
    answer = () => Response.json({ access_token: "x".repeat(2000) });
    const error = await failure(1000);
    expect(error.message).toBe(
      `${where()} was reached, but its answer is not a token response: its body is larger than the limit of 1000 bytes`,
    );
    expect(isRetriable(error)).toBe(false);
  });
});
