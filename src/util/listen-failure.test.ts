import { describe, expect, test } from "bun:test";
import { freePort } from "../../test/support/free-port.ts";
import { listenFailure } from "./listen-failure.ts";

describe("listenFailure", () => {
  test("a port in use is named as such", () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      expect(listenFailure("127.0.0.1", holder.port)).toBe(
        `port ${holder.port} is already in use by another process (EADDRINUSE)`,
      );
    } finally {
      holder.stop(true);
    }
  });

  test("an address that opens fine on the second try: the listener's own error is the reason, not a guess", () => {
    const port = freePort();
    expect(listenFailure("127.0.0.1", port, new Error("maxRequestBodySize is out of range"))).toBe(
      "maxRequestBodySize is out of range",
    );
    expect(listenFailure("127.0.0.1", port)).toBe("the address was in use when the listener opened (address in use?)");
  });
});
