import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import type { IngestHandlerDeps } from "./ingest-pipeline-contract.ts";
import type { RecordOutcome } from "./ingest-record.ts";
import { type IngestStages, passThroughStages } from "./request-context.ts";
import { IngestRouteTable, type IngestWriter } from "./route-table.ts";
import { testIngestApp, testSettings } from "./test-support.ts";

/** A task's writer writing each submission at once (offsets go on); `values` in the order it took them. */
function writtenAtOnce(submissions: number[] = []) {
  const values: unknown[] = [];
  let offset = 0;
  const writer = {
    pending: 0,
    submit: async ({ records }) => {
      submissions.push(records.length);
      for (const r of records) values.push(r.value);
      return records.map(
        (): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: offset++, timestamp: 1 }),
      );
    },
    withdrawQueued: () => undefined,
  } satisfies IngestWriter & { pending: number };
  return { writer, values };
}

/** Connector `c` serving topic `t` over REST Proxy, one task writing each submission at once. */
function gateway(
  connector: Record<string, string> = {},
  stages: IngestStages = passThroughStages,
  deps: Partial<IngestHandlerDeps> = {},
) {
  // Every suspension here is a pause (its 503 names the connector's target state).
  const routes = new IngestRouteTable(() => "PAUSED");
  routes.open("c", testSettings({ "ingest.rest.proxy.enable": "true", ...connector }), stages);
  const submissions: number[] = [];
  const { writer, values } = writtenAtOnce(submissions);
  routes.attach("c", writer);
  const clock = new ManualClock(1_700_000_000_000);
  const app = testIngestApp(routes, { clock, ...deps });
  return { routes, app, clock, submissions, values, route: () => routes.byTopic("t")! };
}

/** A streamed request whose body is `chunks`, each given when the gateway reads; `pulled(n)` when it asks for the n-th (from 0). */
async function pulledStream(app: ReturnType<typeof gateway>["app"], chunks: string[], pulled: (n: number) => void) {
  let n = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull: (controller) => {
        pulled(n);
        if (n < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[n]!));
        else controller.close();
        n++;
      },
    },
    { highWaterMark: 0 },
  );
  const request = new Request("http://gateway/v3/clusters/k/topics/t/records", {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
    duplex: "half",
  } as RequestInit);
  return app.fetch(request, {});
}

/** A streamed request the test writes to, its answer read as it comes. */
async function stream(app: ReturnType<typeof gateway>["app"]) {
  const body = new TransformStream<Uint8Array, Uint8Array>();
  const writer = body.writable.getWriter();
  const request = new Request("http://gateway/v3/clusters/k/topics/t/records", {
    method: "POST",
    body: body.readable,
    headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
    duplex: "half",
  } as RequestInit);
  const response = await app.fetch(request, {});
  const reader = response.body!.getReader();
  let text = "";
  const decoder = new TextDecoder();
  return {
    response,
    write: (chunk: string | Uint8Array) =>
      writer.write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk),
    end: () => writer.close(),
    /** Reads until the answer holds `count` reports (or ends); returns them. */
    async reports(
      count = Number.POSITIVE_INFINITY,
    ): Promise<{ error_code: number; message?: string; offset?: number }[]> {
      for (;;) {
        const reports = text
          .split(/(?=\{"error_code":)/)
          .filter((t) => t !== "")
          .map((t) => JSON.parse(t));
        if (reports.length >= count) return reports;
        const { done, value } = await reader.read();
        if (done) return reports;
        text += decoder.decode(value);
      }
    },
  };
}

const record = (data: string) => JSON.stringify({ value: { type: "STRING", data } });

describe("V3RecordStream", () => {
  test("answers 200 at once and reports each record as it completes; records read together are submitted together", async () => {
    const g = gateway();
    const s = await stream(g.app);
    expect(s.response.status).toBe(200);
    expect(s.response.headers.get("content-type")).toBe("application/json");
    await s.write(record("a").slice(0, 10));
    await s.write(record("a").slice(10));
    expect((await s.reports(1)).map((r) => r.offset)).toEqual([0]);
    await s.write(record("b") + record("c"));
    expect((await s.reports(3)).map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(g.route().requests.inFlight).toBe(1);
    await s.end();
    expect((await s.reports()).length).toBe(3);
    expect(g.submissions).toEqual([1, 2]);
    expect(g.route().requests.inFlight).toBe(0);
  });

  test("a record's text longer than ingest.max.body.bytes ends the stream with a 413 report after the earlier records'", async () => {
    const g = gateway({ "ingest.max.body.bytes": "100" });
    const s = await stream(g.app);
    await s.write(`${record("ok")}{"value":{"type":"STRING","data":"${"x".repeat(120)}`);
    expect(await s.reports()).toEqual([
      expect.objectContaining({ error_code: 200, offset: 0 }),
      {
        error_code: 413,
        message: "A record of the stream is longer than the limit of 100 bytes (ingest.max.body.bytes)",
      },
    ]);
    expect(g.route().requests.inFlight).toBe(0);
  });

  test("records read together are submitted ingest.max.records at a time, their reports in order", async () => {
    const g = gateway({ "ingest.max.records": "2" });
    const s = await stream(g.app);
    await s.write(["a", "b", "c", "d", "e"].map(record).join(""));
    await s.end();
    expect((await s.reports()).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(g.submissions).toEqual([2, 2, 1]);
  });

  test("a record's text is bounded in UTF-8 bytes, as a whole body is: a record of 1000 characters and 3000 bytes passes a limit of 2000", async () => {
    const g = gateway({ "ingest.max.body.bytes": "2000", "ingest.max.record.bytes": "100000" });
    const s = await stream(g.app);
    await s.write(record("ok") + record("€".repeat(1000 - record("").length)));
    expect((await s.reports()).map((r) => r.error_code)).toEqual([200, 413]);
    expect(g.submissions).toEqual([1]);
  });

  test("a record whose whole text arrives at once but is longer than ingest.max.body.bytes ends the stream with the 413", async () => {
    const g = gateway({ "ingest.max.body.bytes": "100" });
    const s = await stream(g.app);
    await s.write(`${record("ok")}${record("y".repeat(120))}${record("after")}`);
    expect((await s.reports()).map((r) => r.error_code)).toEqual([200, 413]);
    expect(g.submissions).toEqual([1]);
  });

  test("the route's quota is asked for each submission's bytes; a refused submission's records each report it, the stream goes on", async () => {
    const asked: number[] = [];
    const g = gateway(
      {},
      {
        ...passThroughStages,
        limit: (_identity, _target, bytes) => {
          asked.push(bytes);
          if (asked.length === 2) throw new IngestError(429, ErrorCodes.TOO_MANY_REQUESTS, "Too many requests");
        },
      },
    );
    const s = await stream(g.app);
    await s.write(record("a"));
    await s.reports(1);
    await s.write(record("b") + record("c"));
    await s.reports(3);
    await s.write(record("d"));
    await s.end();
    expect((await s.reports()).map((r) => [r.error_code, r.offset])).toEqual([
      [200, 0],
      [42901, undefined],
      [42901, undefined],
      [200, 1],
    ]);
    expect(asked).toEqual([record("a").length, 2 * record("b").length, record("d").length]);
  });

  test("a UTF-16 stream is read as Jackson reads it, a character split between chunks included", async () => {
    const g = gateway();
    const s = await stream(g.app);
    const utf16 = Buffer.from(record("é€") + record("z"), "utf16le");
    await s.write(utf16.subarray(0, 5));
    await s.write(utf16.subarray(5));
    await s.end();
    expect((await s.reports()).map((r) => r.error_code)).toEqual([200, 200]);
  });

  test("a stream without a record ends with the whole-body path's empty-body report", async () => {
    const g = gateway();
    const s = await stream(g.app);
    await s.write("  \n");
    await s.end();
    expect(await s.reports()).toEqual([
      { error_code: 400, message: "Bad Request: Request body is empty. Data is required." },
    ]);
  });

  test("no byte for ingest.request.timeout.ms ends the stream with a 408 report; its slot is freed", async () => {
    const g = gateway({ "ingest.request.timeout.ms": "5000" });
    const s = await stream(g.app);
    await s.write(record("a"));
    await s.reports(1);
    g.clock.advance(5000);
    expect((await s.reports()).at(-1)).toEqual({
      error_code: 408,
      message: "No byte of the stream arrived within 5000 ms (ingest.request.timeout.ms)",
    });
    expect(g.route().requests.inFlight).toBe(0);
  });

  test("records reach the writer in the stream's order though the first waits for its partition look-up", async () => {
    let answer: ((count: number) => void) | undefined;
    const g = gateway({}, passThroughStages, {
      partitions: () =>
        new Promise<number>((resolve) => {
          answer = resolve;
        }),
    });
    const a = `{"partition_id":0,"value":{"type":"STRING","data":"A"}}`;
    // The look-up of A's partition is answered once the body after B is asked for: B was read and submitted.
    const response = await pulledStream(g.app, [a, record("B")], (n) => {
      if (n === 2) answer?.(1);
    });
    const text = await response.text();
    expect(text.split(/(?=\{"error_code":)/).map((t) => JSON.parse(t).offset)).toEqual([0, 1]);
    expect(g.values).toEqual(["A", "B"]);
  });

  test("a stream's records go to one task while it runs, though route.writer() would pick another; to the next once it detached", async () => {
    const g = gateway();
    const second = writtenAtOnce();
    g.routes.attach("c", second.writer);
    const s = await stream(g.app);
    await s.write(record("a"));
    await s.reports(1);
    const first = g.route().writers[0]! as { pending: number };
    first.pending = 1_000_000;
    expect(g.route().writer()).toBe(second.writer);
    await s.write(record("b"));
    await s.reports(2);
    expect(g.values).toEqual(["a", "b"]);
    g.routes.detach("c", g.route().writers[0]!);
    await s.write(record("c"));
    await s.end();
    expect((await s.reports()).map((r) => r.error_code)).toEqual([200, 200, 200]);
    expect(second.values).toEqual(["c"]);
  });

  test("one idle timer a stream, not one a read: it ends the stream ingest.request.timeout.ms after the last byte", async () => {
    const g = gateway({ "ingest.request.timeout.ms": "5000" });
    const s = await stream(g.app);
    for (const c of record("x".repeat(200))) await s.write(c);
    await s.reports(1);
    // The stream's duration, its idle watch and the submission's deadline (request-deadlines.ts).
    expect(g.clock.sleeps.length).toBe(3);
    g.clock.advance(3000);
    await s.write(record("late"));
    await s.reports(2);
    // 5000 ms after the stream began, 2000 after its last byte: it goes on.
    g.clock.advance(2000);
    await s.write(record("later"));
    expect((await s.reports(3)).at(-1)).toMatchObject({ error_code: 200 });
    g.clock.advance(5000);
    expect((await s.reports()).at(-1)).toEqual({
      error_code: 408,
      message: "No byte of the stream arrived within 5000 ms (ingest.request.timeout.ms)",
    });
  });

  test("the header values each record carries bound each record, however many records one read completes", async () => {
    const stamping: IngestStages = { ...passThroughStages, stampedBytes: () => 100 };
    const records = Array.from({ length: 11 }, (_, i) => record(`r${i}`));
    const answers: unknown[] = [];
    // ingest.max.records 5: 5 records of 100 header bytes fit ingest.max.body.bytes (amplifiedHeaders).
    const limits = { "ingest.max.body.bytes": "1000", "ingest.max.records": "5" };
    for (const together of [true, false]) {
      const g = gateway(limits, stamping);
      const s = await stream(g.app);
      if (together) await s.write(records.join(""));
      else
        for (const [i, r] of records.entries()) {
          await s.write(r);
          await s.reports(i + 1);
        }
      await s.end();
      answers.push(await s.reports());
    }
    expect(answers[0]).toEqual(answers[1]);
    expect((answers[0] as { error_code: number }[]).map((r) => r.error_code)).toEqual(records.map(() => 200));
    // A record whose text and the 100 bytes it carries pass the limit ends the stream.
    const g = gateway(limits, stamping);
    const s = await stream(g.app);
    await s.write(record("a") + record("y".repeat(1000 - 100 - record("").length + 1)));
    expect(await s.reports()).toEqual([
      expect.objectContaining({ error_code: 200 }),
      {
        error_code: 413,
        message:
          "A record of the stream, with the 100 bytes of header values each record carries, is longer than the limit of 1000 bytes (ingest.max.body.bytes)",
      },
    ]);
  });

  // Review v3stream2 P2: a 4 KB stream of `{}` with a 15,000-byte allow-listed header wrote 30 MB of header values.
  test("header values a whole body of ingest.max.records records could not carry each are 413 before the stream opens", async () => {
    const stamping: IngestStages = { ...passThroughStages, stampedBytes: () => 101 };
    const g = gateway({ "ingest.max.body.bytes": "1000", "ingest.max.records": "10" }, stamping);
    const s = await stream(g.app);
    expect(s.response.status).toBe(413);
    expect(await s.reports()).toEqual([
      {
        error_code: 413,
        message:
          "Each record of the stream would carry 101 bytes of its header values (key, allow-listed headers, stamped content type and identity), over the 100 bytes a record of a whole body of ingest.max.records (10) records may carry within ingest.max.body.bytes (1000); nothing was written",
      },
    ]);
    expect(g.route().requests.inFlight).toBe(0);
    expect(g.submissions).toEqual([]);
  });

  test("a stream whose records are not yet settled is not idle: ingest.request.timeout.ms counts from the last report", async () => {
    const g = gateway({ "ingest.request.timeout.ms": "5000" });
    // Each submission settles when the test says so; `taken` resolves once the writer has it.
    const settle: (() => void)[] = [];
    let taken = Promise.withResolvers<void>();
    const slow: IngestWriter = {
      pending: 0,
      submit: ({ records }) =>
        new Promise<RecordOutcome[]>((resolve) => {
          settle.push(() =>
            resolve(records.map(() => ({ kind: "written", topic: "t", partition: 0, offset: 7, timestamp: 1 }))),
          );
          taken.resolve();
        }),
      withdrawQueued: () => undefined,
    };
    g.routes.detach("c", g.route().writers[0]!);
    g.routes.attach("c", slow);
    const s = await stream(g.app);
    await s.write(record("a"));
    await taken.promise;
    taken = Promise.withResolvers<void>();
    // The client waits for the report before it sends more: Kafka took 6 s.
    g.clock.advance(6000);
    settle[0]!();
    await s.reports(1);
    g.clock.advance(4000);
    await s.write(record("b"));
    await taken.promise;
    settle[1]!();
    expect((await s.reports(2)).map((r) => r.error_code)).toEqual([200, 200]);
    g.clock.advance(5000);
    expect((await s.reports()).at(-1)).toEqual({
      error_code: 408,
      message: "No byte of the stream arrived within 5000 ms (ingest.request.timeout.ms)",
    });
  });

  test("a paused connector ends the stream with its 503 report", async () => {
    const g = gateway();
    const s = await stream(g.app);
    await s.write(record("a"));
    await s.reports(1);
    g.routes.suspend("c");
    expect((await s.reports()).at(-1)).toEqual({
      error_code: 503,
      message: "The ingest connector c is paused",
    });
  });
});
