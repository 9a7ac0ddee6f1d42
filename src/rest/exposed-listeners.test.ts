import { describe, expect, test } from "bun:test";
import { parseListener } from "../listener.ts";
import { clearTextRestCredentials, unauthenticatedListenerWarnings } from "./exposed-listeners.ts";

const rest = (...uris: string[]) => uris.map((u) => parseListener("listeners", u));
const admin = (...uris: string[]) => uris.map((u) => parseListener("admin.listeners", u));

describe("clearTextRestCredentials (explore4 J8)", () => {
  test("names the schemes' credentials and the one plain http listener other hosts reach", () => {
    expect(clearTextRestCredentials(["bearer"], { rest: rest("http://10.0.0.5:8083") })).toEqual([
      "rest.authentication lists bearer, and the plain http REST listener http://10.0.0.5:8083 (listeners) other hosts reach serves the API: the bearer tokens clients send there travel in clear text. Use https listeners (listeners.https.ssl.*, admin.listeners.https.ssl.*), or bind it to 127.0.0.1 behind a TLS proxy.",
    ]);
    expect(clearTextRestCredentials(["basic", "bearer"], { rest: rest("http://:8083") })[0]).toContain(
      "rest.authentication lists basic and bearer, and the plain http REST listener http://:8083 (listeners) other hosts reach serves the API: the passwords and bearer tokens clients send there",
    );
  });

  test.each([
    ["loopback and https listeners only", rest("http://127.0.0.1:8083", "http://[::1]:8083", "https://:8443"), admin()],
    ["admin endpoints disabled", rest("http://localhost:8083"), admin()],
  ])("nothing with %s", (_case, restListeners, adminListeners) => {
    expect(clearTextRestCredentials(["basic"], { rest: restListeners, admin: adminListeners })).toEqual([]);
  });

  test("an admin listener counts under its key, also beside an https one", () => {
    expect(
      clearTextRestCredentials(["basic"], {
        rest: rest("https://:8443"),
        admin: admin("https://:9443", "http://:9090"),
      }),
    ).toEqual([expect.stringContaining("the plain http REST listener http://:9090 (admin.listeners) other hosts")]);
  });
});

describe("unauthenticatedListenerWarnings", () => {
  test("every listener other hosts reach, https ones too", () => {
    expect(
      unauthenticatedListenerWarnings({
        rest: rest("http://127.0.0.1:8083", "https://:8443"),
        admin: admin("http://:9090"),
      }).map((w) => w.split(" accepts")[0]),
    ).toEqual(["The REST listener https://:8443", "The REST listener http://:9090"]);
  });
});
