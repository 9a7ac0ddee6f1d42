import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { clientConfigKey, clientConfigKeysVersion, parseClientValue } from "./client-config-keys.ts";

describe("the catalog", () => {
  test("is not read when the gateway's modules load, only on first use", () => {
    const script = [
      'await import("./src/app.ts");',
      'await import("./src/main.ts");',
      'const keys = await import("./src/kafka/client-config-keys.ts");',
      "const before = keys.clientConfigKeysLoaded();",
      'keys.clientConfigKey("producer", "acks");',
      "console.log(JSON.stringify([before, keys.clientConfigKeysLoaded()]));",
    ].join("\n");
    const run = Bun.spawnSync([process.execPath, "-e", script], { cwd: `${import.meta.dir}/../..`, stderr: "pipe" });
    expect(run.stdout.toString().trim().split("\n").at(-1)).toBe("[false,true]");
  });
});

describe("clientConfigKey", () => {
  test("generated from Apache Kafka 4.3.1's client configs", () => {
    expect(clientConfigKeysVersion()).toBe("4.3.1");
  });

  test("a key as Connect describes it, per client type", () => {
    expect(clientConfigKey("producer", "linger.ms")).toMatchObject({
      name: "linger.ms",
      type: "LONG",
      required: false,
      default_value: "5",
      importance: "MEDIUM",
      group: null,
      order_in_group: -1,
      width: "NONE",
      display_name: "linger.ms",
      dependents: [],
    });
    expect(clientConfigKey("consumer", "linger.ms")).toBeUndefined();
    expect(clientConfigKey("consumer", "max.poll.records")?.type).toBe("INT");
    expect(clientConfigKey("admin", "retries")?.default_value).toBe("2147483647");
    expect(clientConfigKey("producer", "key.serializer")).toMatchObject({ required: true, default_value: null });
    expect(clientConfigKey("producer", "toString")).toBeUndefined();
  });

  test("a returned definition is a copy", () => {
    clientConfigKey("producer", "acks")!.dependents.push("x");
    expect(clientConfigKey("producer", "acks")!.dependents).toEqual([]);
  });
});

describe("parseClientValue (ConfigDef.parseType, then convertToString)", () => {
  test.each([
    ["producer", "linger.ms", " 10 ", "10"],
    ["producer", "bootstrap.servers", "a:1 , b:2", "a:1,b:2"],
    ["producer", "bootstrap.servers", "", ""],
    ["producer", "sasl.jaas.config", "secret required;", "[hidden]"],
    ["producer", "enable.idempotence", "TRUE", "true"],
    ["producer", "acks", " banana ", "banana"],
    ["producer", "sasl.login.refresh.window.factor", "1", "1.0"],
    [
      "producer",
      "partitioner.class",
      " org.apache.kafka.clients.producer.RoundRobinPartitioner ",
      "org.apache.kafka.clients.producer.RoundRobinPartitioner",
    ],
    [
      "consumer",
      "key.deserializer",
      "org.apache.kafka.common.serialization.StringDeserializer",
      "org.apache.kafka.common.serialization.StringDeserializer",
    ],
    // A LIST of class names parses as any list: its classes are loaded when the client is built.
    ["producer", "interceptor.classes", " com.example.I , com.example.J", "com.example.I,com.example.J"],
    ["producer", "no.such.key", " as given ", " as given "],
    ["producer", "linger.ms", null, null],
    // LONG as Long.parseLong: the whole long range, shown exactly (Connect's Worker itself sets max.block.ms to Long.MAX_VALUE).
    ["producer", "max.block.ms", "9223372036854775807", "9223372036854775807"],
    ["producer", "max.block.ms", "-9223372036854775808", "-9223372036854775808"],
    ["producer", "max.block.ms", "9007199254740993", "9007199254740993"],
    ["producer", "linger.ms", "+007", "7"],
    // DOUBLE as Double.parseDouble, shown as Double.toString.
    ["producer", "sasl.login.refresh.window.factor", "0.8d", "0.8"],
    ["producer", "sasl.login.refresh.window.factor", "1.5f", "1.5"],
    ["producer", "sasl.login.refresh.window.factor", " -2D ", "-2.0"],
    ["producer", "sasl.login.refresh.window.factor", "NaN", "NaN"],
    ["producer", "sasl.login.refresh.window.factor", "-NaN", "NaN"],
    ["producer", "sasl.login.refresh.window.factor", "Infinity", "Infinity"],
    ["producer", "sasl.login.refresh.window.factor", "-Infinity", "-Infinity"],
    ["producer", "sasl.login.refresh.window.factor", "+1.", "1.0"],
    ["producer", "sasl.login.refresh.window.factor", ".5e1", "5.0"],
    ["producer", "sasl.login.refresh.window.factor", "0x1.8p1", "3.0"],
    ["producer", "sasl.login.refresh.window.factor", "-0X.8P-1d", "-0.25"],
  ] as const)("%s %s %p → %p", (type, name, value, expected) => {
    expect(parseClientValue(type, name, value)).toBe(expected);
  });

  test.each([
    ["linger.ms", "abc", "Invalid value abc for configuration linger.ms: Not a number of type LONG"],
    ["batch.size", "1.5", "Invalid value 1.5 for configuration batch.size: Not a number of type INT"],
    [
      "max.block.ms",
      "9223372036854775808",
      "Invalid value 9223372036854775808 for configuration max.block.ms: Not a number of type LONG",
    ],
    [
      "max.block.ms",
      "-9223372036854775809",
      "Invalid value -9223372036854775809 for configuration max.block.ms: Not a number of type LONG",
    ],
    ["linger.ms", "1e3", "Invalid value 1e3 for configuration linger.ms: Not a number of type LONG"],
    ...["", "1.5x", "infinity", "NaNd", "0x1.8", "0xp1", "1e", "0x10"].map((value) => [
      "sasl.login.refresh.window.factor",
      value,
      `Invalid value ${value} for configuration sasl.login.refresh.window.factor: Not a number of type DOUBLE`,
    ]),
    [
      "partitioner.class",
      "com.example.P",
      "Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found.",
    ],
    // The value as given, untrimmed, in both places (a trimmed name was looked up).
    [
      "key.serializer",
      " com.example.S ",
      "Invalid value  com.example.S  for configuration key.serializer: Class  com.example.S  could not be found.",
    ],
    [
      "enable.idempotence",
      "yes",
      "Invalid value yes for configuration enable.idempotence: Expected value to be either true or false",
    ],
  ])("%s=%p does not parse: Connect's ConfigException", (name, value, message) => {
    expect(() => parseClientValue("producer", name, value)).toThrow(new ConfigError(message));
    try {
      parseClientValue("producer", name, value);
    } catch (error) {
      expect((error as ConfigError).errors).toEqual(new Map([[name, [message]]]));
    }
  });
});
