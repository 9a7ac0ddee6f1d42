import { describe, expect, test } from "bun:test";
import { ConfigError } from "./errors.ts";
import { isLoopback, parseListener } from "./listener.ts";
import { exactlyOnceSourceWarning, loadWorkerConfig } from "./worker-config.ts";

describe("the default REST listener (issue 13, safe defaults)", () => {
  test("binds 127.0.0.1 only when REST authentication is off", () => {
    expect(loadWorkerConfig({}).restListeners).toEqual([
      { protocol: "http", host: "127.0.0.1", port: 8083, uri: "http://127.0.0.1:8083" },
    ]);
  });

  test("binds every interface, as Connect's default, once authentication is on", () => {
    const config = loadWorkerConfig({
      "rest.authentication": "bearer",
      "rest.authentication.bearer.jwks.url": "https://idp.example.test/jwks.json",
    });
    expect(config.restListeners.map((l) => l.uri)).toEqual(["http://:8083"]);
  });

  test("an explicit listeners value is kept, from the file or the environment", () => {
    expect(loadWorkerConfig({ listeners: "http://0.0.0.0:8083" }).restListeners[0]!.host).toBe("0.0.0.0");
    expect(loadWorkerConfig({}, { CONNECT_LISTENERS: "http://:9000" }).restListeners[0]!.uri).toBe("http://:9000");
  });
});

describe("isLoopback", () => {
  test.each([
    ["http://127.0.0.1:1", true],
    ["http://127.1.2.3:1", true],
    ["http://localhost:1", true],
    ["http://[::1]:1", true],
    ["http://:1", false],
    ["http://0.0.0.0:1", false],
    ["http://[::]:1", false],
    ["http://10.0.0.5:1", false],
  ])("%s → %p", (uri, expected) => {
    expect(isLoopback(parseListener("listeners", uri))).toBe(expected);
  });
});

describe("connector.client.config.override.policy", () => {
  test.each([
    "All",
    "None",
    "Principal",
    "Allowlist",
    "NoneConnectorClientConfigOverridePolicy",
    "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy",
  ])("accepts %p, as Connect's plugin loader does", (policy) => {
    expect(
      loadWorkerConfig({ "connector.client.config.override.policy": policy })[
        "connector.client.config.override.policy"
      ],
    ).toBe(policy);
  });

  test("refuses a name Connect does not know (case matters), with Connect's startup message", () => {
    expect(() => loadWorkerConfig({ "connector.client.config.override.policy": "none" })).toThrow(
      "Invalid value none for configuration connector.client.config.override.policy: Failed to find any class that implements interface org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy and which name matches none",
    );
  });

  test("the Allowlist policy's list: trimmed, empty by default, no duplicates or empty values", () => {
    const allowlist = (value?: string) =>
      loadWorkerConfig(value === undefined ? {} : { "connector.client.config.override.allowlist": value })[
        "connector.client.config.override.allowlist"
      ];
    expect(allowlist()).toEqual([]);
    expect(allowlist(" acks , linger.ms")).toEqual(["acks", "linger.ms"]);
    expect(() => allowlist("acks,acks")).toThrow(
      "Configuration 'connector.client.config.override.allowlist' values must not be duplicated.",
    );
    expect(() => allowlist("acks,")).toThrow(
      "Configuration 'connector.client.config.override.allowlist' values must not be empty.",
    );
  });
});

describe("ingest.spool.total.max.bytes", () => {
  test("unset by default (no cap beyond each connector's); a LONG of at least 1, from the file or the environment", () => {
    const total = (file: Record<string, string>, env: Record<string, string> = {}) =>
      loadWorkerConfig(file, env)["ingest.spool.total.max.bytes"];
    expect(total({})).toBeNull();
    expect(total({ "ingest.spool.total.max.bytes": "10737418240" })).toBe(10_737_418_240);
    expect(total({}, { CONNECT_INGEST_SPOOL_TOTAL_MAX_BYTES: "4096" })).toBe(4096);
    expect(() => total({ "ingest.spool.total.max.bytes": "0" })).toThrow(
      "Invalid value 0 for configuration ingest.spool.total.max.bytes: Value must be at least 1",
    );
    expect(() => total({ "ingest.spool.total.max.bytes": "1GB" })).toThrow(
      "Invalid value 1GB for configuration ingest.spool.total.max.bytes: Not a number of type LONG",
    );
  });
});

describe("ingest.spool.page.size", () => {
  test("16384 by default; 4096, 8192 or 16384, from the file or the environment", () => {
    const size = (file: Record<string, string>, env: Record<string, string> = {}) =>
      loadWorkerConfig(file, env)["ingest.spool.page.size"];
    expect(size({})).toBe(16_384);
    expect(size({ "ingest.spool.page.size": "4096" })).toBe(4096);
    expect(size({}, { CONNECT_INGEST_SPOOL_PAGE_SIZE: "8192" })).toBe(8192);
    expect(() => size({ "ingest.spool.page.size": "1024" })).toThrow(
      "Invalid value 1024 for configuration ingest.spool.page.size: Value must be one of: 4096, 8192, 16384",
    );
  });
});

describe("credentials in an invalid listener (secrets rule)", () => {
  test.each([
    "http://admin:s3cret@127.0.0.1:8083",
    "ftp://admin:s3cret@127.0.0.1:8083",
    "http://admin:s3cret@h:99999",
    // A user info without a password was taken for part of the host, then quoted in bind failures.
    "http://s3cret@127.0.0.1:8083",
    "https://s3cret@[::1]:8443",
  ])("%s is refused without its password", (uri) => {
    expect(() => parseListener("listeners", uri)).toThrow(
      /^Invalid value \w+:\/\/\*\*\*@\S+ for configuration listeners: Could not parse listener: expected protocol:\/\/host:port$/,
    );
  });
});

describe("offset.flush.interval.ms (explore28: a Connect worker file with 0 refused the start)", () => {
  test.each([
    ["0", 0],
    ["-1", -1],
    ["1", 1],
  ])("%s is accepted, as Connect's WorkerConfig defines it without a validator", (value, expected) => {
    expect(loadWorkerConfig({ "offset.flush.interval.ms": value })["offset.flush.interval.ms"]).toBe(expected);
  });
});

describe("exactly.once.source.support (p3e: it was ignored whatever its value)", () => {
  test.each(["disabled", "DISABLED", "preparing", "Enabled"])("accepts %p, case-insensitive as Connect", (value) => {
    expect(loadWorkerConfig({ "exactly.once.source.support": value })["exactly.once.source.support"]).toBe(value);
  });

  test.each(["foo", ""])("refuses %p with Connect 4.3.1's DistributedConfig message", (value) => {
    expect(() => loadWorkerConfig({ "exactly.once.source.support": value })).toThrow(
      `Invalid value ${value} for configuration exactly.once.source.support: String must be one of (case insensitive): DISABLED, ENABLED, PREPARING`,
    );
  });

  test("disabled, Connect's default and what this worker does, gets no warning", () => {
    expect(exactlyOnceSourceWarning(loadWorkerConfig({}))).toBeUndefined();
    expect(exactlyOnceSourceWarning(loadWorkerConfig({ "exactly.once.source.support": "Disabled" }))).toBeUndefined();
  });

  test.each(["preparing", "ENABLED"])(
    "%p gets a warning that this worker has no exactly-once source support",
    (value) => {
      expect(exactlyOnceSourceWarning(loadWorkerConfig({ "exactly.once.source.support": value }))).toBe(
        `Worker config exactly.once.source.support=${value} has no effect in this gateway (it has no exactly-once source support): source tasks run as with disabled (at-least-once), and connectors with exactly.once.support=required are refused`,
      );
    },
  );
});

describe("response.http.headers.config (p3e: it was ignored)", () => {
  test("is read into the REST servers' rules", () => {
    expect(
      loadWorkerConfig({ "response.http.headers.config": " set X-Frame-Options:DENY " })[
        "response.http.headers.config"
      ],
    ).toBe("set X-Frame-Options:DENY");
  });

  test("an invalid rule fails the worker config with Connect's message alone", () => {
    expect(() => loadWorkerConfig({ "response.http.headers.config": "set X-Frame-Options" })).toThrow(
      new ConfigError(
        "Invalid format of header name and header value pair 'X-Frame-Options'. Expected: '[header name]:[header value]'",
      ),
    );
  });
});
