/** SpoolWriter against the worker's ingest.spool.total.max.bytes: one cap shared by every connector's spool. */
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { IngestError } from "../../ingest/ingest-error.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { LogManager } from "../../util/logger.ts";
import { SpoolWriter } from "./spool-writer.ts";
import { toSourceRecord } from "./task.ts";

const rec = (value: string): IngestRecord => ({
  key: "k",
  value,
  headers: [],
  partition: null,
  timestamp: null,
  bytes: value.length,
});
const submission = (value: string) => ({ topic: "t1", records: [rec(value)], signal: new AbortController().signal });

function writer(store: SpoolStore, connector: string) {
  return new SpoolWriter({
    store,
    connector,
    maxBytes: 1_000_000,
    maxPoll: 100,
    retryAfterSeconds: 7,
    toSourceRecord,
    committedSeq: null,
  });
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as IngestError);
const fullMessage = (held: number, max: number) =>
  `The spool of this worker is full (${held} bytes held by all its connectors, ingest.spool.total.max.bytes=${max}); retry later`;

describe("SpoolWriter with the worker's ingest.spool.total.max.bytes", () => {
  test("connectors share the cap: a request that would pass it is 503 with Retry-After, nothing spooled; accepted again once delivered", async () => {
    await using dir = await tempDir("spool-total-");
    const sizing = await SpoolStore.open(dir.path);
    await writer(sizing, "sizing").submit(submission("x".repeat(100)));
    const one = sizing.totalBytes; // the spooled size of one such request
    await sizing.close();

    await using dir2 = await tempDir("spool-total-");
    const store = await SpoolStore.open(dir2.path, { totalMaxBytes: 2 * one });
    const [a, b] = [writer(store, "a"), writer(store, "b")];
    await a.submit(submission("x".repeat(100)));
    await b.submit(submission("y".repeat(100)));
    expect(store.totalBytes).toBe(2 * one);
    const refused = await refusal(a.submit(submission("z".repeat(100))));
    expect(refused).toBeInstanceOf(IngestError);
    expect([refused!.status, refused!.options.retryAfterSeconds, refused!.message]).toEqual([
      503,
      7,
      fullMessage(2 * one, 2 * one),
    ]);
    expect([store.stats("a").records, store.stats("b").records, store.totalBytes]).toEqual([1, 1, 2 * one]);

    const polled = await b.poll(new AbortController().signal);
    b.ack(polled[0]!); // Kafka acknowledged b's record: its bytes leave the total
    expect(store.totalBytes).toBe(one);
    expect((await a.submit(submission("z".repeat(100)))).map((o) => o.kind)).toEqual(["spooled"]);
    expect(store.stats("a").records).toBe(2);
    a.close();
    b.close();
    await store.close();
  });

  test("appends still on their way to the spool's worker count: two requests at once cannot both pass", async () => {
    await using dir = await tempDir("spool-total-");
    const store = await SpoolStore.open(dir.path, { totalMaxBytes: 250 });
    const [a, b] = [writer(store, "a"), writer(store, "b")];
    await b.submit(submission("y".repeat(100)));
    const first = a.submit(submission("x".repeat(100)));
    const second = refusal(a.submit(submission("z".repeat(100))));
    expect((await second)?.message).toMatch(/^The spool of this worker is full \(\d+ bytes held by all its connectors/);
    expect((await first).map((o) => o.kind)).toEqual(["spooled"]);
    expect([store.stats("a").records, store.stats("b").records]).toEqual([1, 1]);
    await store.close();
  });

  test("records a deleted connector left fill the cap: a connector holding nothing still gets one request in, not a second", async () => {
    await using dir = await tempDir("spool-total-");
    const before = await SpoolStore.open(dir.path);
    await writer(before, "deleted").submit(submission("x".repeat(100)));
    const held = before.totalBytes;
    await before.close();

    const store = await SpoolStore.open(dir.path, { totalMaxBytes: held + 10 });
    expect(store.totalBytes).toBe(held);
    const a = writer(store, "a");
    expect((await a.submit(submission("y".repeat(100)))).map((o) => o.kind)).toEqual(["spooled"]);
    const total = store.totalBytes;
    expect(total).toBeGreaterThan(held + 10);
    const refused = await refusal(a.submit(submission("z".repeat(100))));
    expect([refused?.status, refused?.message]).toEqual([503, fullMessage(total, held + 10)]);
    expect([store.stats("a").records, store.stats("deleted").records]).toEqual([1, 1]);

    // Once a's record is delivered it holds nothing again: the next request is let through.
    a.ack((await a.poll(new AbortController().signal))[0]!);
    expect(store.totalBytes).toBe(held);
    expect((await a.submit(submission("z".repeat(100)))).map((o) => o.kind)).toEqual(["spooled"]);
    a.close();
    await store.close();
  });

  test("unset: only each connector's ingest.spool.max.bytes applies; a connector whose spool is empty gets any request in", async () => {
    await using dir = await tempDir("spool-total-");
    const open = await SpoolStore.open(dir.path);
    for (const c of ["a", "b", "c"]) await writer(open, c).submit(submission("x".repeat(1000)));
    expect(open.totalBytes).toBeGreaterThan(3000);
    await open.close();

    await using dir2 = await tempDir("spool-total-");
    const capped = await SpoolStore.open(dir2.path, { totalMaxBytes: 10 });
    const a = writer(capped, "a");
    expect((await a.submit(submission("x".repeat(1000)))).map((o) => o.kind)).toEqual(["spooled"]);
    expect((await writer(capped, "b").submit(submission("y"))).map((o) => o.kind)).toEqual(["spooled"]);
    expect((await refusal(a.submit(submission("y"))))?.status).toBe(503);
    await capped.close();
  });

  test("a worker cap below the connector's ingest.max.body.bytes is a WARN at start (a worker key: validation cannot see it)", async () => {
    await using dir = await tempDir("spool-total-");
    const store = await SpoolStore.open(dir.path, { totalMaxBytes: 1000 });
    const lines: string[] = [];
    const log = new LogManager({ sink: (l) => lines.push(l) }).get("test");
    const options = {
      store,
      maxBytes: 1_000_000,
      maxPoll: 100,
      retryAfterSeconds: 7,
      toSourceRecord,
      committedSeq: null,
      log,
    };
    await new SpoolWriter({ ...options, connector: "small", maxRequestBytes: 1000 }).start();
    expect(lines).toEqual([]);
    await new SpoolWriter({ ...options, connector: "large", maxRequestBytes: 4096 }).start();
    expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
      "WARN Connector large: the worker's ingest.spool.total.max.bytes (1000) is smaller than its ingest.max.body.bytes (4096): a request larger than the worker's cap is taken only while the connector's spool holds nothing; raise ingest.spool.total.max.bytes or lower ingest.max.body.bytes (test)",
    ]);
    await store.close();
  });
});
