import { describe, expect, test } from "bun:test";
import { ignoredKeyWarning, unknownKeyWarning, unknownWorkerKeys } from "./unknown-worker-keys.ts";
import { loadWorkerConfig } from "./worker-config.ts";

describe("unknownWorkerKeys", () => {
  test("names misspelled and removed keys only", () => {
    const originals = {
      "bootstrap.servers": "b:9092",
      "offest.flush.interval.ms": "100",
      "rest.port": "8083",
      "producer.lingerms": "5",
      "producer.override.linger.ms": "5",
      "consumer.linger.ms": "5",
      "ingest.listener": "http://:8080",
      // known: the gateway's own, ignored, Connect-only and client keys, prefixed or not
      "offset.flush.interval.ms": "1000",
      "group.id": "g",
      "offset.flush.timeout.ms": "5000",
      "producer.linger.ms": "5",
      "consumer.max.poll.records": "10",
      "admin.request.timeout.ms": "1000",
      "security.protocol": "SSL",
      "ssl.truststore.type": "PEM",
      "sasl.jaas.config": "x",
      "client.id": "c",
      "key.converter.schemas.enable": "false",
      "value.converter.schemas.enable": "false",
      "config.providers": "file",
      "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
      "listeners.https.ssl.keystore.location": "/k.pem",
      "admin.listeners": "",
      "ingest.listeners": "",
      // review25: read (a name Java lacks fails startup) but was warned as unknown
      "ingest.listeners.https.ssl.protocol": "TLSv1.2",
      "ssl.client.auth": "required",
      "rebalance.timeout.ms": "60000",
      "log.level": "INFO",
      // declared worker keys of Connect's (p3e): they take effect or warn of their own
      "response.http.headers.config": "set X-Frame-Options:DENY",
      "exactly.once.source.support": "enabled",
    };
    expect(unknownWorkerKeys(originals)).toEqual([
      "offest.flush.interval.ms",
      "rest.port",
      "producer.lingerms",
      "producer.override.linger.ms",
      "consumer.linger.ms",
      "ingest.listener",
    ]);
  });

  test("warns as Connect's clients do, naming the variable that set the key", () => {
    expect(unknownKeyWarning("rest.port")).toBe("The configuration 'rest.port' was supplied but isn't a known config.");
    expect(unknownKeyWarning("rest.port", "CONNECT_REST_PORT")).toBe(
      "The configuration 'rest.port' was supplied but isn't a known config (from the environment variable CONNECT_REST_PORT).",
    );
  });
});

describe("ignoredKeyWarning (ex28fix: Connect worker keys were accepted without a word)", () => {
  test.each([
    ["group.id", "state lives in data.dir"],
    ["plugin.discovery", "its plugins are built in"],
    ["connect.protocol", "it runs one worker of its own, in no group of workers"],
    ["inter.worker.key.ttl.ms", "it runs one worker of its own, in no group of workers"],
    ["auto.include.jmx.reporter", "it has no JMX; its metrics are served on /metrics"],
  ])("%s is ignored with a warning that says why", (key, why) => {
    expect(loadWorkerConfig({ [key]: "x" }).ignoredKeys).toEqual([key]);
    expect(ignoredKeyWarning(key)).toBe(`Worker config ${key} has no effect in this gateway (${why}) and is ignored`);
  });

  test.each([
    ["response.http.headers.config", "set X-Frame-Options:DENY"],
    ["exactly.once.source.support", "enabled"],
  ])("%s is a worker key of its own (p3e: it was ignored), not warned about as ignored", (key, value) => {
    expect(loadWorkerConfig({ [key]: value }).ignoredKeys).toEqual([]);
  });

  test("offset.flush.timeout.ms is a worker key of its own (sink commits honour it), not ignored", () => {
    const config = loadWorkerConfig({ "offset.flush.timeout.ms": "500" });
    expect([config["offset.flush.timeout.ms"], config.ignoredKeys]).toEqual([500, []]);
  });
});
