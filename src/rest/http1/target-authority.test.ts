import { describe, expect, test } from "bun:test";
import { authorityName, readAuthority, shownTarget } from "./target-authority.ts";

// Each as Connect 4.3.1 read it (test/fixtures/connect-rest/listener-corners.json: authority-*).
describe("readAuthority", () => {
  test.each([
    ["localhost:80", { host: "localhost", port: 80 }, "localhost:80"],
    ["localhost", { host: "localhost", port: 0 }, "localhost"],
    ["h:080", { host: "h", port: 80 }, "h:80"],
    ["h:", { host: "h", port: 0 }, "h"],
    ["h:0", { host: "h", port: 0 }, "h"],
    ["h:99999", { host: "h", port: 99999 }, "h:99999"],
    // Read as a Java int: past 2^31 it wraps.
    ["h:99999999999", { host: "h", port: 1215752191 }, "h:1215752191"],
    ["h:2147483648", { host: "h", port: -2147483648 }, "h"],
    ["h:4294967376", { host: "h", port: 80 }, "h:80"],
    ["[::1]:80", { host: "[::1]", port: 80 }, "[::1]:80"],
    ["[::1]x", { host: "[::1]x", port: 0 }, "[::1]x"],
    [":80", { host: "", port: 80 }, ":80"],
    ["a@b@h:1", { host: "h", port: 1 }, "h:1"],
    ["user:pass@h", { host: "h", port: 0 }, "h"],
    ["a:b@c:d@h", { host: "h", port: 0 }, "h"],
    ["h:80@x", { host: "x", port: 0 }, "x"],
    ["h_~!$&'()*+,=%41x", { host: "h_~!$&'()*+,=%41x", port: 0 }, "h_~!$&'()*+,=%41x"],
    ["[::ffff:1.2.3.4]", { host: "[::ffff:1.2.3.4]", port: 0 }, "[::ffff:1.2.3.4]"],
  ])("%s is host and port %j, compared with Host as %s", (authority, read, name) => {
    expect(readAuthority(authority)).toEqual(read);
    expect(authorityName(read)).toBe(name);
  });

  test.each([
    "h:abc",
    "h:+80",
    "h:80:80",
    "[::1]:abc",
    "[::1",
    "u@h:abc",
    "h|x",
    "h;x",
    "h%zz",
    "h%4",
    "h\u00e9",
    "u|v@h",
    "u;v@h",
    "u:p:q@h",
    "[fe80::1%251]",
    "[zz]",
    "[]",
  ])("%s is a bad message", (authority) => {
    expect(readAuthority(authority)).toBeNull();
  });
});

describe("shownTarget", () => {
  test.each([
    ["http", "localhost:80", "/connectors", "http://localhost/connectors"],
    ["HTTP", "localhost:80", "/connectors", "http://localhost/connectors"],
    ["https", "h:443", "/c", "https://h/c"],
    ["https", "h:80", "/c", "https://h:80/c"],
    ["http", "h:443", "/c", "http://h:443/c"],
    ["ws", "h:80", "/c", "ws://h/c"],
    ["wss", "h:443", "/c", "wss://h/c"],
    ["ftp", "h:21", "/c", "ftp://h/c"],
    ["ssh", "h:22", "/c", "ssh://h/c"],
    ["telnet", "h:23", "/c", "telnet://h/c"],
    ["smtp", "h:25", "/c", "smtp://h/c"],
    ["gopher", "h:70", "/c", "gopher://h:70/c"],
    ["foo", "h:80", "/c", "foo://h:80/c"],
    ["http", "other:1", "", "http://other:1/"],
    ["http", "other:1", "?x=1", "http://other:1/?x=1"],
    ["http", "other:1", "#f", "http://other:1/#f"],
    ["http", "h:0", "/c", "http://h/c"],
  ])("%s://%s%s shows as %s", (scheme, authority, rest, shown) => {
    expect(shownTarget(scheme, readAuthority(authority)!, rest)).toBe(shown);
  });
});
