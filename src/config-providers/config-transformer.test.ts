import { describe, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigError } from "../errors.ts";
import type { ConfigProvider } from "./config-provider.ts";
import {
  ConfigProviderError,
  closeConfigProviders,
  configProvidersFromWorkerConfig,
  providedKeys,
  resolveConfig,
} from "./config-transformer.ts";
import { FileConfigProvider } from "./file-config-provider.ts";
import { SecretFilesConfigProvider } from "./secret-files-config-provider.ts";
import { capturedLogs, expectRejects, expectThrows } from "./test-support.ts";

/** A provider serving fixed data by path, recording every `get`. */
class FakeProvider implements ConfigProvider {
  readonly calls: [string, string[]][] = [];
  closed = 0;
  constructor(private readonly data: Record<string, Record<string, string>>) {}
  configure(): void {}
  get(path: string, keys?: ReadonlySet<string>): Map<string, string> {
    this.calls.push([path, [...(keys ?? [])].sort()]);
    return new Map(Object.entries(this.data[path] ?? {}).filter(([k]) => keys === undefined || keys.has(k)));
  }
  close(): void {
    this.closed++;
  }
}

function fake(): FakeProvider {
  return new FakeProvider({
    "": { TOKEN: "t0k3n", USER: "app", NESTED: "${vault:x}", DOLLARS: "$& and $1", EMPTY: "", BLANK: " \t" },
    "/etc/app.properties": { "db.user": "app", "db.password": "pw-123", "a:b": "colon" },
  });
}

describe("resolveConfig", () => {
  test.each<[string, string]>([
    ["${test:TOKEN}", "t0k3n"],
    ["${test:/etc/app.properties:db.password}", "pw-123"],
    ["Bearer ${test:TOKEN}", "Bearer t0k3n"],
    ["${test:USER}:${test:TOKEN}@${test:/etc/app.properties:db.user}", "app:t0k3n@app"],
    ["${test::TOKEN}", "t0k3n"],
    ["${test:/etc/app.properties:a:b}", "colon"],
    ["${test:MISSING}", "${test:MISSING}"],
    ["${test:/no/such/path:db.user}", "${test:/no/such/path:db.user}"],
    ["${unknown:TOKEN} and ${test:TOKEN}", "${unknown:TOKEN} and t0k3n"],
    ["${unknown:${test:TOKEN}}", "${unknown:${test:TOKEN}}"],
    ["${test:NESTED}", "${vault:x}"],
    ["${test:DOLLARS}", "$& and $1"],
    ["pa$$word", "pa$$word"],
    ["$TOKEN ${TOKEN} {test:TOKEN} $ {test:TOKEN}", "$TOKEN ${TOKEN} {test:TOKEN} $ {test:TOKEN}"],
    ["${test:TOKEN", "${test:TOKEN"],
    ["", ""],
  ])("resolves %p to %p", async (value, expected) => {
    expect(await resolveConfig({ key: value }, new Map([["test", fake()]]))).toEqual({ key: expected });
  });

  test("asks each provider once per path, for every key referenced there", async () => {
    const provider = fake();
    const resolved = await resolveConfig(
      {
        "connection.user": "${test:/etc/app.properties:db.user}",
        "connection.password": "${test:/etc/app.properties:db.password}",
        "http.headers": "Authorization: Bearer ${test:TOKEN},X-User: ${test:USER},X-Again: ${test:TOKEN}",
        "tasks.max": "1",
      },
      new Map([["test", provider]]),
    );
    expect(resolved).toEqual({
      "connection.user": "app",
      "connection.password": "pw-123",
      "http.headers": "Authorization: Bearer t0k3n,X-User: app,X-Again: t0k3n",
      "tasks.max": "1",
    });
    expect(provider.calls.sort()).toEqual([
      ["", ["TOKEN", "USER"]],
      ["/etc/app.properties", ["db.password", "db.user"]],
    ]);
  });

  test("keeps the keys in order and does not touch the input", async () => {
    const config = Object.freeze({ b: "${test:TOKEN}", a: "plain" });
    expect(Object.keys(await resolveConfig(config, new Map([["test", fake()]])))).toEqual(["b", "a"]);
    expect(config).toEqual({ b: "${test:TOKEN}", a: "plain" });
  });

  test("passes a null value (a config stored with a JSON null) on untouched, as ConfigTransformer does", async () => {
    const config = JSON.parse('{"a": null, "b": "${test:TOKEN}"}') as Record<string, string>;
    expect(await resolveConfig(config, new Map([["test", fake()]]))).toEqual(
      JSON.parse('{"a": null, "b": "t0k3n"}') as Record<string, string>,
    );
  });

  test("treats a __proto__ key as a plain key", async () => {
    const config = JSON.parse('{"__proto__": "${test:TOKEN}"}') as Record<string, string>;
    const resolved = await resolveConfig(config, new Map([["test", fake()]]));
    expect(Object.entries(resolved)).toEqual([["__proto__", "t0k3n"]]);
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
  });

  test("reports every resolved value through onSecret, and nothing unresolved", async () => {
    const secrets: string[] = [];
    await resolveConfig(
      { a: "${test:TOKEN} ${test:MISSING} ${unknown:USER}", b: "${test:/etc/app.properties:db.password}" },
      new Map([["test", fake()]]),
      (value, _, composed) => composed || secrets.push(value),
    );
    expect(secrets.sort()).toEqual(["pw-123", "t0k3n"]);
  });

  // opswalk-b: the start's WARN named "providers" read off values, and found them in quadratic time.
  test("reports the config key of each reference left as written, once per reference, and no resolved one", async () => {
    const unresolved: string[] = [];
    await resolveConfig(
      {
        a: "${test:TOKEN} ${test:MISSING} ${unknown:USER}",
        b: "${test:/etc/app.properties:db.password}",
        c: "pa$$word ${no-colon}",
        d: "${test:/no/such/path:db.user}",
        e: null as unknown as string,
      },
      new Map([["test", fake()]]),
      undefined,
      (key) => unresolved.push(key),
    );
    expect(unresolved).toEqual(["a", "a", "d"]);
  });

  test("a config of 100,000 references is resolved in one pass: one lookup per path, one report per unresolved reference", async () => {
    const provider = fake();
    const unresolved: string[] = [];
    const config: Record<string, string> = { many: "${test:MISSING}x".repeat(50_000) };
    for (let i = 0; i < 50_000; i++) config[`k${i}`] = `${"${test:TOKEN}"}${"${vault:v}"}`;
    const resolved = await resolveConfig(config, new Map([["test", provider]]), undefined, (key) =>
      unresolved.push(key),
    );
    expect(provider.calls).toEqual([["", ["MISSING", "TOKEN"]]]);
    expect(unresolved.length).toBe(100_000);
    expect(unresolved.filter((key) => key === "many").length).toBe(50_000);
    expect(resolved.k49999).toBe("t0k3n${vault:v}");
  });

  // secretcompose: a short value glued to the config's own letters (`t0k3nx9`) is no whole token.
  test("reports the whole value of a key composed around a resolved reference, with its raw text and the keys it was resolved for", async () => {
    const reported: [string, string, boolean, readonly string[]][] = [];
    await resolveConfig(
      {
        url: "jdbc:pg://db/app?password=${test:TOKEN}x9",
        list: "a,b,${test:USER}",
        glued: "${test:USER}x, b ,c${test:TOKEN}",
        partly: "${test:TOKEN}${unknown:USER}",
        whole: "${test:TOKEN}",
        unresolved: "x${test:MISSING}",
        // review-secrets5 P3-2: resolved to nothing, it is the config's own `orders`: no secret.
        empty: "orders${test:EMPTY}",
        // review-secrets6 P3-4: nor to white space only (`orders \t` hid `orders` in a line).
        blank: "orders${test:BLANK}",
        plain: "a,b",
      },
      new Map([["test", fake()]]),
      (...report) => reported.push(report),
    );
    expect(reported.filter(([, , composed]) => composed)).toEqual([
      ["jdbc:pg://db/app?password=t0k3nx9", "jdbc:pg://db/app?password=${test:TOKEN}x9", true, ["url"]],
      ["a,b,app", "a,b,${test:USER}", true, ["list"]],
      // A list's elements glued to a resolved value are values too; the config's own are not.
      ["appx, b ,ct0k3n", "${test:USER}x, b ,c${test:TOKEN}", true, ["glued"]],
      ["appx", "${test:USER}x, b ,c${test:TOKEN}", true, ["glued"]],
      ["ct0k3n", "${test:USER}x, b ,c${test:TOKEN}", true, ["glued"]],
      ["t0k3n${unknown:USER}", "${test:TOKEN}${unknown:USER}", true, ["partly"]],
    ]);
    // A provider's value names every key whose value references it (app.ts: only `connector.class` may show it).
    expect(reported.filter(([, , composed]) => !composed).sort()).toEqual([
      [" \t", "test::BLANK", false, ["blank"]],
      ["", "test::EMPTY", false, ["empty"]],
      ["app", "test::USER", false, ["list", "glued"]],
      ["t0k3n", "test::TOKEN", false, ["url", "glued", "partly", "whole"]],
    ]);
  });

  describe("when a provider fails", () => {
    test("throws the provider's message, as Connect's ConfigException; `described` and each key's message name the provider, the path and the keys, never a value", async () => {
      await using dir = await tempDir();
      await writeFile(dir.file("ok.properties"), "password=pw-123\n");
      const file = new FileConfigProvider(capturedLogs().logs.get("test"));
      file.configure({});
      const missing = dir.file("missing.properties");
      const described =
        `Could not resolve config provider 'file' at path '${missing}' referenced by connection.url, ` +
        `connection.password: Could not read properties from file ${missing}`;
      const error = await expectRejects(
        resolveConfig(
          {
            "connection.user": `\${file:${dir.file("ok.properties")}:password}`,
            "connection.url": `jdbc:\${file:${missing}:url}`,
            "connection.password": `\${file:${missing}:password}`,
          },
          new Map([["file", file]]),
        ),
        ConfigProviderError,
        `Could not read properties from file ${missing}`,
      );
      expect((error as ConfigProviderError).described).toBe(described);
      expect((error as ConfigError).errors).toEqual(
        new Map([
          ["connection.url", [described]],
          ["connection.password", [described]],
        ]),
      );
      expect(described).not.toContain("pw-123");
    });

    test("names the provider alone when the reference has no path", async () => {
      const secrets = new SecretFilesConfigProvider();
      await using dir = await tempDir();
      secrets.configure({ dir: dir.path });
      const error = await expectRejects(
        resolveConfig({ "http.token": "${secrets:../etc/passwd}" }, new Map([["secrets", secrets]])),
        ConfigProviderError,
        "Secret ../etc/passwd must not contain '..'",
      );
      expect((error as ConfigProviderError).described).toBe(
        "Could not resolve config provider 'secrets' referenced by http.token: Secret ../etc/passwd must not contain '..'",
      );
    });
  });
});

describe("providedKeys", () => {
  // secretp5: a literal `${a:b}` (a provider the worker does not have, a key its provider lacks)
  // is left as written, as Connect's ConfigTransformer leaves it: the user's own text, not a secret.
  test("names the keys whose value a provider resolved a reference in, wholly or in part", async () => {
    const raw = {
      url: "https://hooks.example/services/${test:TOKEN}",
      "http.url": "${test:/etc/app.properties:db.password}",
      suffix: "orders${test:EMPTY}",
      "unknown.provider": "https://h.example/${a:b}/x",
      "missing.key": "https://h.example/${test:MISSING}",
      template: "https://h.example/${topic}",
      topics: "orders",
      none: null,
    };
    const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null)) as Record<string, string>;
    const resolved = { ...raw, ...(await resolveConfig(present, new Map([["test", fake()]]))) };
    expect(providedKeys(raw, resolved)).toEqual(new Set(["url", "http.url", "suffix"]));
  });
});

describe("configProvidersFromWorkerConfig", () => {
  test("builds nothing without config.providers", () => {
    expect(configProvidersFromWorkerConfig({ "bootstrap.servers": "k:9092" })).toEqual(new Map());
    expect(configProvidersFromWorkerConfig({ "config.providers": " " })).toEqual(new Map());
  });

  test("resolves ${secrets:api/token} for a worker configured as the HTTP source docs show", async () => {
    await using dir = await tempDir();
    await mkdir(dir.file("api"));
    await writeFile(dir.file("api/token"), "t0k3n-abc\n");
    const { logs, lines } = capturedLogs();
    const providers = configProvidersFromWorkerConfig(
      {
        "config.providers": "secrets",
        "config.providers.secrets.class": "io.edgegateway.config.provider.SecretFilesConfigProvider",
        "config.providers.secrets.param.dir": dir.path,
      },
      { logs },
    );
    const resolved = await resolveConfig({ "http.auth.token": "${secrets:api/token}" }, providers, (value) =>
      logs.registerSecret(value),
    );
    expect(resolved).toEqual({ "http.auth.token": "t0k3n-abc" });
    logs.get("test").info(`sending Authorization: Bearer ${resolved["http.auth.token"]}`);
    expect(lines).toEqual([expect.stringContaining("INFO sending Authorization: Bearer [hidden] (test)")]);
  });

  test("configures several providers by class or alias, each with its own params", async () => {
    await using dir = await tempDir();
    await writeFile(dir.file("app.properties"), "user=app\n");
    await writeFile(dir.file("token"), "t0k3n");
    const providers = configProvidersFromWorkerConfig(
      {
        "config.providers": "file , dir,env",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.file.param.allowed.paths": dir.path,
        "config.providers.dir.class": "DirectoryConfigProvider",
        "config.providers.env.class": "EnvVar",
        "config.providers.env.param.allowlist.pattern": "APP_.*",
      },
      { env: { APP_TOKEN: "env-t0k3n", HOME: "/root" }, logs: capturedLogs().logs },
    );
    expect([...providers.keys()]).toEqual(["file", "dir", "env"]);
    expect(
      await resolveConfig(
        {
          user: `\${file:${dir.file("app.properties")}:user}`,
          token: `\${dir:${dir.path}:token}`,
          env: "${env:APP_TOKEN}",
          hidden: "${env:HOME}",
        },
        providers,
      ),
    ).toEqual({ user: "app", token: "t0k3n", env: "env-t0k3n", hidden: "${env:HOME}" });
  });

  test("skips a listed provider without a class, with a warning, leaving its references as written", async () => {
    const { logs, lines } = capturedLogs();
    const providers = configProvidersFromWorkerConfig({ "config.providers": "vault" }, { logs });
    expect(providers).toEqual(new Map());
    expect(lines).toEqual([
      expect.stringContaining(
        "WARN Config provider 'vault' is listed in config.providers but config.providers.vault.class is not set",
      ),
    ]);
    expect(await resolveConfig({ k: "${vault:secret/db:password}" }, providers)).toEqual({
      k: "${vault:secret/db:password}",
    });
  });

  test("rejects an unknown class, naming its key", () => {
    const message =
      "Invalid value com.example.VaultConfigProvider for configuration config.providers.vault.class: Failed to find " +
      "any class that implements ConfigProvider and which name matches com.example.VaultConfigProvider, available " +
      "ConfigProviders are: io.edgegateway.config.provider.SecretFilesConfigProvider, " +
      "org.apache.kafka.common.config.provider.DirectoryConfigProvider, " +
      "org.apache.kafka.common.config.provider.EnvVarConfigProvider, " +
      "org.apache.kafka.common.config.provider.FileConfigProvider";
    const error = expectThrows(
      () =>
        configProvidersFromWorkerConfig({
          "config.providers": "vault",
          "config.providers.vault.class": "com.example.VaultConfigProvider",
        }),
      ConfigError,
      message,
    );
    expect((error as ConfigError).errors).toEqual(new Map([["config.providers.vault.class", [message]]]));
  });

  test("an unknown class that is a URL with credentials is quoted with them hidden (secrets rule)", () => {
    let error: unknown;
    try {
      configProvidersFromWorkerConfig({
        "config.providers": "vault",
        "config.providers.vault.class": "https://user:s3cret@vault.local/x?token=t0ken",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = `${(error as ConfigError).message} ${JSON.stringify([...(error as ConfigError).errors])}`;
    expect(text).not.toMatch(/s3cret|t0ken/);
    expect((error as ConfigError).message).toStartWith(
      "Invalid value https://***@vault.local/x?token=*** for configuration config.providers.vault.class: Failed to find " +
        "any class that implements ConfigProvider and which name matches https://***@vault.local/x?token=***, available",
    );
  });

  test.each<[Record<string, string>, string, string]>([
    [
      { "config.providers.secrets.class": "SecretFiles" },
      "config.providers.secrets.param.dir",
      'Missing required configuration "config.providers.secrets.param.dir" which has no default value.',
    ],
    [
      { "config.providers.secrets.class": "SecretFiles", "config.providers.secrets.param.dir": "run/secrets" },
      "config.providers.secrets.param.dir",
      "Invalid value run/secrets for configuration config.providers.secrets.param.dir: Path run/secrets is not absolute",
    ],
    [
      { "config.providers.secrets.class": "File", "config.providers.secrets.param.allowed.paths": "/no/such" },
      "config.providers.secrets.param.allowed.paths",
      "Invalid value [/no/such] for configuration config.providers.secrets.param.allowed.paths: Path /no/such does not exist",
    ],
  ])("rejects invalid params %p, naming the full key", (config, key, message) => {
    const error = expectThrows(
      () => configProvidersFromWorkerConfig({ "config.providers": "secrets", ...config }),
      ConfigError,
      message,
    );
    expect((error as ConfigError).errors).toEqual(new Map([[key, [message]]]));
  });
});

describe("closeConfigProviders", () => {
  test("closes every provider even when one fails", async () => {
    const first = fake();
    const last = fake();
    const failing: ConfigProvider = {
      configure: () => {},
      get: () => new Map(),
      close: () => {
        throw new Error("boom");
      },
    };
    await closeConfigProviders(
      new Map<string, ConfigProvider>([
        ["first", first],
        ["failing", failing],
        ["last", last],
      ]),
    );
    expect([first.closed, last.closed]).toEqual([1, 1]);
  });
});
