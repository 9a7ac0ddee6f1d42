import { describe, expect, test } from "bun:test";
import { ConfigError, KafkaError } from "../errors.ts";
import { consumerSettings, parseBootstrap, producerSettings } from "./client-config.ts";

const pick = (props: Record<string, string>) => {
  const s = producerSettings(props);
  return { acks: s.acks, idempotent: s.idempotent, maxInFlight: s.maxInFlight, retries: s.retries };
};

describe("producerSettings (Kafka's producer rules)", () => {
  test.each([
    ["defaults: idempotent, 5 in flight", {}, { acks: -1, idempotent: true, maxInFlight: 5, retries: 2_147_483_647 }],
    [
      "acks=1: not idempotent, one in flight",
      { acks: "1" },
      { acks: 1, idempotent: false, maxInFlight: 1, retries: 2_147_483_647 },
    ],
    [
      "acks=1 with max.in.flight set: as set",
      { acks: "1", "max.in.flight.requests.per.connection": "3" },
      { acks: 1, idempotent: false, maxInFlight: 3, retries: 2_147_483_647 },
    ],
    [
      "more than 5 in flight switches default idempotence off",
      { "max.in.flight.requests.per.connection": "6" },
      { acks: -1, idempotent: false, maxInFlight: 6, retries: 2_147_483_647 },
    ],
    [
      "retries=0 switches default idempotence off",
      { retries: "0" },
      { acks: -1, idempotent: false, maxInFlight: 1, retries: 0 },
    ],
  ] as [string, Record<string, string>, ReturnType<typeof pick>][])("%s", (_name, props, expected) => {
    expect(pick(props)).toEqual(expected);
  });

  test.each([
    // ProducerConfig's own texts (Kafka 4.3.1), checked in its order: retries, acks, in flight.
    [
      { "enable.idempotence": "true", "max.in.flight.requests.per.connection": "6" },
      "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is 6.",
    ],
    [
      { "enable.idempotence": "true", retries: "0", acks: "1" },
      "Must set retries to non-zero when using the idempotent producer.",
    ],
    [
      { "enable.idempotence": "true", acks: "0", "max.in.flight.requests.per.connection": "6" },
      "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
    ],
    [{ "enable.idempotence": "true", acks: "1" }, "Must set acks to all in order to use the idempotent producer."],
    [
      { "max.in.flight.requests.per.connection": "0" },
      "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1",
    ],
    [{ "batch.size": "-1" }, "Invalid value -1 for configuration batch.size: Value must be at least 0"],
    [
      { "partitioner.availability.timeout.ms": "-1" },
      "Invalid value -1 for configuration partitioner.availability.timeout.ms: Value must be at least 0",
    ],
    [
      { "compression.type": "brotli" },
      "Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd",
    ],
    [
      // Case-sensitive, as Java's ValidString.in: GZIP is not gzip.
      { "compression.type": " GZIP" },
      "Invalid value GZIP for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd",
    ],
    [
      { "compression.gzip.level": "0" },
      "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1",
    ],
    [
      { "compression.lz4.level": "18" },
      "Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17",
    ],
    [
      { "compression.zstd.level": "-131073" },
      "Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072",
    ],
  ])("bad producer settings are errors naming the key (%p)", (props, message) => {
    expect(() => producerSettings(props)).toThrow(message);
  });

  test("delivery keys are read", () => {
    const s = producerSettings({
      "delivery.timeout.ms": "5000",
      "max.request.size": "2048",
      "request.timeout.ms": "700",
      "batch.size": "4096",
    });
    expect([s.deliveryTimeoutMs, s.maxRequestBytes, s.requestTimeoutMs, s.batchBytes]).toEqual([5000, 2048, 700, 4096]);
    expect(producerSettings({}).batchBytes).toBe(16_384);
  });

  test("the partitioner keys of KIP-794: adaptive partitioning on and the availability timeout off by default, as Java's", () => {
    const defaults = producerSettings({});
    expect([defaults.adaptivePartitioning, defaults.availabilityTimeoutMs]).toEqual([true, 0]);
    const set = producerSettings({
      "partitioner.adaptive.partitioning.enable": " False",
      "partitioner.availability.timeout.ms": "2500",
    });
    expect([set.adaptivePartitioning, set.availabilityTimeoutMs]).toEqual([false, 2500]);
    expect(() => producerSettings({ "partitioner.adaptive.partitioning.enable": "yes" })).toThrow(
      "Invalid value yes for configuration partitioner.adaptive.partitioning.enable: Expected value to be either true or false",
    );
  });

  test("retry.backoff.max.ms: 1000 by default (Java's), at least 0", () => {
    expect(producerSettings({}).retryBackoffMaxMs).toBe(1000);
    expect(consumerSettings({}).retryBackoffMaxMs).toBe(1000);
    expect(consumerSettings({ "retry.backoff.max.ms": "5000" }).retryBackoffMaxMs).toBe(5000);
    expect(producerSettings({ "retry.backoff.max.ms": "5000" }).retryBackoffMaxMs).toBe(5000);
    expect(() => producerSettings({ "retry.backoff.max.ms": "-1" })).toThrow(
      "Invalid value -1 for configuration retry.backoff.max.ms: Value must be at least 0",
    );
  });

  test("metadata.max.idle.ms: 300000 by default, at least 5000 (Java's ProducerConfig)", () => {
    expect(producerSettings({}).metadataMaxIdleMs).toBe(300_000);
    expect(producerSettings({ "metadata.max.idle.ms": " 5000 " }).metadataMaxIdleMs).toBe(5000);
    expect(() => producerSettings({ "metadata.max.idle.ms": "4999" })).toThrow(
      "Invalid value 4999 for configuration metadata.max.idle.ms: Value must be at least 5000",
    );
  });

  test("delivery.timeout.ms below linger.ms + request.timeout.ms: an error when set (KafkaProducer's configureDeliveryTimeout), raised when not", () => {
    let thrown: unknown;
    try {
      producerSettings({ "delivery.timeout.ms": "30000" }); // Java's linger.ms default is 5
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KafkaError);
    expect((thrown as Error).message).toBe("Failed to construct kafka producer");
    expect((thrown as Error).cause).toBeInstanceOf(ConfigError);
    expect(((thrown as Error).cause as Error).message).toBe(
      "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
    );
    expect(producerSettings({ "delivery.timeout.ms": "30005" }).deliveryTimeoutMs).toBe(30_005);
    expect(producerSettings({ "request.timeout.ms": "200000", "linger.ms": "10" }).deliveryTimeoutMs).toBe(200_010);
  });

  test("every Kafka codec, with the chosen codec's level when one is set (Java's keys)", () => {
    const of = (props: Record<string, string>) => producerSettings(props).compression;
    expect(of({})).toEqual({ type: "none" });
    for (const type of ["gzip", "snappy", "lz4", "zstd"] as const)
      expect(of({ "compression.type": ` ${type} ` })).toEqual({ type });
    expect(of({ "compression.type": "zstd", "compression.zstd.level": "19", "compression.gzip.level": "9" })).toEqual({
      type: "zstd",
      level: 19,
    });
    expect(of({ "compression.type": "gzip", "compression.gzip.level": "-1" })).toEqual({ type: "gzip", level: -1 });
  });
});

describe("consumerSettings (Kafka's consumer rules)", () => {
  test("group.protocol takes classic or consumer, in any case, as Java's CaseInsensitiveValidString", () => {
    for (const protocol of ["classic", "CONSUMER", " Consumer "]) consumerSettings({ "group.protocol": protocol });
    expect(() => consumerSettings({ "group.protocol": "streams" })).toThrow(
      "Invalid value streams for configuration group.protocol: String must be one of (case insensitive): CLASSIC, CONSUMER",
    );
  });
});

test("auto.offset.reset: earliest or latest; Kafka's none and by_duration: are refused as this gateway's limit", () => {
  expect(consumerSettings({ "auto.offset.reset": " Latest " }).fromBeginning).toBe(false);
  for (const value of ["none", "by_duration:PT1H"])
    expect(() => consumerSettings({ "auto.offset.reset": value })).toThrow(
      `Invalid value ${value} for configuration auto.offset.reset: Kafka's consumer takes it, but this gateway's consumer supports only earliest and latest`,
    );
  expect(() => consumerSettings({ "auto.offset.reset": "first" })).toThrow(
    "Invalid value first for configuration auto.offset.reset: Invalid value `first` for configuration auto.offset.reset. The value must be either 'earliest', 'latest', 'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'.",
  );
  // As ConfigDef: trimmed (Java's String.trim, which leaves U+00A0) before the validator sees it, case kept.
  expect(() => consumerSettings({ "auto.offset.reset": " Bogus\t" })).toThrow(
    "Invalid value Bogus for configuration auto.offset.reset: Invalid value `Bogus` for configuration auto.offset.reset.",
  );
  expect(() => consumerSettings({ "auto.offset.reset": "\u00a0earliest" })).toThrow(
    "Invalid value \u00a0earliest for configuration auto.offset.reset: Invalid value `\u00a0earliest` for",
  );
});

describe("consumerSettings: the ranges of Kafka 4.3.1's ConsumerConfig", () => {
  test("max.poll.records 500 by default, at least 1; the fetch sizes and waits at least 0", () => {
    expect(consumerSettings({}).maxPollRecords).toBe(500);
    expect(
      consumerSettings({ "max.poll.records": "1", "fetch.min.bytes": "0", "fetch.max.wait.ms": "0" }),
    ).toMatchObject({ maxPollRecords: 1, minBytes: 0, maxWaitMs: 0 });
    expect(() => consumerSettings({ "max.poll.records": "0" })).toThrow(
      "Invalid value 0 for configuration max.poll.records: Value must be at least 1",
    );
    for (const key of ["fetch.max.wait.ms", "fetch.max.bytes", "max.partition.fetch.bytes", "metadata.max.age.ms"])
      expect(() => consumerSettings({ [key]: "-1" })).toThrow(
        `Invalid value -1 for configuration ${key}: Value must be at least 0`,
      );
  });
});

describe("consumerSettings: check.crcs (ConfigDef BOOLEAN)", () => {
  test("true by default; true/false in any case, trimmed; anything else is Java's error", () => {
    expect(consumerSettings({}).checkCrcs).toBe(true);
    expect(consumerSettings({ "check.crcs": " FALSE " }).checkCrcs).toBe(false);
    expect(consumerSettings({ "check.crcs": "True" }).checkCrcs).toBe(true);
    expect(() => consumerSettings({ "check.crcs": "no" })).toThrow(
      "Invalid value no for configuration check.crcs: Expected value to be either true or false",
    );
  });
});

describe("bootstrap.servers with credentials in a URL (secrets rule)", () => {
  test.each([
    [
      "SASL_SSL://user:s3cret@127.0.0.1:9092",
      "Invalid value SASL_SSL://***@127.0.0.1:9092 for configuration bootstrap.servers: SASL_SSL://***@127.0.0.1:9092 is not host:port",
    ],
    [
      "127.0.0.1:9092, PLAINTEXT://admin:s3cret@h:x",
      "Invalid value 127.0.0.1:9092, PLAINTEXT://***@h:x for configuration bootstrap.servers: PLAINTEXT://***@h:x is not host:port",
    ],
    [
      "alice:s3cret@k1:9092",
      "Invalid value ***@k1:9092 for configuration bootstrap.servers: ***@k1:9092 is not host:port",
    ],
    [
      "k1:9092,alice:s3cret@k2:9092",
      "Invalid value k1:9092,***@k2:9092 for configuration bootstrap.servers: ***@k2:9092 is not host:port",
    ],
  ])("%s is refused without its password", (servers, message) => {
    expect(() => parseBootstrap(servers)).toThrow(message);
  });
});
