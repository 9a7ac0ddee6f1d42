import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { endpoint, harness, record, stringConverters, validationErrors } from "./test-support.ts";

const fast = { "sink.flush-buffer.timeout": "0", "sink.writer.request.mode": "single" };

const PRODUCER_HEADERS: [string, string][] = [
  ["Authorization", "Basic cHJvZHVjZXI6eA=="],
  ["Cookie", "session=producer"],
  ["Host", "evil.example"],
  ["Connection", "close"],
  ["Content-Length", "1"],
  ["Transfer-Encoding", "chunked"],
  ["Proxy-Authorization", "Basic cHJveHk6eA=="],
  ["X-Tenant", "from-producer"],
  ["X-Trace", "t-1"],
];

// Review finding P2.8: with sink.forward.headers=* a producer's headers replaced the configured Authorization and Host.
describe("HttpDelivery headers", () => {
  test("configured headers win over forwarded ones; hop-by-hop and credential headers are not forwarded by *", async () => {
    await using server = endpoint();
    await using h = harness(
      {
        url: server.url(),
        ...fast,
        "sink.header.Authorization": "Basic Y29ubmVjdG9yOnNlY3JldA==",
        "sink.header.X-Tenant": "configured",
        "sink.forward.headers": "*",
      },
      { converters: stringConverters() },
    );
    await h.task.put([record(0, 0, "x", { headers: PRODUCER_HEADERS })]);
    await waitFor(() => server.received.length === 1);
    const { headers, body } = server.received[0]!;
    expect(body).toBe("x");
    expect(headers).toMatchObject({
      authorization: "Basic Y29ubmVjdG9yOnNlY3JldA==",
      host: new URL(server.url()).host,
      "x-tenant": "configured",
      "x-trace": "t-1",
      "content-length": "1",
    });
    expect(headers.cookie).toBeUndefined();
    expect(headers["proxy-authorization"]).toBeUndefined();
    expect(headers["transfer-encoding"]).toBeUndefined();
  });

  test("a reserved header named in the list is forwarded, unless the config sets it", async () => {
    await using server = endpoint();
    const config = { url: server.url(), ...fast, "sink.forward.headers": "Authorization,Cookie" };
    await using forwarded = harness(config, { converters: stringConverters() });
    await forwarded.task.put([record(0, 0, "x", { headers: PRODUCER_HEADERS })]);
    await waitFor(() => server.received.length === 1);
    expect(server.received[0]!.headers).toMatchObject({
      authorization: "Basic cHJvZHVjZXI6eA==",
      cookie: "session=producer",
    });
    await using configured = harness(
      { ...config, "sink.header.Authorization": "Basic Y29ubmVjdG9yOnNlY3JldA==" },
      { converters: stringConverters() },
    );
    await configured.task.put([record(0, 1, "y", { headers: PRODUCER_HEADERS })]);
    await waitFor(() => server.received.length === 2);
    expect(server.received[1]!.headers.authorization).toBe("Basic Y29ubmVjdG9yOnNlY3JldA==");
  });

  test("a prefix makes a producer's header harmless: it is forwarded under its prefixed name", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url(), ...fast, "sink.forward.headers": "*", "sink.forward.headers.prefix": "X-Kafka-" },
      { converters: stringConverters() },
    );
    await h.task.put([record(0, 0, "x", { headers: [["Authorization", "Basic cHJvZHVjZXI6eA=="]] })]);
    await waitFor(() => server.received.length === 1);
    expect(server.received[0]!.headers["x-kafka-authorization"]).toBe("Basic cHJvZHVjZXI6eA==");
    expect(server.received[0]!.headers.authorization).toBeUndefined();
  });

  test("with *, a producer's header whose name cannot be an HTTP header is not forwarded; its record is delivered", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url(), ...fast, "sink.forward.headers": "*", "sink.cloudevents.binary": "true" },
      { converters: stringConverters(), tolerance: "none" },
    );
    const odd: [string, string][] = [
      ["bad name", "1"],
      ["grüße", "2"],
      ["", "3"],
      ["ce_bad id", "4"],
      ["X-Ok", "5"],
    ];
    await h.task.put([record(0, 0, "x", { headers: odd })]);
    await waitFor(() => server.received.length === 1);
    expect(server.received[0]!.headers).toMatchObject({ "x-ok": "5", "ce-id": "orders-0-0" });
    expect(Object.values(server.received[0]!.headers)).not.toContain("4");
    expect([h.errant, h.events]).toEqual([[], []]);
  });

  test("config/validate refuses forwarded header names, a prefix and a key header that cannot be HTTP header names", () => {
    const errorsOf = (config: Record<string, string>) => validationErrors(config).map(([name]) => name);
    expect(errorsOf({ "sink.forward.headers": "X-Ok,bad name" })).toEqual(["sink.forward.headers"]);
    expect(errorsOf({ "sink.forward.headers.prefix": "X Kafka-" })).toEqual(["sink.forward.headers.prefix"]);
    expect(errorsOf({ "sink.forward.key.header": "X:Key" })).toEqual(["sink.forward.key.header"]);
    expect(errorsOf({ "sink.forward.headers": "*,X-Ok", "sink.forward.headers.prefix": "X-Kafka-" })).toEqual([]);
  });
});
