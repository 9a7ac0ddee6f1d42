import { describe, expect, test } from "bun:test";
import { HIDDEN, LogManager } from "../../util/logger.ts";
import { excerptOf } from "./delivery.ts";
import { SecretMask } from "./secret-mask.ts";

describe("SecretMask", () => {
  const basic = Buffer.from("user:s3cret-pw").toString("base64");
  const mask = new SecretMask([
    ["Authorization", `Basic ${basic}`],
    ["X-Api-Key", "key-12345"],
    ["Accept", "application/json"],
  ]);

  test("hides secrets with the logger's marker, keeping the scheme", () => {
    const echoed = `authorization=Basic ${basic} user:s3cret-pw pw=s3cret-pw x-api-key=key-12345 accept=application/json`;
    expect(mask.apply(echoed)).toBe(
      `authorization=Basic ${HIDDEN} ${HIDDEN} pw=${HIDDEN} x-api-key=${HIDDEN} accept=application/json`,
    );
  });

  // explore25 F1: a JSON echo of the request's headers escapes them, and the credentials showed in clear.
  test("hides the credentials an endpoint echoes JSON-escaped (PHP's json_encode also escapes /)", () => {
    const password = "pw-??0";
    const pair = Buffer.from(`e25:${password}`).toString("base64");
    expect(pair).toContain("/");
    const json = new SecretMask([
      ["Authorization", `Basic ${pair}`],
      ["X-Api-Key", 'SECRET-Q"UOTE57'],
    ]);
    const echoed = JSON.stringify({ authorization: `Basic ${pair}`, "x-api-key": 'SECRET-Q"UOTE57' });
    expect(json.apply(echoed.replaceAll("/", "\\/"))).toBe(
      JSON.stringify({ authorization: `Basic ${HIDDEN}`, "x-api-key": HIDDEN }),
    );
  });

  // review P2-1: Go, Gson and .NET escape a Basic pair's + and = as \uXXXX, and the echo showed it in clear.
  test("hides a Basic pair holding + and = as Gson and .NET's System.Text.Json echo it", () => {
    const pair = Buffer.from("u:pw~~>").toString("base64");
    expect(pair).toBe("dTpwd35+Pg==");
    const echoing = new SecretMask([["Authorization", `Basic ${pair}`]]);
    expect(echoing.apply('{"authorization":"Basic dTpwd35\\u002BPg=="}')).toBe(`{"authorization":"Basic ${HIDDEN}"}`);
    expect(echoing.apply('{"authorization":"Basic dTpwd35+Pg\\u003d\\u003d"}')).toBe(
      `{"authorization":"Basic ${HIDDEN}"}`,
    );
  });

  // review P2-2: MIN_LENGTH applied to each form, so a 3-character key hid every `a%20b` of an answer.
  test("a secret under 4 characters is not hidden in its escaped forms either", () => {
    const short = new SecretMask([["X-Api-Key", "a b"]]);
    short.token("ä");
    expect(short.apply("GET /s?q=a%20b J\\u00e4ger")).toBe("GET /s?q=a%20b J\\u00e4ger");
  });

  test("the marker is the one the log's redaction writes", () => {
    const logs = new LogManager();
    logs.registerSecret("key-12345");
    expect(mask.apply("x key-12345")).toBe(logs.redact("x key-12345"));
  });

  test("hides the recent OIDC tokens", () => {
    const tokens = new SecretMask([]);
    tokens.token("token-abcdef");
    expect(tokens.apply("Bearer token-abcdef")).toBe(`Bearer ${HIDDEN}`);
  });

  test("text cut short inside a secret (a body prefix read until the request timeout) hides the secret's start", () => {
    const tokens = new SecretMask([["X-Api-Key", "key-12345"]]);
    tokens.token("eyJhbGciOiJSUzI1NiJ9.payload.signature");
    expect(tokens.apply("echo: Bearer eyJhbGciOiJSUzI1NiJ9.pay", true)).toBe(`echo: Bearer ${HIDDEN}`);
    expect(tokens.apply("x-api-key: key-1", true)).toBe(`x-api-key: ${HIDDEN}`);
    // Uncut text ends where its source does: an end like a secret's start is the endpoint's own word.
    expect(tokens.apply("x-api-key: key-1", false)).toBe("x-api-key: key-1");
  });

  test("a response excerpt of a prefix or of a long body hides a secret cut at its end", () => {
    const prefix = new TextEncoder().encode(`503 overloaded; request was: Authorization: Basic ${basic.slice(0, 9)}`);
    const apply = (text: string, cut: boolean) => mask.apply(text, cut);
    expect(excerptOf(prefix, apply, true)).toBe(`503 overloaded; request was: Authorization: Basic ${HIDDEN}`);
    // The excerpt reads the first 2048 bytes: blank lines collapse, so a key cut there is within its 512 characters.
    const long = new TextEncoder().encode(`${"\n".repeat(2030)}x-api-key=key-12345 and more`);
    expect(excerptOf(long, apply)).toBe(`x-api-key=${HIDDEN}`);
  });
});
