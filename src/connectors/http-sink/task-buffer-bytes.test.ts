import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { JsonText } from "../../api/data/json-text.ts";
import { JsonConverter } from "../../converters/json-converter.ts";
import { RECORD_OVERHEAD } from "./record-weight.ts";
import { endpoint, harness, record } from "./test-support.ts";

/** An endpoint holding every request until `release`. */
function heldEndpoint() {
  const server = endpoint();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  server.answer(async () => {
    await gate;
    return new Response("ok");
  });
  return { server, release };
}

/** A bound of 5000 bytes; every two records are sent at once, as one body. */
const SMALL_BOUND = {
  "sink.requests.max-buffered.bytes": "5000",
  "sink.flush-buffer.timeout": "0",
  "sink.request.batch.size": "2",
};

describe("HttpSinkTask backpressure by bytes", () => {
  test("large records pause consumption at 64 MiB held by default, long before sink.requests.max-buffered records", async () => {
    const { server, release } = heldEndpoint();
    await using _server = server;
    await using h = harness({ url: server.url() });
    const big = "x".repeat(1024 * 1024);
    // 70 records of 1 MiB: far below the 10000 records of sink.requests.max-buffered.
    for (let i = 0; i < 70 && h.events.length === 0; i++) await h.task.put([record(0, i, big)]);
    expect(h.events).toEqual(["pause 1"]);
    release();
    await waitFor(() => h.events.length === 2, { timeoutMs: 20_000 });
    expect(h.events).toEqual(["pause 1", "resume 1"]);
  });

  test("sink.requests.max-buffered.bytes counts what the task holds: each record's consumed bytes and text, and the bodies in flight", async () => {
    const { server, release } = heldEndpoint();
    await using _server = server;
    await using h = harness({ url: server.url(), ...SMALL_BOUND });
    // JSON given as text and bytes (a source's JsonText): the bytes are the body; the record holds the text too.
    const v = () => {
      const text = `"${"y".repeat(298)}"`;
      return new JsonText(text, new TextEncoder().encode(text));
    };
    const held = RECORD_OVERHEAD + 300 + 300; // 1112 per record; a body of two is 603 bytes: [v,v]
    await h.task.put([record(0, 0, v()), record(0, 1, v())]);
    await waitFor(() => server.received.length === 1);
    expect(h.events).toEqual([]);
    await h.task.put([record(0, 2, v())]); // 2 * 1112 + 603 in flight, 1112 waiting: 3939
    expect(h.events).toEqual([]);
    await h.task.put([record(0, 3, v())]); // 4 * 1112 + 603 = 5051 ≥ 5000 (the values alone: 1204)
    expect(4 * held + 603).toBeGreaterThanOrEqual(5000);
    expect(h.events).toEqual(["pause 1"]);
    release();
    await waitFor(() => server.values().length === 4);
    await h.task.idle();
    expect(h.events).toEqual(["pause 1", "resume 1"]);
  });

  test("a consumed JSON value passed through counts once: its bytes are the body, no text is held beside them", async () => {
    const { server, release } = heldEndpoint();
    await using _server = server;
    await using h = harness({ url: server.url(), ...SMALL_BOUND });
    const consumed = new JsonConverter();
    consumed.configure({ "schemas.enable": "false" }, false);
    const v = () => consumed.toConnectJsonText("t", undefined, new TextEncoder().encode(`"${"y".repeat(298)}"`))!.value;
    const held = RECORD_OVERHEAD + 300; // 812 per record; a body of two is 603 bytes: [v,v]
    await h.task.put([record(0, 0, v()), record(0, 1, v())]);
    await waitFor(() => server.received.length === 1);
    await h.task.put([record(0, 2, v()), record(0, 3, v())]);
    // 4 * 812 + 603 = 3851 < 5000: with the text held too (1112 per record) it was 5051, a pause.
    expect(4 * held + 603).toBeLessThan(5000);
    expect(h.events).toEqual([]);
    await h.task.put([record(0, 4, v())]); // 5 * 812 + 603 = 4663
    expect(h.events).toEqual([]);
    await h.task.put([record(0, 5, v())]); // 6 * 812 + 603 = 5475 ≥ 5000
    expect(h.events).toEqual(["pause 1"]);
    release();
    await waitFor(() => server.values().length === 6);
    await h.task.idle();
    expect(h.events).toEqual(["pause 1", "resume 1"]);
  });
});
