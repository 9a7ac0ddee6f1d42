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
    "Stripe-Signature",
    "X-Slack-Signature",
    "X-Twilio-Signature",
    "X-Line-Signature",
    "X-Passwd",
    "X-Password",
  ])("%s carries a credential", (name) => {
    expect(isSecretHeader(name)).toBe(true);
  });

  // secaudit review P2: the short words matched inside ordinary names, whose values (a `true`) were
  // then hidden in validation, echoes and everywhere in the logs.
  test.each([
    "Accept",
    "Content-Type",
    "X-Site",
    "X-Hosts",
    "X-Request-Id",
    "User-Agent",
    "X-Passenger-Id",
    "Bypass-Tunnel-Reminder",
    "X-Bypass-Cache",
    "X-Compass-Region",
    "X-Passport-Country",
    "X-Signature-Version",
    "X-Signature-Method",
    "X-Assertion-Type",
    "X-JWT-Issuer",
    "X-Bearer-Format",
  ])("%s does not", (name) => {
    expect(isSecretHeader(name)).toBe(false);
  });
});
