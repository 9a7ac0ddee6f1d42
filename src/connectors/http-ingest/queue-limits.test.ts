import { describe, expect, test } from "bun:test";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { IngestQueue } from "./ingest-queue.ts";
import { toSourceRecord } from "./task.ts";

const record = (value: unknown, bytes: number): IngestRecord => ({
  key: null,
  value,
  headers: [],
  partition: null,
  timestamp: 7,
  bytes,
});
const never = new AbortController().signal;
const meta = (offset: number) => ({ topic: "t", partition: 0, offset, timestamp: null });

describe("ingest.queue.max.bytes", () => {
  test("a request whose records would take the queue's bytes past the limit gets 503 with Retry-After, until the bytes held are acknowledged", async () => {
    const q = new IngestQueue({
      maxQueued: 100,
      maxQueuedBytes: 1000,
      maxPoll: 1000,
      retryAfterSeconds: 3,
      toSourceRecord,
    });
    const first = q.submit({ topic: "t", records: [record(1, 600), record(2, 300)], signal: never });
    // 900 bytes held: 100 more fit, 101 do not (few records: the count limit is far).
    const fits = q.submit({ topic: "t", records: [record(3, 100)], signal: never });
    expect(() => void q.submit({ topic: "t", records: [record(4, 1)], signal: never })).toThrow(
      expect.objectContaining({
        status: 503,
        options: { retryAfterSeconds: 3 },
        message:
          "The ingest queue is full (1000 bytes of records, ingest.queue.max.bytes=1000 awaiting Kafka); retry later",
      }),
    );
    // Polled (sent, awaiting Kafka): still held.
    const polled = await q.poll(never);
    expect(() => q.offer({ topic: "t", records: [record(4, 1)], signal: never }, () => {})).toThrow(
      expect.objectContaining({ status: 503 }),
    );
    q.ack(polled[0]!, meta(0));
    q.ack(polled[1]!, meta(1));
    await first;
    // The first request's 900 bytes are free again.
    const later = q.submit({ topic: "t", records: [record(5, 900)], signal: never });
    q.ack(polled[2]!, meta(2));
    await fits;
    const [last] = await q.poll(never);
    q.ack(last!, meta(3));
    expect((await later).map((o) => o.kind)).toEqual(["written"]);
  });

  test("a request alone in the queue is taken whatever its size; bytes of withdrawn or abandoned requests are free again", async () => {
    const q = new IngestQueue({
      maxQueued: 100,
      maxQueuedBytes: 10,
      maxPoll: 1000,
      retryAfterSeconds: 3,
      toSourceRecord,
    });
    const abort = new AbortController();
    const big = q.submit({ topic: "t", records: [record(1, 50)], signal: abort.signal });
    expect(() => void q.submit({ topic: "t", records: [record(2, 1)], signal: never })).toThrow(
      expect.objectContaining({ status: 503 }),
    );
    abort.abort();
    expect((await big)[0]).toMatchObject({ kind: "failed", maybeWritten: false });
    const next = q.submit({ topic: "t", records: [record(3, 10)], signal: never });
    q.withdrawQueued("paused");
    expect((await next)[0]).toMatchObject({ kind: "failed" });
    const again = q.submit({ topic: "t", records: [record(4, 5)], signal: never });
    expect(() => void q.submit({ topic: "t", records: [record(5, 6)], signal: never })).toThrow(
      expect.objectContaining({ status: 503 }),
    );
    const [polled] = await q.poll(never);
    q.ack(polled!, meta(0));
    expect((await again)[0]).toMatchObject({ kind: "written" });
  });

  test("the connector's default bounds the queue at 64 MiB", async () => {
    const { httpIngestConfig } = await import("./config.ts");
    expect(httpIngestConfig.parse({ "ingest.path": "/p", "kafka.topic": "t" })["ingest.queue.max.bytes"]).toBe(
      67_108_864,
    );
  });
});
