import { describe, expect, test } from "bun:test";
import { secretValues } from "./secret-keys.ts";

describe("secretValues", () => {
  test("finds Kafka's password-like client keys at any prefix", () => {
    expect(
      secretValues({
        "ssl.truststore.password": "a1",
        "producer.override.sasl.jaas.config": "a2",
        "consumer.ssl.key.password": "a3",
        "http.oauth2.client.secret": "a4",
        "api.token": "a5",
        "tasks.max": "1",
        topic: "t",
      }),
    ).toEqual(["a1", "a2", "a3", "a4", "a5"]);
  });

  const passwordKeys = [
    "sasl.oauthbearer.assertion.private.key.passphrase",
    "ssl.keystore.certificate.chain",
    "ssl.truststore.certificates",
  ];
  const prefixes = [
    "",
    "producer.",
    "consumer.",
    "admin.",
    "producer.override.",
    "consumer.override.",
    "admin.override.",
  ];
  test.each(passwordKeys.flatMap((k) => prefixes.map((p) => [`${p}${k}`])))(
    "treats Kafka's PASSWORD client key %s as secret",
    (key) => {
      expect(secretValues({ [key]: "hush", "tasks.max": "1", [`other.${key}`]: "shown" })).toEqual(["hush"]);
    },
  );
});
