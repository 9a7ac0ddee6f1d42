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
});
