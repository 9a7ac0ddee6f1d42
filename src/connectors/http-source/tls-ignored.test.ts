import { describe, expect, test } from "bun:test";
import { api, startTask } from "./test-support.ts";

describe("TLS keys set while http.ssl.enabled is not true", () => {
  const stores = {
    "http.ssl.truststore.location": "/etc/trust.jks",
    "http.ssl.truststore.password": "trust-secret",
    "http.ssl.keystore.password": "key-secret",
    "http.ssl.key.password": "",
  };

  test("one WARN at task start names the ignored keys, never their values", async () => {
    using server = api(() => Response.json([]));
    const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]", ...stores });
    const warnings = h.logs.filter((l) => l.includes("WARN") && l.includes("http.ssl.enabled is not true"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "http.ssl.truststore.location, http.ssl.truststore.password, http.ssl.keystore.password are ignored",
    );
    expect(warnings[0]).not.toContain("http.ssl.key.password");
    for (const secret of ["trust-secret", "key-secret", "/etc/trust.jks"])
      expect(h.logs.some((l) => l.includes(secret))).toBe(false);
  });

  test("no warning without them", async () => {
    using server = api(() => Response.json([]));
    const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]" });
    expect(h.logs.some((l) => l.includes("http.ssl.enabled is not true"))).toBe(false);
  });
});

// explore17 F2: the source ran silently with verification off, where the sink's allowSelfSigned warns.
describe("http.ssl.verification.enabled=false", () => {
  const warning =
    "http.ssl.verification.enabled is false: the endpoint's certificate is NOT verified (any certificate is accepted)";

  test.each<Record<string, string>>([{}, { "http.ssl.enabled": "false" }])(
    "one WARN at task start names the key (%o)",
    async (more) => {
      using server = api(() => Response.json([]));
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.ssl.verification.enabled": "false",
        ...more,
      });
      expect(h.logs.filter((l) => l.includes("WARN") && l.includes(warning))).toHaveLength(1);
    },
  );

  test("no warning while it is on (the default)", async () => {
    using server = api(() => Response.json([]));
    const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]" });
    expect(h.logs.some((l) => l.includes("NOT verified"))).toBe(false);
  });
});
