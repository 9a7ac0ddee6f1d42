import { describe, expect, test } from "bun:test";
import { type ClientType, clientConfigKeyNames } from "./client-config-keys.ts";
import { DECLARED } from "./client-key-declarations.ts";
import { clientKeyEffect, ineffectiveClientKeys, ineffectiveKeysWarning } from "./client-key-effects.ts";

describe("client-key-effects (what each Kafka 4.3.1 client key does in this gateway)", () => {
  test.each(["producer", "consumer", "admin"] as ClientType[])("every %s key is declared", (type) => {
    const missing = clientConfigKeyNames(type).filter((name) => clientKeyEffect(type, name) === undefined);
    expect(missing).toEqual([]);
  });

  test("every declared name is a key of a client it declares (no typos)", () => {
    const all: ClientType[] = ["producer", "consumer", "admin"];
    const unknown = DECLARED.flatMap((d) =>
      d.keys
        .split(" ")
        .filter((k) => !k.endsWith("*"))
        .filter((k) => !(d.types ?? all).some((t) => clientConfigKeyNames(t).includes(k))),
    );
    expect(unknown).toEqual([]);
  });

  test("the keys a user expects to matter, as the adapters treat them", () => {
    const effect = (type: ClientType, name: string) => clientKeyEffect(type, name)?.effect;
    expect(effect("producer", "max.in.flight.requests.per.connection")).toBe("honoured");
    expect(effect("producer", "delivery.timeout.ms")).toBe("honoured");
    expect(effect("producer", "partitioner.ignore.keys")).toBe("honoured");
    expect(effect("producer", "partitioner.class")).toBe("ignored");
    expect(effect("producer", "transactional.id")).toBe("refused");
    expect(effect("producer", "transaction.timeout.ms")).toBe("not applicable");
    expect(effect("consumer", "client.rack")).toBe("ignored");
    expect(effect("consumer", "metadata.max.age.ms")).toBe("honoured");
    expect(effect("producer", "metadata.max.age.ms")).toBe("honoured");
    expect(effect("producer", "metadata.max.idle.ms")).toBe("honoured");
    expect(effect("consumer", "sasl.oauthbearer.token.endpoint.url")).toBe("not applicable");
    expect(effect("admin", "sasl.login.class")).toBe("ignored");
    expect(effect("admin", "retries")).toBe("ignored");
  });

  test("only keys whose values have no effect are named; keys of other clients and unknown keys are not", () => {
    const props = {
      "client.rack": "eu-1a",
      "group.protocol": "consumer",
      "enable.auto.commit": "false",
      "exclude.internal.topics": "true",
      "fetch.min.bytes": "1024",
      "linger.ms": "50",
      "no.such.key": "x",
    };
    expect(ineffectiveClientKeys("consumer", props, "platformatic")).toEqual(["client.rack", "group.protocol"]);
    expect(
      ineffectiveClientKeys("consumer", { "group.protocol": "CLASSIC", "enable.auto.commit": "true" }, "platformatic"),
    ).toEqual(["enable.auto.commit"]);
  });

  test("kafkajs differs where its adapter does", () => {
    const props = { "delivery.timeout.ms": "60000", "buffer.memory": "1000000", "batch.size": "1000", retries: "5" };
    expect(ineffectiveClientKeys("producer", props, "platformatic")).toEqual([]);
    // Since ex31kjs the kafkajs adapter honours delivery.timeout.ms (its deadline) and retries (its producer's retries).
    expect(ineffectiveClientKeys("producer", props, "kafkajs")).toEqual(["batch.size"]);
    // kafkajs hashes keys: partitioner.ignore.keys=false is what it does, only true has no effect.
    const ignoreKeys = (value: string) =>
      ineffectiveClientKeys("producer", { "partitioner.ignore.keys": value }, "kafkajs");
    expect(ignoreKeys("false")).toEqual([]);
    expect(ignoreKeys(" TRUE")).toEqual(["partitioner.ignore.keys"]);
  });

  test("the warning names keys, never values", () => {
    const warning = ineffectiveKeysWarning("consumer", { "client.rack": "secret-rack" }, "platformatic");
    expect(warning).toBe(
      "This task's consumer has Kafka client settings that have no effect in this gateway: client.rack (see docs/client-keys.md)",
    );
    expect(ineffectiveKeysWarning("consumer", { "fetch.min.bytes": "1" }, "platformatic")).toBeUndefined();
  });
});
