/**
 * behavior.on.null.values: what a record with a null value (a tombstone) does, against a real
 * loopback endpoint. Default `ignore`, as getindata's Flink pipeline (its Kafka source formats drop
 * null messages, so its sink never sends one); `send` keeps the earlier bodies; `delete` sends a
 * DELETE of its own; `fail` hands the record to errors.tolerance.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { Schemas } from "../../api/data/schema.ts";
import { DataError } from "../../errors.ts";
import { endpoint, harness, jsonConverters, record, stringConverters, validationErrors } from "./test-support.ts";

const tp = { topic: "orders", partition: 0 };

describe("behavior.on.null.values", () => {
  // Leftovers sinkp7 #4: a tombstone was POSTed with an empty body (single mode) or as null (batch).
  test.each(["batch", "single"])(
    "default ignore (%s): a tombstone is not sent, and its offset is committed",
    async (mode) => {
      await using server = endpoint();
      await using h = harness(
        { url: server.url("/k/${key}"), "sink.writer.request.mode": mode, "sink.flush-buffer.timeout": "0" },
        { converters: stringConverters() },
      );
      await h.task.put([
        record(0, 0, "a", { key: "k1" }),
        record(0, 1, null, { key: "k1" }),
        record(0, 2, "b", { key: "k2" }),
        record(0, 3, null, { key: "k2" }),
      ]);
      await waitFor(() => server.received.length === 2);
      await h.task.idle();
      expect(server.received.map((r) => [r.method, r.path, r.body])).toEqual([
        ["POST", "/k/k1", mode === "batch" ? "[a]" : "a"],
        ["POST", "/k/k2", mode === "batch" ? "[b]" : "b"],
      ]);
      expect(h.errant).toEqual([]);
      expect(h.task.preCommit([{ ...tp, offset: 4 }])).toEqual([{ ...tp, offset: 4 }]);
    },
  );

  test("send: null in a batch, an empty body in single mode (releases before the key)", async () => {
    await using server = endpoint();
    for (const mode of ["batch", "single"]) {
      await using h = harness(
        {
          url: server.url(`/${mode}`),
          "sink.writer.request.mode": mode,
          "behavior.on.null.values": "send",
          "sink.flush-buffer.timeout": "0",
        },
        { converters: stringConverters() },
      );
      await h.task.put([record(0, 0, null)]);
      await h.task.idle();
    }
    await waitFor(() => server.received.length === 2);
    expect(server.received.map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/batch", "[null]"],
      ["POST", "/single", ""],
    ]);
  });

  test("delete: a DELETE of its own to the record's URL, without body or Content-Type, in order with its partition", async () => {
    await using server = endpoint();
    await using h = harness(
      {
        url: server.url("/items/${key}"),
        "behavior.on.null.values": "DELETE",
        "sink.header.Authorization": "Basic dTpw",
        "sink.forward.key.header": "X-Key",
        "sink.batch.max-size": "4",
        "sink.flush-buffer.timeout": "60000",
      },
      { converters: stringConverters() },
    );
    await h.task.put([
      record(0, 0, "v1", { key: "a" }),
      record(0, 1, null, { key: "a" }),
      record(0, 2, null, { key: "a" }),
      record(0, 3, "v2", { key: "a" }),
    ]);
    await waitFor(() => server.received.length === 4);
    await h.task.idle();
    expect(server.received.map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/items/a", "[v1]"],
      ["DELETE", "/items/a", ""],
      ["DELETE", "/items/a", ""],
      ["POST", "/items/a", "[v2]"],
    ]);
    const del = server.received[1]!;
    expect(del.headers["content-type"]).toBeUndefined();
    expect(del.headers.authorization).toBe("Basic dTpw");
    expect(del.headers["x-key"]).toBe("a");
    expect(h.task.preCommit([{ ...tp, offset: 4 }])).toEqual([{ ...tp, offset: 4 }]);
  });

  // Review69: a configured or forwarded Content-Type went out on the DELETE, which has no body.
  test("delete: no Content-Type on the DELETE, also with sink.header.Content-Type or a forwarded one", async () => {
    await using server = endpoint();
    await using h = harness(
      {
        url: server.url("/items/${key}"),
        "behavior.on.null.values": "delete",
        "sink.header.Content-Type": "application/vnd.orders+json",
        "sink.forward.headers": "*",
        "sink.flush-buffer.timeout": "0",
      },
      { converters: stringConverters() },
    );
    const headers: [string, string][] = [["Content-Type", "text/csv"]];
    await h.task.put([record(0, 0, null, { key: "a", headers }), record(0, 1, "v", { key: "a" })]);
    await waitFor(() => server.received.length === 2);
    expect(server.received.map((r) => [r.method, r.headers["content-type"]])).toEqual([
      ["DELETE", undefined],
      ["POST", "application/vnd.orders+json"],
    ]);
  });

  test("delete: a null value with a schema (JsonConverter schemas.enable=true writes an envelope) is a DELETE too", async () => {
    await using server = endpoint();
    const converters = jsonConverters();
    converters.value.configure({ "schemas.enable": "true" }, false);
    await using h = harness(
      { url: server.url("/items/${key}"), "behavior.on.null.values": "delete", "sink.flush-buffer.timeout": "0" },
      { converters },
    );
    await h.task.put([{ ...record(0, 0, null, { key: "a" }), valueSchema: Schemas.OPTIONAL_STRING }]);
    await waitFor(() => server.received.length === 1);
    expect(server.received.map((r) => [r.method, r.path, r.body])).toEqual([["DELETE", "/items/a", ""]]);
  });

  test("delete: a DELETE the endpoint refuses goes to errors.tolerance, naming the method", async () => {
    await using server = endpoint();
    server.answer((r) => new Response("no such item", { status: r.method === "DELETE" ? 404 : 200 }));
    await using h = harness(
      { url: server.url("/items/${key}"), "behavior.on.null.values": "delete", "sink.flush-buffer.timeout": "0" },
      { converters: stringConverters() },
    );
    await h.task.put([record(0, 0, null, { key: "gone" }), record(0, 1, "v", { key: "b" })]);
    await waitFor(() => server.received.length === 2 && h.errant.length === 1);
    expect(h.errant[0]!.record.kafkaOffset).toBe(0);
    expect(h.errant[0]!.error.message).toStartWith("HTTP 404 from DELETE http://127.0.0.1:");
  });

  test("fail: a tombstone is a data error for errors.tolerance; the others are sent", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url("/in"), "behavior.on.null.values": "fail", "sink.flush-buffer.timeout": "0" },
      { converters: stringConverters() },
    );
    await h.task.put([record(0, 0, null), record(0, 1, "v")]);
    await waitFor(() => server.received.length === 1 && h.errant.length === 1);
    expect(h.errant[0]!.error).toBeInstanceOf(DataError);
    expect(h.errant[0]!.error.message).toBe(
      "The record's value is null (a tombstone) and behavior.on.null.values is fail",
    );
    expect(server.received[0]!.body).toBe("[v]");
  });

  // Review69: with delete and a URL without ${key}, every tombstone was a DELETE of the collection URL
  // (`DELETE /items`), and a null-key tombstone one of `/items?id=`: neither names the record's resource.
  test("delete needs ${key} in the url or sink.forward.key.header: a DELETE names the record's resource", () => {
    const message =
      "behavior.on.null.values=delete needs ${key} in url or sink.forward.key.header: a DELETE must name the record's resource, not the url alone";
    expect(validationErrors({ "behavior.on.null.values": "delete", url: "http://127.0.0.1/items" })).toEqual([
      ["behavior.on.null.values", [message]],
    ]);
    expect(validationErrors({ "behavior.on.null.values": "delete", url: "http://127.0.0.1/items?id=${key}" })).toEqual(
      [],
    );
    expect(
      validationErrors({
        "behavior.on.null.values": "Delete",
        url: "http://127.0.0.1/items",
        "sink.forward.key.header": "X-Key",
      }),
    ).toEqual([]);
    expect(validationErrors({ "behavior.on.null.values": "send", url: "http://127.0.0.1/items" })).toEqual([]);
  });

  // Review73: a URL fragment never reaches the server, so `/items#${key}` DELETEd `/items`, the collection.
  test("delete: ${key} only in the url's fragment does not name the resource", () => {
    const message =
      "behavior.on.null.values=delete needs ${key} in url or sink.forward.key.header: a DELETE must name the record's resource, not the url alone";
    expect(validationErrors({ "behavior.on.null.values": "delete", url: "http://127.0.0.1/items#${key}" })).toEqual([
      ["behavior.on.null.values", [message]],
    ]);
    expect(
      validationErrors({ "behavior.on.null.values": "delete", url: "http://127.0.0.1/items/${key}#${key}" }),
    ).toEqual([]);
  });

  test("delete: a tombstone without a key (null or empty) is a data error, never a DELETE of the url alone", async () => {
    await using server = endpoint();
    await using h = harness(
      { url: server.url("/items?id=${key}"), "behavior.on.null.values": "delete", "sink.flush-buffer.timeout": "0" },
      { converters: stringConverters() },
    );
    await h.task.put([record(0, 0, null), record(0, 1, null, { key: "" }), record(0, 2, null, { key: "b" })]);
    await waitFor(() => server.received.length === 1 && h.errant.length === 2);
    expect(server.received.map((r) => [r.method, r.path])).toEqual([["DELETE", "/items?id=b"]]);
    expect(h.errant.map((e) => e.record.kafkaOffset)).toEqual([0, 1]);
    expect(h.errant[0]!.error).toBeInstanceOf(DataError);
    expect(h.errant[1]!.error.message).toBe(
      "The record's value is null and its key null or empty: its DELETE (behavior.on.null.values=delete) would name no resource",
    );
  });

  test("validation refuses another value", () => {
    expect(validationErrors({ "behavior.on.null.values": "log" })).toEqual([
      [
        "behavior.on.null.values",
        [
          "Invalid value log for configuration behavior.on.null.values: String must be one of (case insensitive): DELETE, IGNORE, SEND, FAIL",
        ],
      ],
    ]);
  });
});
