import { describe, expect, test } from "bun:test";
import { redactUrl } from "./http-client.ts";
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
});
