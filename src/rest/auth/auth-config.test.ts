import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../errors.ts";
import type { RawConfig } from "../../plugin/config-def.ts";
import { restAuthenticationConfigDef, restAuthenticationOptions } from "./auth-config.ts";
import { capturingLogger, fastHash, tempFiles } from "./test-support.ts";

function options(raw: RawConfig) {
  const { logger, lines } = capturingLogger();
  return { result: restAuthenticationOptions(restAuthenticationConfigDef.parse(raw), { logger }), lines };
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("restAuthenticationConfigDef", () => {
  test("declares every key with its default", () => {
    expect(restAuthenticationConfigDef.keys.map((k) => [k.name, k.meta.type, k.meta.default])).toEqual([
      ["rest.authentication", "LIST", ""],
      ["rest.authentication.basic.credentials.file", "STRING", null],
      ["rest.authentication.basic.realm", "STRING", "Kafka Connect"],
      ["rest.authentication.bearer.jwks.url", "STRING", null],
      ["rest.authentication.bearer.issuer", "STRING", null],
      ["rest.authentication.bearer.audience", "LIST", null],
      ["rest.authentication.bearer.algorithms", "LIST", "RS256,ES256"],
      ["rest.authentication.bearer.clock.tolerance.seconds", "LONG", "30"],
      ["rest.authentication.bearer.jwks.cooldown.ms", "LONG", "30000"],
      ["rest.authentication.bearer.jwks.cache.max.age.ms", "LONG", "600000"],
      ["rest.authentication.basic.max.concurrent.verifications", "INT", "4"],
      ["rest.authentication.failures.max", "INT", "10"],
      ["rest.authentication.failures.lockout.ms", "LONG", "60000"],
      ["rest.authentication.exempt.paths", "LIST", "/health"],
    ]);
    for (const k of restAuthenticationConfigDef.keys) expect(k.doc).not.toBe("");
  });

  test.each([
    [
      "rest.authentication",
      "basic,digest",
      "Invalid value [basic, digest] for configuration rest.authentication: Invalid value(s) digest. Valid values are: basic, bearer",
    ],
    [
      "rest.authentication.bearer.algorithms",
      "RS256,HS256",
      "Invalid value [RS256, HS256] for configuration rest.authentication.bearer.algorithms: Invalid value(s) HS256. Valid values are: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519",
    ],
    [
      "rest.authentication.bearer.jwks.url",
      "file:///etc/jwks.json",
      "Invalid value file:///etc/jwks.json for configuration rest.authentication.bearer.jwks.url: Expected an http or https URL",
    ],
    [
      "rest.authentication.bearer.clock.tolerance.seconds",
      "-1",
      "Invalid value -1 for configuration rest.authentication.bearer.clock.tolerance.seconds: Value must be at least 0",
    ],
    // adminauth hunt 2026-12-03: 0 was accepted and made every bearer request, forged ones too,
    // fetch the JWKS (keys past their age are fetched again at once); ingest refuses it the same way.
    ...["0", "999"].map((value) => [
      "rest.authentication.bearer.jwks.cache.max.age.ms",
      value,
      `Invalid value ${value} for configuration rest.authentication.bearer.jwks.cache.max.age.ms: Value must be at least 1000`,
    ]),
    // review68: the cooldown took 0 (ingest's refuses it since ingestjwt): every token naming a made-up
    // key id, forged ones too, then fetched the JWKS again, the request waiting for the fetch.
    ...["0", "999"].map((value) => [
      "rest.authentication.bearer.jwks.cooldown.ms",
      value,
      `Invalid value ${value} for configuration rest.authentication.bearer.jwks.cooldown.ms: Value must be at least 1000: with a shorter cooldown every token naming an unknown key id, forged ones too, makes the gateway fetch the JWKS again`,
    ]),
    [
      "rest.authentication.basic.realm",
      'say "hi"',
      'Invalid value say "hi" for configuration rest.authentication.basic.realm: May not contain quotes, backslashes or control characters',
    ],
    [
      "rest.authentication.exempt.paths",
      "/health,metrics",
      "Invalid value [/health, metrics] for configuration rest.authentication.exempt.paths: Paths must start with /: metrics",
    ],
    [
      "rest.authentication.exempt.paths",
      "/health/,/metrics;a=b,/",
      "Invalid value [/health/, /metrics;a=b, /] for configuration rest.authentication.exempt.paths: Paths are matched without a trailing slash, ; parameters or a query, so these never match: /health/, /metrics;a=b",
    ],
  ])("%s=%s is invalid", (name, value, message) => {
    const error = configErrorOf(() => restAuthenticationConfigDef.parse({ [name]: value }));
    expect([...error.errors]).toEqual([[name, [message]]]);
  });
});

describe("restAuthenticationOptions", () => {
  test("authentication is off by default", () => {
    expect(options({})).toEqual({ result: null, lines: [] });
  });

  test("warns when a scheme's settings are given but authentication is off", async () => {
    const { result, lines } = options({ "rest.authentication.bearer.jwks.url": "https://idp.example/certs" });
    expect(result).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "WARN REST authentication is off because rest.authentication is empty, although rest.authentication.bearer.jwks.url is set",
    );
  });

  test("builds both schemes from valid settings", async () => {
    await using files = await tempFiles();
    const path = await files.write("users", `alice:${await fastHash.bcrypt("pw")}\n`);
    const { result, lines } = options({
      "rest.authentication": "basic,bearer",
      "rest.authentication.basic.credentials.file": path,
      "rest.authentication.basic.realm": "edge",
      "rest.authentication.bearer.jwks.url": "https://idp.example/certs",
      "rest.authentication.bearer.audience": "edge-gateway",
    });
    expect(result?.basic?.realm).toBe("edge");
    expect(await result?.basic?.authenticator.authenticate("alice", "pw")).toBe(true);
    expect(result?.bearer).not.toBeNull();
    expect(result?.exemptPaths).toEqual(["/health"]);
    expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
      "TRACE Verified a password against 1 hash classes: bcrypt$10 (test.rest.auth)",
    ]);
  });

  test.each([
    ["without an audience", "https://idp.example/certs", "rest.authentication.bearer.audience is unset"],
    [
      "with a plain http JWKS URL on loopback",
      "http://127.0.0.1:8180/certs",
      "rest.authentication.bearer.jwks.url is plain http (loopback only): use https unless the key set is served on this host",
    ],
  ])("warns about bearer %s", (_case, url, warning) => {
    const { lines } = options({
      "rest.authentication": "bearer",
      "rest.authentication.bearer.jwks.url": url,
      ...(warning.includes("audience") ? {} : { "rest.authentication.bearer.audience": "edge" }),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`WARN ${warning}`);
  });

  describe("refuses invalid combinations with a ConfigError naming the key", () => {
    test("basic without a credentials file, bearer without a JWKS URL or algorithms", () => {
      const error = configErrorOf(() =>
        options({ "rest.authentication": "basic,bearer", "rest.authentication.bearer.algorithms": "" }),
      );
      expect([...error.errors]).toEqual([
        [
          "rest.authentication.basic.credentials.file",
          [
            "Invalid value null for configuration rest.authentication.basic.credentials.file: a credentials file is required when rest.authentication includes basic",
          ],
        ],
        [
          "rest.authentication.bearer.jwks.url",
          [
            "Invalid value null for configuration rest.authentication.bearer.jwks.url: a JWKS URL is required when rest.authentication includes bearer",
          ],
        ],
        [
          "rest.authentication.bearer.algorithms",
          [
            "Invalid value  for configuration rest.authentication.bearer.algorithms: at least one algorithm is required for bearer",
          ],
        ],
      ]);
      expect(error.message).toContain("rest.authentication.basic.credentials.file");
    });

    test.each(["http://idp.example/certs", "http://192.0.2.1/jwks", "HTTP://[2001:db8::1]/jwks"])(
      "a plain http JWKS URL off loopback (%s), as ingest.auth.jwt.jwks.url (explore4 J2)",
      (url) => {
        const error = configErrorOf(() =>
          options({
            "rest.authentication": "bearer",
            "rest.authentication.bearer.jwks.url": url,
            "rest.authentication.bearer.audience": "edge",
          }),
        );
        expect([...error.errors]).toEqual([
          [
            "rest.authentication.bearer.jwks.url",
            [
              `Invalid value ${url} for configuration rest.authentication.bearer.jwks.url: a plain http:// JWKS URL lets anyone on the network path replace the keys and forge tokens; use https:// (http is accepted only for a loopback address)`,
            ],
          ],
        ]);
      },
    );

    test("an unreadable credentials file", async () => {
      await using files = await tempFiles();
      const path = files.path("missing-users");
      const error = configErrorOf(() =>
        options({ "rest.authentication": "basic", "rest.authentication.basic.credentials.file": path }),
      );
      expect([...error.errors.keys()]).toEqual(["rest.authentication.basic.credentials.file"]);
      expect(error.message).toStartWith(
        `Invalid value ${path} for configuration rest.authentication.basic.credentials.file: cannot read the file: `,
      );
    });

    test("a plaintext password in the credentials file, without quoting it", async () => {
      await using files = await tempFiles();
      const path = await files.write("users", `alice:${await fastHash.argon2id("pw")}\nbob:Tr0ub4dor&3\n`);
      const error = configErrorOf(() =>
        options({ "rest.authentication": "basic", "rest.authentication.basic.credentials.file": path }),
      );
      expect([...error.errors]).toEqual([
        [
          "rest.authentication.basic.credentials.file",
          [
            `Invalid value ${path} for configuration rest.authentication.basic.credentials.file: line 2: the password of user "bob" is not an argon2 or bcrypt hash; plaintext passwords are not accepted (make one with gateway hash-password)`,
          ],
        ],
      ]);
      expect(error.message).not.toContain("Tr0ub4dor");
    });
  });
});
