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

  // Review (session 11): the HTTP sink masked an echoed X-Api-Key header value (secret-headers.ts)
  // but the logs, status traces and DLQ headers knew only header.Authorization as a secret key.
  test("takes static request headers whose names say credential, at any prefix, as the HTTP connectors mask them", () => {
    expect(
      secretValues({
        "sink.header.X-Api-Key": "k-1",
        "flink.connector.http.sink.header.Private-Token": "k-2",
        "http.sink.header.Authorization": "k-3",
        "sink.header.Content-Type": "application/json",
        "sink.header.X-Site": "north",
      }),
    ).toEqual(["k-1", "k-2", "k-3"]);
  });
});
