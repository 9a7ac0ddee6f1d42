import { describe, expect, test } from "bun:test";
import { ConfigError } from "./errors.ts";
import { workerListeners } from "./listener.ts";

/** The message workerListeners throws for these listeners, or undefined when it accepts them. */
function refusal(rest: string[], admin: string[] | null, ingest: string[] | null): string | undefined {
  try {
    workerListeners(rest, admin, ingest);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
}

describe("workerListeners", () => {
  describe("when ingest.listeners names the same listener twice", () => {
    test.each([
      [
        ["http://:9080", "http://:9080"],
        "Invalid value http://:9080 for configuration ingest.listeners: the listener is listed twice",
      ],
      [
        ["http://127.0.0.1:9080", "https://127.0.0.1:9080"],
        "Invalid value https://127.0.0.1:9080 for configuration ingest.listeners: the listener takes the same port as the ingest listener http://127.0.0.1:9080",
      ],
      [
        ["http://0.0.0.0:9080", "http://10.1.2.3:9080"],
        "Invalid value http://10.1.2.3:9080 for configuration ingest.listeners: the listener takes the same port as the ingest listener http://0.0.0.0:9080",
      ],
      [
        ["http://[::]:9080", "http://:9080"],
        "Invalid value http://:9080 for configuration ingest.listeners: the listener takes the same port as the ingest listener http://[::]:9080",
      ],
      [
        ["http://LOCALHOST:9080", "http://localhost:9080"],
        "Invalid value http://localhost:9080 for configuration ingest.listeners: the listener takes the same port as the ingest listener http://LOCALHOST:9080",
      ],
    ])("%p is refused, naming the repeated listener", (ingest, message) => {
      expect(refusal(["http://127.0.0.1:8083"], null, ingest)).toBe(message);
    });

    test("listeners on the same port of two addresses, or on port 0 each, are both opened", () => {
      expect(refusal(["http://127.0.0.1:8083"], null, ["http://127.0.0.1:9080", "http://127.0.0.2:9080"])).toBe(
        undefined,
      );
      expect(refusal(["http://127.0.0.1:8083"], null, ["http://127.0.0.1:0", "http://127.0.0.1:0"])).toBe(undefined);
    });
  });

  test("an ingest listener on a REST or admin listener's port is refused, an all-interfaces address included", () => {
    expect(refusal(["http://0.0.0.0:8083"], null, ["http://127.0.0.1:8083"])).toBe(
      "Invalid value http://127.0.0.1:8083 for configuration ingest.listeners: the ingest listener must not share a port with the REST listener http://0.0.0.0:8083",
    );
    // ingestp3-b: a clash with an admin listener was reported as one with "the REST listener".
    expect(refusal(["http://127.0.0.1:8083"], ["http://127.0.0.1:8084"], ["http://:8084"])).toBe(
      "Invalid value http://:8084 for configuration ingest.listeners: the ingest listener must not share a port with the admin listener http://127.0.0.1:8084",
    );
  });

  // opshunt: the second failed to bind as "already in use by another process", naming neither entry.
  test.each([
    [
      ["http://127.0.0.1:8083", "http://127.0.0.1:8083"],
      null,
      "Invalid value http://127.0.0.1:8083 for configuration listeners: the listener is listed twice",
    ],
    [
      ["http://:8083", "https://127.0.0.1:8083"],
      null,
      "Invalid value https://127.0.0.1:8083 for configuration listeners: the listener takes the same port as the REST listener http://:8083",
    ],
    [
      ["http://127.0.0.1:8083"],
      ["http://localhost:8083"],
      "Invalid value http://localhost:8083 for configuration admin.listeners: the admin listener must not share a port with the REST listener http://127.0.0.1:8083",
    ],
    [
      ["http://127.0.0.1:8083"],
      ["http://127.0.0.1:8084", "http://127.0.0.1:8084"],
      "Invalid value http://127.0.0.1:8084 for configuration admin.listeners: the listener is listed twice",
    ],
  ])("REST %p and admin %p on one port are refused, naming the repeated listener", (rest, admin, message) => {
    expect(refusal(rest, admin, null)).toBe(message);
  });

  // ingestp3-b: 0.0.0.0 (or an empty host) is every IPv4 interface only, [::] every interface.
  describe("which hosts of one port clash", () => {
    test.each([
      ["http://0.0.0.0:8083", "http://127.0.0.1:8083"],
      ["http://:8083", "http://10.1.2.3:8083"],
      ["http://0.0.0.0:8083", "http://gw.example:8083"],
      ["http://0.0.0.0:8083", "http://:8083"],
      ["http://[::]:8083", "http://[::1]:8083"],
      ["http://[::]:8083", "http://127.0.0.1:8083"],
      ["http://127.0.0.1:8083", "http://[0:0:0:0:0:0:0:0]:8083"],
      ["http://localhost:8083", "http://127.0.0.1:8083"],
      ["http://[::1]:8083", "http://[::1]:8083"],
      ["http://0.0.0.0:8083", "http://[::ffff:127.0.0.1]:8083"],
      ["http://127.0.0.1:8083", "http://[::FFFF:127.0.0.1]:8083"],
    ])("REST %p and ingest %p clash", (rest, ingest) => {
      expect(refusal([rest], null, [ingest])).toStartWith(`Invalid value ${ingest} for configuration ingest.listeners`);
    });

    test.each([
      ["http://0.0.0.0:8083", "http://[::1]:8083"],
      ["http://:8083", "http://[fe80::1]:8083"],
      ["http://[::1]:8083", "http://0.0.0.0:8083"],
      ["http://127.0.0.1:8083", "http://[::1]:8083"],
      ["http://localhost:8083", "http://127.0.0.2:8083"],
    ])("REST %p and ingest %p are both opened", (rest, ingest) => {
      expect(refusal([rest], null, [ingest])).toBe(undefined);
    });
  });
});
