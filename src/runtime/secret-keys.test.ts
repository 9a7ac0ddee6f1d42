import { describe, expect, test } from "bun:test";
import { builtInRegistry } from "../plugins.ts";
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

  // diffhunt11: a connector.class given by reference runs the class it resolves to (as in Connect), so the
  // PASSWORD keys of its plugin must be secrets before the class is known.
  describe("with a connector.class given as a config provider reference", () => {
    const config = {
      "connector.class": "${file:/run/secrets/classes.properties:source}",
      // The HTTP sink's PASSWORD key whose name says no secret.
      "security.oidc.token.request": "grant_type=client_credentials&client_secret=literal",
      "http.url": "http://example.test/",
    };

    test("takes the PASSWORD keys of every connector plugin", () => {
      expect(secretValues(config, builtInRegistry())).toEqual(["grant_type=client_credentials&client_secret=literal"]);
    });

    test("takes only the named plugin's PASSWORD keys for a class named literally", () => {
      expect(secretValues({ ...config, "connector.class": "FileStreamSource" }, builtInRegistry())).toEqual([]);
    });
  });
});
