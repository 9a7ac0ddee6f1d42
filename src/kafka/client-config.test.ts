import { describe, expect, test } from "bun:test";
import { producerSettings } from "./client-config.ts";

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
    [
      { "enable.idempotence": "true", "max.in.flight.requests.per.connection": "6" },
      "Invalid value 6 for configuration max.in.flight.requests.per.connection: must be at most 5 for an idempotent producer",
    ],
    [
      { "enable.idempotence": "true", retries: "0" },
      "Invalid value 0 for configuration retries: must be greater than 0 for an idempotent producer",
    ],
    [
      { "max.in.flight.requests.per.connection": "0" },
      "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1",
    ],
    [{ "batch.size": "-1" }, "Invalid value -1 for configuration batch.size: Value must be at least 0"],
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
});
