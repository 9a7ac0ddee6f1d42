import { describe, expect, test } from "bun:test";
import { ConnectorClientConfigOverridePolicy } from "../connector-client-config-override-policy.ts";
import { fileStreamSink, fileStreamSource } from "../connectors/file-stream/index.ts";
import { httpIngestSource } from "../connectors/http-ingest/index.ts";
import { BadRequestError, JavaException } from "../errors.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { compileJavaRegex } from "../transforms/util/java-regex.ts";
import { UnknownConnectorClassError } from "./resolve-connector.ts";
import { configErrorMessage, validateConnectorConfig } from "./validate-connector-config.ts";

const registry = new PluginRegistry([fileStreamSource, fileStreamSink]);

describe("validateConnectorConfig", () => {
  test("matches Connect's worked example for FileStreamSource (connect-rest-api.md §5.5)", () => {
    const { infos } = validateConnectorConfig(registry, { "connector.class": "FileStreamSource", name: "s1" });
    expect(infos.name).toBe("FileStreamSource");
    expect(infos.error_count).toBe(1);
    expect(infos.groups).toEqual([
      "Common",
      "Transforms",
      "Predicates",
      "Error Handling",
      "Topic Creation",
      "Exactly Once Support",
      "offsets.topic",
    ]);
    expect(infos.configs.map((c) => c.definition?.name)).toEqual([
      "name",
      "connector.class",
      "connector.plugin.version",
      "tasks.max",
      "tasks.max.enforce",
      "key.converter",
      "key.converter.plugin.version",
      "value.converter",
      "value.converter.plugin.version",
      "header.converter",
      "header.converter.plugin.version",
      "transforms",
      "predicates",
      "config.action.reload",
      "errors.retry.timeout",
      "errors.retry.delay.max.ms",
      "errors.tolerance",
      "errors.log.enable",
      "errors.log.include.messages",
      "topic.creation.groups",
      "exactly.once.support",
      "transaction.boundary",
      "transaction.boundary.interval.ms",
      "offsets.storage.topic",
      "file",
      "topic",
      "batch.size",
    ]);
    expect(infos.configs.find((c) => c.definition?.name === "topic")).toEqual({
      definition: {
        name: "topic",
        type: "STRING",
        required: true,
        default_value: null,
        importance: "HIGH",
        documentation: "The topic to publish data to",
        group: null,
        order_in_group: -1,
        width: "NONE",
        display_name: "topic",
        dependents: [],
      },
      value: {
        name: "topic",
        value: null,
        recommended_values: [],
        errors: ['Missing required configuration "topic" which has no default value.'],
        visible: true,
      },
    });
  });

  test.each([
    [{}, "Must configure one of topics or topics.regex", 2],
    [
      { topics: "a", "topics.regex": "b.*" },
      "topics and topics.regex are mutually exclusive options, but both are set.",
      2,
    ],
    [
      { topics: "a,dlq", "errors.deadletterqueue.topic.name": "dlq" },
      "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector",
      1,
    ],
    // explore9 F4: the list is shown as SinkConnectorConfig.parseTopicsList gives it, without the
    // empty entries and repeats (each also an error of its own).
    [
      { topics: "a,b, dlq ,", "errors.deadletterqueue.topic.name": "dlq" },
      "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, b, dlq]') consumed by the connector",
      2,
    ],
    [
      { topics: "dlq,a,dlq,a", "errors.deadletterqueue.topic.name": "dlq" },
      "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[dlq, a]') consumed by the connector",
      2,
    ],
    [
      { "topics.regex": "\\Qdlq.x\\E", "errors.deadletterqueue.topic.name": "dlq.x" },
      "The DLQ topic 'dlq.x' may not be matched by the regex for the topics ('topics.regex=\\Qdlq.x\\E') consumed by the connector",
      1,
    ],
    [{ "topics.regex": "(?i)in-\\p{Alpha}+", "errors.deadletterqueue.topic.name": "in-dlq-1" }, undefined, 0],
    [{ "topics.regex": "a(" }, "Invalid value a( for configuration topics.regex: Invalid regex: ", 1],
  ])("runs the sink topic checks %p", (extra, message, count) => {
    const { infos } = validateConnectorConfig(registry, { "connector.class": "FileStreamSink", name: "k", ...extra });
    expect(infos.error_count).toBe(count);
    const errors = infos.configs.flatMap((c) => c.value?.errors ?? []);
    if (message !== undefined) expect(errors.some((e) => e.startsWith(message))).toBe(true);
  });

  // With a DLQ, Connect compiles topics.regex without a guard: what Java refuses is its 500, with the
  // fault the runtime's compile names ([&&&a\E]: the Bad class syntax before the \E).
  test.each([
    ["[&&&a\\E]", "Bad class syntax near index 2\n[&&&a\\E]\n  ^"],
    ["[&&]", "Bad class syntax near index 2\n[&&]\n  ^"],
    ["[a-c-&&]", "Bad intersection syntax near index 6\n[a-c-&&]\n      ^"],
    ["(?x)[a- [b]]", "Illegal character range near index 8\n(?x)[a- [b]]\n        ^"],
  ])("throws Java's PatternSyntaxException for topics.regex %p with a DLQ", (regex, message) => {
    const config = { "connector.class": "FileStreamSink", name: "k", "topics.regex": regex };
    let caught: unknown;
    try {
      validateConnectorConfig(registry, { ...config, "errors.deadletterqueue.topic.name": "dlq" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JavaException);
    expect((caught as JavaException).javaClass).toBe("java.util.regex.PatternSyntaxException");
    expect((caught as JavaException).message).toBe(message);
    expect(() => compileJavaRegex(regex)).toThrow(new SyntaxError(message));
  });

  test.each([
    [{ transforms: "t" }, 'Missing required configuration "transforms.t.type" which has no default value.'],
    [
      { transforms: "t", "transforms.t.type": "Nope" },
      "Invalid value Nope for configuration transforms.t.type: Class Nope could not be found.",
    ],
    [{ transforms: "t,t" }, "Invalid value [t, t] for configuration transforms: Duplicate alias provided."],
    [{ "tasks.max": "0" }, "Invalid value 0 for configuration tasks.max: Value must be at least 1"],
    [
      { "errors.tolerance": "foo" },
      "Invalid value foo for configuration errors.tolerance: String must be one of: none, all",
    ],
    [{ name: "" }, "Invalid value  for configuration name: String may not be empty"],
  ])("reports %p", (extra, message) => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "x",
      ...extra,
    });
    expect(infos.configs.flatMap((c) => c.value?.errors ?? [])).toContain(message);
  });

  test("reports a null value on the key, as Connect does", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "x",
      file: null,
      "tasks.max": null,
      other: null,
    });
    expect(infos.configs[0]).toEqual({
      definition: null,
      value: {
        name: "other",
        value: null,
        recommended_values: [],
        errors: ["Null value can not be supplied as the configuration value."],
        visible: true,
      },
    });
    expect(infos.configs.find((c) => c.definition?.name === "tasks.max")?.value?.errors).toEqual([
      "Invalid value null for configuration tasks.max: Value must be non-null",
      "Null value can not be supplied as the configuration value.",
    ]);
  });

  // Connect's generateResult keys ConfigValues by name, and the connector's own validate() result
  // comes last: a null on a key the connector defines (FileStreamSource's file, batch.size) loses
  // the framework's null-value error. Connect 4.3.1 creates {"batch.size": null} (diff-connect).
  test("a null value on a key the connector defines is no error, as Connect lets it through", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "x",
      file: null,
      "batch.size": null,
    });
    expect(infos.error_count).toBe(0);
    expect(infos.configs.find((c) => c.definition?.name === "batch.size")?.value).toEqual({
      name: "batch.size",
      value: null,
      recommended_values: [],
      errors: [],
      visible: true,
    });
  });

  // A null on a required key of the connector is no error either (parseForValidate parses it to null), so the
  // connector's cross-key rules must not see the config without it: they parsed it and threw (a 500 at PUT).
  test.each([["ingest.path"], ["kafka.topic"]])(
    "a null on the connector's required key %p is no error, and its cross-key rules are not run on the rest",
    (key) => {
      const ingest = new PluginRegistry([httpIngestSource()]);
      const config = {
        "connector.class": "io.edgegateway.connect.http.HttpIngestSourceConnector",
        name: "i",
        "ingest.path": "/in",
        "kafka.topic": "t",
        [key]: null,
      };
      const { infos } = validateConnectorConfig(ingest, config);
      expect(infos.error_count).toBe(0);
      expect(infos.configs.find((c) => c.definition?.name === key)?.value?.errors).toEqual([]);
    },
  );

  // Connect 4.3.1: ValidString and CaseInsensitiveValidString refuse a null as any other value not listed.
  test("a null on a framework key with a list of valid strings fails that validator too", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "x",
      "errors.tolerance": null,
      "exactly.once.support": null,
      "transaction.boundary": null,
    });
    const errors = (k: string) => infos.configs.find((c) => c.definition?.name === k)?.value?.errors;
    const NULL = "Null value can not be supplied as the configuration value.";
    expect(errors("errors.tolerance")).toEqual([
      "Invalid value null for configuration errors.tolerance: String must be one of: none, all",
      NULL,
    ]);
    expect(errors("exactly.once.support")).toEqual([
      "Invalid value null for configuration exactly.once.support: String must be one of (case insensitive): REQUIRED, REQUESTED",
      NULL,
    ]);
    expect(errors("transaction.boundary")).toEqual([
      "Invalid value null for configuration transaction.boundary: String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR",
      NULL,
    ]);
    expect(infos.error_count).toBe(6);
  });

  // Connect 4.3.1 trims these with getOrDefault(key, "").trim(): a null is a NullPointerException (a 500).
  test.each([
    ["FileStreamSink", "errors.deadletterqueue.topic.name"],
    ["FileStreamSource", "offsets.storage.topic"],
  ])("a null %s %p is Connect's NullPointerException", (cls, k) => {
    const config = { "connector.class": cls, name: "s", topic: "x", topics: "x", [k]: null };
    expect(() => validateConnectorConfig(registry, config)).toThrow(
      'Cannot invoke "String.trim()" because the return value of "java.util.Map.getOrDefault(Object, Object)" is null',
    );
  });

  test("a null sink topics fails ValidList with its own message, before the topics or topics.regex rule", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSink",
      name: "k",
      topics: null,
    });
    expect(infos.configs.find((c) => c.definition?.name === "topics")?.value?.errors).toEqual([
      "Configuration 'topics' values must not be null.",
      "Must configure one of topics or topics.regex",
      "Null value can not be supplied as the configuration value.",
    ]);
    expect(infos.error_count).toBe(4);
  });

  // Connect 4.3.1: ValidList refuses a null list.
  test.each([["transforms"], ["predicates"], ["topic.creation.groups"]])("a null %p fails ValidList as well", (k) => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "x",
      [k]: null,
    });
    expect(infos.configs.find((c) => c.definition?.name === k)?.value?.errors).toEqual([
      `Invalid value null for configuration ${k}: entry must be non null`,
      "Null value can not be supplied as the configuration value.",
    ]);
  });

  // Connect 4.3.1 answers 'NONE' with ValidString's error: config.action.reload is case-sensitive.
  test.each([["NONE"], [null]])("config.action.reload %p is not one of none, restart", (value) => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "x",
      "config.action.reload": value,
    });
    expect(infos.configs.find((c) => c.definition?.name === "config.action.reload")?.value?.errors?.[0]).toBe(
      `Invalid value ${value} for configuration config.action.reload: String must be one of: none, restart`,
    );
  });

  // Found by scripts/diff-connect (seed 1234): RegexValidator compiles the null (Pattern.compile NPE).
  test("a null topics.regex fails the regex validator as well as the null-value rule", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSink",
      name: "k",
      topics: "t",
      "topics.regex": null,
    });
    expect(infos.configs.find((c) => c.definition?.name === "topics.regex")?.value?.errors).toEqual([
      'Invalid value null for configuration topics.regex: Invalid regex: Cannot invoke "String.isEmpty()" because "this.pattern" is null',
      "Null value can not be supplied as the configuration value.",
    ]);
    expect(infos.error_count).toBe(2);
  });

  // Found by scripts/diff-connect (seeds 7, 1234): ConfigDef parses a CLASS by loading the trimmed
  // name, and no class is named "": a blank converter is an unknown class, not "unset".
  test.each([[""], [" "]])("a converter class %p is a class that could not be found", (blank) => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSink",
      name: "k",
      topics: "t",
      "value.converter": blank,
    });
    expect(infos.error_count).toBe(1);
    expect(infos.configs.find((c) => c.definition?.name === "value.converter")?.value).toEqual({
      name: "value.converter",
      value: null,
      recommended_values: [],
      errors: [`Invalid value ${blank} for configuration value.converter: Class ${blank} could not be found.`],
      visible: true,
    });
  });

  // Found by scripts/diff-connect (seed 7): Utils.isBlank trims as Java does (every char <= U+0020).
  test("a topics.regex of control characters is blank, so topics alone is no conflict", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSink",
      name: "k",
      topics: "t",
      "topics.regex": "\u0000",
    });
    expect(infos.error_count).toBe(0);
  });

  test("rejects a config without connector.class with Connect's message", () => {
    expect(() => validateConnectorConfig(registry, { name: "x", topic: "t" })).toThrow(
      new BadRequestError("Connector config {name=x, topic=t} contains no connector type"),
    );
  });

  test("hides a URL's credentials in the config it quotes when connector.class is missing (secrets rule)", () => {
    expect(() =>
      validateConnectorConfig(registry, { name: "x", "http.url": "https://user:s3cret@127.0.0.1/in?api_key=t0ken" }),
    ).toThrow(
      new BadRequestError(
        "Connector config {name=x, http.url=https://***@127.0.0.1/in?api_key=***} contains no connector type",
      ),
    );
    // Each value is one value: a raw space in it ends no credential.
    expect(() =>
      validateConnectorConfig(registry, { name: "x", "http.url": "http://u:s3 cret@h:${offset}/in?token=t0 k&q=1" }),
    ).toThrow(
      new BadRequestError(
        "Connector config {name=x, http.url=http://***@h:${offset}/in?token=***&q=1} contains no connector type",
      ),
    );
  });

  test("hides a scheme-less user:password@host in the config it quotes when connector.class is missing", () => {
    expect(() =>
      validateConnectorConfig(registry, { name: "x", proxy: "alice:s3cret@proxy:3128", contact: "a@b.c" }),
    ).toThrow(
      new BadRequestError("Connector config {name=x, proxy=***@proxy:3128, contact=a@b.c} contains no connector type"),
    );
  });

  test("hides a scheme-less user:password@host in class-not-found messages", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      "key.converter": "alice:s3cret@proxy:3128",
    });
    const errors = infos.configs.flatMap((c) => c.value?.errors ?? []);
    expect(errors).toContain(
      "Invalid value ***@proxy:3128 for configuration key.converter: Class ***@proxy:3128 could not be found.",
    );
    expect(JSON.stringify(infos)).not.toContain("s3cret");
  });

  test("hides a URL's credentials in class-not-found messages (secrets rule)", () => {
    const url = "https://user:s3cret@127.0.0.1/x?token=t0ken";
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s",
      "key.converter": url,
      transforms: "t",
      "transforms.t.type": url,
    });
    const errors = infos.configs.flatMap((c) => c.value?.errors ?? []);
    const hidden = "https://***@127.0.0.1/x?token=***";
    expect(errors).toContain(
      `Invalid value ${hidden} for configuration key.converter: Class ${hidden} could not be found.`,
    );
    expect(errors).toContain(
      `Invalid value ${hidden} for configuration transforms.t.type: Class ${hidden} could not be found.`,
    );
    expect(JSON.stringify(infos)).not.toMatch(/s3cret|t0ken/);
  });

  test("names the available connectors when the class is unknown", () => {
    expect(() => validateConnectorConfig(registry, { "connector.class": "Nope" })).toThrow(UnknownConnectorClassError);
    try {
      validateConnectorConfig(registry, { "connector.class": "Nope" });
    } catch (error) {
      expect((error as Error).message).toStartWith(
        "Failed to find any class that implements Connector and which name matches Nope, available connectors are: PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector",
      );
    }
  });

  test("formats the 400 message like AbstractHerder.maybeAddConfigErrors", () => {
    const { infos } = validateConnectorConfig(registry, {
      "connector.class": "FileStreamSource",
      name: "s1",
      "tasks.max": "abc",
    });
    expect(configErrorMessage(infos)).toBe(
      "Connector configuration is invalid and contains the following 3 error(s):\n" +
        "Invalid value abc for configuration tasks.max: Not a number of type INT\n" +
        "Invalid value null for configuration tasks.max: Value must be non-null\n" +
        'Missing required configuration "topic" which has no default value.\n' +
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
  });
});

describe("converter sub-configs", () => {
  test("are validated under their prefix, with converter.type supplied by the runtime", async () => {
    const { builtInRegistry } = await import("../plugins.ts");
    const { infos } = validateConnectorConfig(builtInRegistry(), {
      "connector.class": "FileStreamSource",
      name: "s",
      topic: "t",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "maybe",
      "key.converter": "com.example.Nope",
    });
    const errors = infos.configs.flatMap((c) => c.value?.errors ?? []);
    expect(errors).toEqual([
      "Invalid value com.example.Nope for configuration key.converter: Class com.example.Nope could not be found.",
      // Connect prefixes the entry's name, not the text of its messages.
      "Invalid value maybe for configuration schemas.enable: Expected value to be either true or false",
    ]);
    expect(
      infos.configs.find((c) => c.value?.errors.length && c.definition?.name.endsWith("schemas.enable"))?.value?.name,
    ).toBe("value.converter.schemas.enable");
  });
});

describe("client overrides and the worker's override policy (AbstractHerder.validateClientOverrides)", () => {
  const config = {
    "connector.class": "FileStreamSink",
    name: "k",
    topics: "t",
    "errors.tolerance": "sometimes",
    "consumer.override.max.poll.records": "5",
    "producer.override.linger.ms": "10",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "maybe",
  };

  test("the overrides of the clients the connector uses come after its keys and before its converters'", async () => {
    const { builtInRegistry } = await import("../plugins.ts");
    const none = ConnectorClientConfigOverridePolicy.of("None");
    const { infos } = validateConnectorConfig(builtInRegistry(), config, undefined, none);
    const names = infos.configs.map((c) => c.value?.name ?? c.definition?.name);
    const at = names.indexOf("consumer.override.max.poll.records");
    expect(names[at - 1]).toBe("file");
    expect(names[at + 1]).toStartWith("value.converter.");
    // A sink without a dead letter queue uses no producer: its producer overrides are not validated.
    expect(names).not.toContain("producer.override.linger.ms");
    expect(infos.error_count).toBe(3);
    expect(configErrorMessage(infos)).toBe(
      "Connector configuration is invalid and contains the following 3 error(s):\n" +
        "Invalid value sometimes for configuration errors.tolerance: String must be one of: none, all\n" +
        "The 'None' policy does not allow 'max.poll.records' to be overridden in the connector configuration.\n" +
        "Invalid value maybe for configuration schemas.enable: Expected value to be either true or false\n" +
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
  });

  test("the default policy (All) keeps the entries, without errors", () => {
    const { infos } = validateConnectorConfig(registry, { ...config, "errors.tolerance": "all" });
    const entry = infos.configs.find((c) => c.value?.name === "consumer.override.max.poll.records");
    expect(entry?.value?.errors).toEqual([]);
    expect(entry?.definition?.type).toBe("INT");
  });
});
