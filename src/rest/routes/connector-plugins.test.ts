import { describe, expect, test } from "bun:test";
import { inProcessWorker, SCRIPTED_SOURCE } from "../../runtime/herder-test-support.ts";

describe("PUT /connector-plugins/{plugin}/config/validate", () => {
  describe("when the connector's cross-key rule is violated", () => {
    test("reports it on the key at fault and counts it in error_count", async () => {
      await using w = await inProcessWorker();
      const { status, body } = await w.rest("PUT", "/connector-plugins/ScriptedSource/config/validate", {
        "connector.class": SCRIPTED_SOURCE,
        name: "v",
        "auth.type": "BEARER",
      });
      expect(status).toBe(200);
      expect(body.name).toBe(SCRIPTED_SOURCE);
      expect(body.error_count).toBe(1);
      const token = body.configs.find(
        (c: { definition: { name: string } | null }) => c.definition?.name === "auth.token",
      );
      expect(token.value).toEqual({
        name: "auth.token",
        value: null,
        recommended_values: [],
        errors: ["auth.token is required when auth.type is BEARER"],
        visible: true,
      });
    });
  });

  describe("when the config satisfies the rule", () => {
    test("error_count is 0 and the secret shows as [hidden]", async () => {
      await using w = await inProcessWorker();
      const { status, body } = await w.rest("PUT", "/connector-plugins/ScriptedSource/config/validate", {
        "connector.class": SCRIPTED_SOURCE,
        name: "v",
        "auth.type": "BEARER",
        "auth.token": "s3cr3t-token",
      });
      expect(status).toBe(200);
      expect(body.error_count).toBe(0);
      expect(JSON.stringify(body)).not.toContain("s3cr3t-token");
    });
  });
});

describe("GET /connector-plugins and …/{plugin}/config", () => {
  test("lists connectors only by default, every plugin with connectorsOnly=false", async () => {
    await using w = await inProcessWorker();
    const connectors = (await w.rest("GET", "/connector-plugins")).body as { class: string; type: string }[];
    expect(connectors.every((p) => p.type === "source" || p.type === "sink")).toBe(true);
    expect(connectors.map((p) => p.class)).toContain(SCRIPTED_SOURCE);
    const all = (await w.rest("GET", "/connector-plugins?connectorsOnly=false")).body as { type: string }[];
    expect(new Set(all.map((p) => p.type))).toEqual(
      new Set(["sink", "source", "transformation", "predicate", "converter", "header_converter"]),
    );
  });

  // Jersey gives an empty `@DefaultValue("true")` boolean its default (hunt7: h7-plugins-connectors-only-no-value).
  // So is one that String.trim empties (h7-plugins-connectors-only-space, -tab).
  test.each([
    "?connectorsOnly",
    "?connectorsOnly=",
    "?connectorsOnly=%20",
    "?connectorsOnly=%09",
    "?connectorsOnly=true&connectorsOnly=false",
  ])("%s lists connectors only, as Connect", async (query) => {
    await using w = await inProcessWorker();
    const plugins = (await w.rest("GET", `/connector-plugins${query}`)).body as { type: string }[];
    expect(new Set(plugins.map((p) => p.type))).toEqual(new Set(["sink", "source"]));
  });

  // Boolean.valueOf gets the value untrimmed (h7-plugins-connectors-only-padded-true).
  test("?connectorsOnly=%20true%20 lists every plugin, as Connect", async () => {
    await using w = await inProcessWorker();
    const plugins = (await w.rest("GET", "/connector-plugins?connectorsOnly=%20true%20")).body as unknown[];
    expect(plugins.length).toBeGreaterThan(2);
  });

  test("describes a connector's own keys followed by the framework keys", async () => {
    await using w = await inProcessWorker();
    const { status, body } = await w.rest("GET", "/connector-plugins/ScriptedSource/config");
    expect(status).toBe(200);
    const names = (body as { name: string }[]).map((k) => k.name);
    expect(names.slice(0, 3)).toEqual(["auth.type", "auth.token", "topic"]);
    expect(names).toContain("tasks.max");
    expect((body as { name: string; type: string }[]).find((k) => k.name === "auth.token")?.type).toBe("PASSWORD");
  });

  test("answers 404 for an unknown plugin", async () => {
    await using w = await inProcessWorker();
    expect(await w.rest("GET", "/connector-plugins/Nope/config")).toEqual({
      status: 404,
      body: { error_code: 404, message: "Unknown plugin Nope." },
    });
  });

  test("answers 400 for a known class that is no plugin: a connector's task, a config provider", async () => {
    await using w = await inProcessWorker();
    for (const name of [
      "test.ScriptedSourceTask",
      "org.apache.kafka.common.config.provider.FileConfigProvider",
      "FileConfigProvider",
      "EnvVar",
    ]) {
      expect(await w.rest("GET", `/connector-plugins/${name}/config`)).toEqual({
        status: 400,
        body: {
          error_code: 400,
          message: `Invalid plugin class ${name}. Valid types are sink, source, converter, header_converter, transformation, predicate.`,
        },
      });
    }
  });

  test("answers 404 for a task's simple name: tasks have no aliases", async () => {
    await using w = await inProcessWorker();
    expect((await w.rest("GET", "/connector-plugins/ScriptedSourceTask/config")).status).toBe(404);
  });
});

describe("PUT …/config/validate with another connector.class than the path", () => {
  test("answers 400 with Connect's message", async () => {
    await using w = await inProcessWorker();
    expect(
      await w.rest("PUT", "/connector-plugins/FileStreamSource/config/validate", {
        "connector.class": SCRIPTED_SOURCE,
      }),
    ).toEqual({
      status: 400,
      body: {
        error_code: 400,
        message: `Included connector type ${SCRIPTED_SOURCE} does not match request type FileStreamSource`,
      },
    });
  });
});

describe("a topic name Kafka refuses (explore F1)", () => {
  const badTopic = (key: string) =>
    `Invalid value bad topic! for configuration ${key}: Topic name is invalid: 'bad topic!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  const errorsOf = (body: { configs: { value: { name: string; errors: string[] } }[] }, key: string) =>
    body.configs.find((c) => c.value.name === key)?.value.errors;

  test.each([
    ["HttpIngest", { "ingest.path": "/ingest/t", "kafka.topic": "bad topic!" }, "kafka.topic", badTopic("kafka.topic")],
    [
      "HttpIngest",
      { "ingest.path": "/ingest/t", "kafka.topic": "t", "ingest.rest.proxy.topics": "ok,bad topic!" },
      "ingest.rest.proxy.topics",
      badTopic("ingest.rest.proxy.topics"),
    ],
    [
      "HttpSource",
      { "http.url": "http://127.0.0.1:1/items", "kafka.topic": "bad topic!" },
      "kafka.topic",
      badTopic("kafka.topic"),
    ],
  ])("PUT /connector-plugins/%s/config/validate reports it on its key", async (plugin, config, key, message) => {
    await using w = await inProcessWorker();
    const { status, body } = await w.rest("PUT", `/connector-plugins/${plugin}/config/validate`, {
      "connector.class": plugin,
      name: "v",
      ...config,
    });
    expect(status).toBe(200);
    expect(errorsOf(body, key)).toEqual([message]);
    expect(body.error_count).toBe(1);
  });

  // A config stored before the rule only WARNs at start (stored-config-warnings.ts), as other validation-only rules.
  test("PUT and POST of the config answer Connect's 400 naming it, and create nothing", async () => {
    await using w = await inProcessWorker();
    const config = { "connector.class": "HttpIngest", "ingest.path": "/ingest/t", "kafka.topic": "." };
    const message = `Connector configuration is invalid and contains the following 1 error(s):\nInvalid value . for configuration kafka.topic: Topic name is invalid: '.' is not allowed\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``;
    expect(await w.rest("PUT", "/connectors/x/config", config)).toEqual({
      status: 400,
      body: { error_code: 400, message },
    });
    expect(await w.rest("POST", "/connectors", { name: "x", config })).toEqual({
      status: 400,
      body: { error_code: 400, message },
    });
    expect((await w.rest("GET", "/connectors")).body).toEqual([]);
  });
});

describe("PUT …/config/validate while other connectors hold passwords that are ordinary words", () => {
  // explore3 H3: a stored password `store` renamed http.ssl.keystore.location to
  // http.ssl.key[hidden].location (and rewrote its docs) in every validate answer; a stored `true`
  // showed a default `true` as [hidden].
  test("key names, docs and defaults are intact, and a password still shows as Connect shows it", async () => {
    await using w = await inProcessWorker();
    const stored = (name: string, token: string) =>
      w.rest("PUT", `/connectors/${name}/config`, {
        "connector.class": SCRIPTED_SOURCE,
        "auth.type": "BEARER",
        "auth.token": token,
      });
    expect((await stored("pw-store", "store")).status).toBe(201);
    expect((await stored("pw-true", "true")).status).toBe(201);

    const { status, body } = await w.rest("PUT", "/connector-plugins/HttpSource/config/validate", {
      "connector.class": "HttpSource",
      name: "other",
      "http.url": "https://127.0.0.1:1/x",
      "kafka.topic": "x",
    });
    expect(status).toBe(200);
    expect(JSON.stringify(body)).not.toContain("[hidden].");
    type Entry = { definition: Record<string, unknown> | null; value: Record<string, unknown> | null };
    const entry = (name: string) => (body.configs as Entry[]).find((c) => c.definition?.name === name);
    const keystore = entry("http.ssl.keystore.password");
    expect(keystore?.definition).toMatchObject({ documentation: "The key store's password.", type: "PASSWORD" });
    expect(keystore?.value?.name).toBe("http.ssl.keystore.password");
    expect(entry("http.ssl.keystore.location")?.value?.name).toBe("http.ssl.keystore.location");
    const trues = (body.configs as Entry[]).filter((c) => c.definition?.default_value === "true");
    expect(trues.length).toBeGreaterThan(0);
    for (const c of trues) expect(c.value?.value).toBe("true");

    const own = await w.rest("PUT", "/connector-plugins/ScriptedSource/config/validate", {
      "connector.class": SCRIPTED_SOURCE,
      name: "pw-store",
      "auth.type": "BEARER",
      "auth.token": "store",
    });
    expect(own.status).toBe(200);
    const token = (own.body.configs as Entry[]).find((c) => c.definition?.name === "auth.token");
    expect(token?.value).toEqual({
      name: "auth.token",
      value: "[hidden]",
      recommended_values: [],
      errors: [],
      visible: true,
    });
  });
});
