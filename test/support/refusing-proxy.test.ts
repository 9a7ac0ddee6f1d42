import { describe, expect, test } from "bun:test";
import { refusingProxy, withHttpsProxy } from "./refusing-proxy.ts";

describe("withHttpsProxy", () => {
  // p3sinkc-b 5: a NO_PROXY naming the host (as CI may set) sent fetch past the proxy.
  test.each(["NO_PROXY", "no_proxy"])(
    "%s set outside does not send fetch past the proxy, and is restored",
    async (name) => {
      await using proxy = await refusingProxy(407, "Proxy Authentication Required");
      const saved = process.env[name];
      process.env[name] = "*";
      try {
        const error = await withHttpsProxy(proxy.url, () => fetch("https://dns.example/in").catch((e) => e));
        expect(error.code).toBe("ERR_PROXY_TUNNEL");
        expect(process.env[name]).toBe("*");
      } finally {
        if (saved === undefined) delete process.env[name];
        else process.env[name] = saved;
      }
    },
  );
});
