import { describe, expect, test } from "bun:test";
import { isHostPort } from "./host-port.ts";

// Each value as Connect 4.3.1 took or refused it (Bad HostPort) in test/fixtures/connect-rest/user-info.json.
describe("isHostPort", () => {
  test.each([
    "127.0.0.1:8083",
    "h",
    "h%20",
    "_h-~!$&'()*+,;=.x:8",
    "999.1.1.1",
    "[::1]:80",
    "[::1]",
    "::1",
    "[::ffff:1.2.3.4]:80",
    "[1:2:3:4:5:6:7:8]",
    "[fe80::1%251]",
  ])("takes %s", (value) => {
    expect(isHostPort(value)).toBe(true);
  });

  test.each([
    "user@h",
    "user:pass@h:1",
    "@h",
    "h@",
    "user@[::1]:80",
    "a b",
    "h:abc",
    "h:99999",
    "h:0",
    "h:",
    ":80",
    "h/x",
    "h?x",
    "h#x",
    "h%2",
    "h\u00e9",
    "[::1",
    "[::1]x",
    "[::1]:",
    "[zz::1]",
    "[1::2::3]",
    "[1:2:3:4:5:6:7:8:9]",
  ])("refuses %s", (value) => {
    expect(isHostPort(value)).toBe(false);
  });
});
