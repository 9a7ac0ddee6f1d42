import { afterAll, describe, expect, test } from "bun:test";
import { fetchKeySet, JwksUnavailableError, withoutUrlSecrets } from "./jwks-fetch.ts";

// A JWKS endpoint that redirects: fetchKeySet refuses redirects, and Bun's error quotes the URL.
const redirecting = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response(null, { status: 302, headers: { Location: "/elsewhere" } }),
});
afterAll(() => redirecting.stop(true));

describe("fetchKeySet's errors", () => {
  // Security hunt 2026-12-02: the refused redirect's message quoted the URL with its query.
  test("a refused redirect says so without the URL's query or credentials", async () => {
    const url = new URL(`http://jwks-user:s3cret-pass@127.0.0.1:${redirecting.port}/jwks?api_key=s3cret-query`);
    const error = await fetchKeySet(url, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JwksUnavailableError);
    const message = (error as Error).message;
    expect(message).toStartWith(`cannot fetch the JWKS from http://127.0.0.1:${redirecting.port}/jwks: `);
    expect(message).toContain("Redirect");
    expect(message).not.toContain("s3cret");
  });

  test("withoutUrlSecrets removes the query and the password wherever the text quotes them", () => {
    const url = new URL("https://u:pw-123@idp.example/jwks?k=v");
    expect(withoutUrlSecrets('fetching "https://idp.example/jwks?k=v" failed (pw-123)', url)).toBe(
      'fetching "https://idp.example/jwks" failed ()',
    );
    expect(withoutUrlSecrets("Unable to connect", new URL("https://idp.example/jwks"))).toBe("Unable to connect");
  });
});
