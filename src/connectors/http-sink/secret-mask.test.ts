import { describe, expect, test } from "bun:test";
import { HIDDEN, LogManager } from "../../util/logger.ts";
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
});
