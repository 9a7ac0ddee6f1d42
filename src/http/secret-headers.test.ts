import { describe, expect, test } from "bun:test";
import { isSecretHeader } from "./secret-headers.ts";

describe("isSecretHeader", () => {
  // Secaudit: a static X-JWT-Assertion, X-Hub-Signature, X-Pwd or X-Bearer header value, echoed by a
  // refusing endpoint, showed in status traces, DLQ headers and the logs.
  test.each([
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "X-Api-Key",
    "Private-Token",
    "X-JWT-Assertion",
    "X-Jwt",
    "X-Hub-Signature-256",
    "X-Signature",
    "X-Client-Assertion",
    "X-Code-Verifier",
    "X-Pwd",
    "X-Pass",
    "X-Bearer",
    "X-Sessid",
  ])("%s carries a credential", (name) => {
    expect(isSecretHeader(name)).toBe(true);
  });

  test.each(["Accept", "Content-Type", "X-Site", "X-Hosts", "X-Request-Id", "User-Agent"])("%s does not", (name) => {
    expect(isSecretHeader(name)).toBe(false);
  });
});
