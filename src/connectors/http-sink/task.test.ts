import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { LongConverter } from "../../converters/number-converters.ts";
import { StringConverter } from "../../converters/string-converter.ts";
import { deferred } from "../../util/async.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { endpoint, harness, jsonConverters, record, stringConverters } from "./test-support.ts";

const p0 = { topic: "orders", partition: 0 };
const p1 = { topic: "orders", partition: 1 };

describe("HttpSinkTask", () => {
  describe("in batch mode", () => {
    test("posts a JSON array of the converted values, Content-Type application/json", async () => {
      await using server = endpoint();
      await using h = harness({ url: server.url(), "sink.batch.max-size": "3" });
      await h.task.put([record(0, 0, { a: 1 }), record(0, 1, { a: 2 }), record(0, 2, "three")]);
      await waitFor(() => server.received.length === 1);
      expect(server.received[0]).toMatchObject({
        method: "POST",
        path: "/ingest",
        body: '[{"a":1},{"a":2},"three"]',
      });
      expect(server.received[0]!.headers["content-type"]).toBe("application/json");
      expect(server.received[0]!.headers["user-agent"]).toStartWith("edge-gateway/");
    });

    test("splits a flush into requests of sink.request.batch.size records", async () => {
      await using server = endpoint();
      await using h = harness({
        url: server.url(),
        "http.sink.request.batch.size": "2",
        "sink.batch.max-size": "5",
        "flink.connector.http.insert-method": "PUT",
      });
      await h.task.put([0, 1, 2, 3, 4].map((i) => record(0, i, i)));
      await waitFor(() => server.received.length === 3);
      expect(server.received.map((r) => `${r.method} ${r.body}`)).toEqual(["PUT [0,1]", "PUT [2,3]", "PUT [4]"]);
    });

    test("waits for sink.flush-buffer.timeout when the batch is not full", async () => {
      await using server = endpoint();
      const clock = new ManualClock(1_000_000);
      await using h = harness({ url: server.url(), "sink.flush-buffer.timeout": "5000" }, { clock });
      await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
      expect(clock.pending).toBe(1);
      clock.advance(4999);
      expect(server.received).toEqual([]);
      clock.advance(1);
      await waitFor(() => server.received.length === 1);
      expect(server.received[0]!.body).toBe("[1,2]");
    });

    test("an empty put (an idle task's, before each commit) sends nothing, starts no timer and fails nothing", async () => {
      await using server = endpoint();
      const clock = new ManualClock(1_000_000);
      await using h = harness({ url: server.url(), "sink.flush-buffer.timeout": "5000" }, { clock });
      await h.task.put([]);
      expect(clock.pending).toBe(0);
      await h.task.put([record(0, 0, 1)]);
      clock.advance(4000);
      await h.task.put([]); // before sink.flush-buffer.timeout: the record keeps waiting
      await h.task.idle();
      expect(server.received).toEqual([]);
      clock.advance(1000);
      await waitFor(() => server.received.length === 1);
      await h.task.put([]);
      await h.task.idle();
      expect(server.received.map((r) => r.body)).toEqual(["[1]"]);
      expect(h.task.preCommit([{ ...p0, offset: 1 }])).toEqual([{ ...p0, offset: 1 }]);
      expect([h.errant, h.raised]).toEqual([[], []]);
    });

    describe("when the host's wall clock steps while a batch waits", () => {
      test("an hour back does not hold the batch past sink.flush-buffer.timeout", async () => {
        await using server = endpoint();
        const clock = new ManualClock(1_000_000);
        await using h = harness({ url: server.url(), "sink.flush-buffer.timeout": "5000" }, { clock });
        await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
        clock.stepWallClock(-3_600_000);
        clock.advance(4999);
        await h.task.idle();
        expect(server.received).toEqual([]);
        clock.advance(1);
        await waitFor(() => server.received.length === 1);
        expect(server.received[0]!.body).toBe("[1,2]");
      });

      test("an hour forward does not flush the batch before sink.flush-buffer.timeout", async () => {
        await using server = endpoint();
        const clock = new ManualClock(1_000_000);
        await using h = harness({ url: server.url(), "sink.flush-buffer.timeout": "5000" }, { clock });
        await h.task.put([record(0, 0, 1)]);
        clock.stepWallClock(3_600_000);
        await h.task.put([record(0, 1, 2)]);
        await h.task.idle();
        expect(server.received).toEqual([]);
        clock.advance(5000);
        await waitFor(() => server.received.length === 1);
        expect(server.received[0]!.body).toBe("[1,2]");
      });
    });

    test("flushes at sink.flush-buffer.size bytes and never sends a larger body", async () => {
      await using server = endpoint();
      await using h = harness({
        url: server.url(),
        "sink.flush-buffer.size": "13",
        "sink.writer.thread-pool.size": "4",
        "sink.flush-buffer.timeout": "3600000",
      });
      // `["aaa","aaa"]` is exactly 13 bytes: the 24 buffered bytes flush, two values per body.
      await h.task.put([0, 1, 2, 3].map((i) => record(i, 0, "aaa")));
      await waitFor(() => server.received.length === 2);
      expect(server.received.map((r) => r.body)).toEqual(['["aaa","aaa"]', '["aaa","aaa"]']);
    });

    test("a flush releases at most sink.batch.max-size records", async () => {
      await using server = endpoint();
      const clock = new ManualClock(0);
      await using h = harness(
        {
          url: server.url(),
          "sink.batch.max-size": "3",
          "sink.request.batch.size": "2",
          "sink.flush-buffer.timeout": "100",
        },
        { clock },
      );
      await h.task.put([0, 1, 2, 3].map((i) => record(0, i, i)));
      await waitFor(() => server.received.length === 2);
      await h.task.idle();
      expect(server.received.map((r) => r.body)).toEqual(["[0,1]", "[2]"]);
      clock.advance(100);
      await waitFor(() => server.received.length === 3);
      expect(server.received[2]!.body).toBe("[3]");
    });

    test("records put after a flush of a partial batch wait for the next flush, they are not sent one by one", async () => {
      await using server = endpoint();
      const clock = new ManualClock(1_000_000);
      await using h = harness({ url: server.url(), "sink.flush-buffer.timeout": "5000" }, { clock });
      await h.task.put([record(0, 0, 1), record(0, 1, 2)]);
      clock.advance(5000);
      await waitFor(() => server.received.length === 1);
      await h.task.idle();
      await h.task.put([record(0, 2, 3)]);
      await h.task.put([record(0, 3, 4)]);
      await h.task.idle();
      expect(server.received.map((r) => r.body)).toEqual(["[1,2]"]);
      clock.advance(5000);
      await waitFor(() => server.received.length === 2);
      expect(server.received.map((r) => r.body)).toEqual(["[1,2]", "[3,4]"]);
    });

    // Sink hunt (P3): a flush counted the records of a partition whose request was still in flight
    // among those it released; they could not go yet, and the count left over let records put after
    // the flush (another partition's) go at once, one request each, without waiting for a flush.
    test("a flush's release does not pass to records put after it while a busy partition holds its released records", async () => {
      await using server = endpoint();
      const held = deferred<void>();
      server.answer(async (r) => {
        if (r.body === '["p0-a"]') await held.promise;
        return new Response("ok");
      });
      const clock = new ManualClock(1_000_000);
      await using h = harness(
        { url: server.url(), "sink.flush-buffer.timeout": "5000", "sink.writer.thread-pool.size": "2" },
        { clock, assignment: [p0, p1] },
      );
      await h.task.put([record(0, 0, "p0-a")]);
      clock.advance(5000);
      await waitFor(() => server.received.length === 1);
      // p0's request is held: its next records wait in its lane, p1 has one record.
      await h.task.put([record(0, 1, "p0-b"), record(0, 2, "p0-c"), record(1, 0, "p1-x")]);
      clock.advance(5000);
      await waitFor(() => server.received.length === 2);
      await waitFor(() => h.task.preCommit([{ ...p1, offset: 1 }])[0]!.offset === 1);
      // Put after that flush, with no flush due: they wait for sink.flush-buffer.timeout.
      await h.task.put([record(1, 1, "p1-y")]);
      await h.task.put([record(1, 2, "p1-z")]);
      held.resolve();
      await waitFor(() => server.received.length >= 3);
      await h.task.idle();
      expect(server.received.map((r) => r.body)).toEqual(['["p0-a"]', '["p1-x"]', '["p0-b","p0-c"]']);
      clock.advance(5000);
      await waitFor(() => server.received.length === 4);
      await h.task.idle();
      expect(server.received.map((r) => r.body)).toEqual([
        '["p0-a"]',
        '["p1-x"]',
        '["p0-b","p0-c"]',
        '["p1-y","p1-z"]',
      ]);
    });
  });

  describe("with consumed JSON passed through (JsonText values, JsonConverter schemas.enable=false)", () => {
    // What the runtime hands a task that accepts JsonText: the consumed bytes, unparsed.
    const consumed = (json: string) =>
      jsonConverters().value.toConnectJsonText!("orders", undefined as never, new TextEncoder().encode(json))!.value;
    const values = ['{"ts": 1700000000123456789, "n":12345678901234567890}', "[1.50, 1E3]", '"\\u00e9"'];

    test("the task says it accepts JsonText", async () => {
      await using h = harness({ url: "http://127.0.0.1:9/x" });
      expect(h.task.acceptsJsonText).toBe(true);
    });

    test("batch bodies are the consumed bytes joined, long integers and number spelling exact", async () => {
      await using server = endpoint();
      await using h = harness({ url: server.url(), "sink.batch.max-size": "4" });
      await h.task.put([...values.map((v, i) => record(0, i, consumed(v))), record(0, 3, { parsed: 1 })]);
      await waitFor(() => server.received.length === 1);
      expect(server.received[0]!.body).toBe(`[${values.join(",")},{"parsed":1}]`);
    });

    test("single mode sends each value's consumed bytes", async () => {
      await using server = endpoint();
      await using h = harness({ url: server.url(), "sink.writer.request.mode": "single", "sink.batch.max-size": "3" });
      await h.task.put(values.map((v, i) => record(0, i, consumed(v))));
      await waitFor(() => server.received.length === 3);
      expect(server.received.map((r) => r.body)).toEqual(values);
    });
  });

  describe("in single mode", () => {
    test("sends one request per record whose body is the value, with the converter's Content-Type", async () => {
      await using server = endpoint();
      await using h = harness(
        { url: server.url(), "sink.writer.request.mode": "single", "sink.batch.max-size": "2", "insert-method": "put" },
        { converters: stringConverters() },
      );
      await h.task.put([record(0, 0, "hello"), record(0, 1, "world")]);
      await waitFor(() => server.received.length === 2);
      expect(server.received.map((r) => [r.method, r.body, r.headers["content-type"]])).toEqual([
        ["PUT", "hello", "text/plain; charset=utf-8"],
        ["PUT", "world", "text/plain; charset=utf-8"],
      ]);
    });

    // Finding (sinkbatch): the Content-Type named UTF-8 whatever converter.encoding wrote, and text for binary numbers.
    test("names the StringConverter's encoding as the charset, and binary converters' bytes as octet-stream", async () => {
      await using server = endpoint();
      const latin1 = new StringConverter();
      latin1.configure({ "converter.encoding": "ISO-8859-1" }, false);
      const long = new LongConverter();
      long.configure({}, false);
      const single = { url: server.url(), "sink.writer.request.mode": "single", "sink.flush-buffer.timeout": "0" };
      const text = stringConverters();
      await using h1 = harness(single, { converters: { ...text, value: latin1 } });
      await h1.task.put([record(0, 0, "café")]);
      await waitFor(() => server.received.length === 1);
      await using h2 = harness(single, {
        converters: { ...text, value: long, valueClass: "org.apache.kafka.connect.converters.LongConverter" },
      });
      await h2.task.put([record(0, 0, 42n)]);
      await waitFor(() => server.received.length === 2);
      expect(server.received.map((r) => r.headers["content-type"])).toEqual([
        "text/plain; charset=iso-8859-1",
        "application/octet-stream",
      ]);
    });
  });

  describe("ordering and concurrency", () => {
    test("keeps each partition in order with 4 concurrent requests and slow, uneven responses", async () => {
      await using server = endpoint();
      let inFlight = 0;
      let maxInFlight = 0;
      const perPartitionInFlight = new Map<number, number>();
      server.answer(async (r) => {
        const values = JSON.parse(r.body) as { p: number; i: number }[];
        const p = values[0]!.p;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        perPartitionInFlight.set(p, (perPartitionInFlight.get(p) ?? 0) + 1);
        if (perPartitionInFlight.get(p)! > 1) throw new Error(`two requests of partition ${p} at once`);
        await Bun.sleep((values[0]!.i * 7) % 5);
        perPartitionInFlight.set(p, perPartitionInFlight.get(p)! - 1);
        inFlight--;
        return new Response("ok");
      });
      await using h = harness({
        url: server.url(),
        "sink.writer.thread-pool.size": "4",
        "sink.request.batch.size": "10",
        "sink.batch.max-size": "10",
        "sink.flush-buffer.timeout": "0",
      });
      const records = [];
      for (let i = 0; i < 200; i++) records.push(record(i % 4, Math.floor(i / 4), { p: i % 4, i: Math.floor(i / 4) }));
      for (let i = 0; i < records.length; i += 20) await h.task.put(records.slice(i, i + 20));
      await waitFor(() => server.values().length === 200);
      const values = server.values() as { p: number; i: number }[];
      for (let p = 0; p < 4; p++) {
        expect(values.filter((v) => v.p === p).map((v) => v.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }
      expect(maxInFlight).toBeGreaterThan(1);
      expect(maxInFlight).toBeLessThanOrEqual(4);
      expect(h.errant).toEqual([]);
    });
  });

  describe("offsets and backpressure", () => {
    test("preCommit holds a partition at its first record not yet delivered", async () => {
      await using server = endpoint();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      server.answer(async () => {
        await gate;
        return new Response("ok");
      });
      await using h = harness({
        url: server.url(),
        "sink.flush-buffer.timeout": "0",
        "sink.writer.thread-pool.size": "2",
      });
      await h.task.put([record(0, 10, 1), record(0, 11, 2)]);
      await h.task.put([record(1, 5, 3)]);
      await waitFor(() => server.received.length === 2);
      const current = [
        { topic: "orders", partition: 0, offset: 12 },
        { topic: "orders", partition: 1, offset: 6 },
        { topic: "orders", partition: 2, offset: 7 },
      ];
      expect(await h.task.preCommit(current)).toEqual([
        { topic: "orders", partition: 0, offset: 10 },
        { topic: "orders", partition: 1, offset: 5 },
        { topic: "orders", partition: 2, offset: 7 },
      ]);
      release();
      await waitFor(() => server.values().length === 3);
      await h.task.idle();
      expect(await h.task.preCommit(current)).toEqual(current);
      expect(h.commits()).toBeGreaterThan(0);
    });

    // A busy task asks for a commit at most every 250 ms, measured on the monotonic clock.
    test.each([
      ["back", -3_600_000, 250, 2],
      ["forward", 3_600_000, 0, 1],
    ])(
      "a wall clock stepped %s an hour does not change when a busy task asks for a commit",
      async (_, step, elapsed, commits) => {
        await using server = endpoint();
        const gates = [0, 1, 2].map(() => Promise.withResolvers<void>());
        server.answer(async (_req, n) => {
          await gates[n - 1]!.promise;
          return new Response("ok");
        });
        const clock = new ManualClock(1_000_000);
        await using h = harness(
          { url: server.url(), "sink.batch.max-size": "1", "sink.flush-buffer.timeout": "3600000" },
          { clock },
        );
        await h.task.put([0, 1, 2].map((i) => record(0, i, i)));
        gates[0]!.resolve();
        await waitFor(() => server.received.length === 2);
        expect(h.commits()).toBe(1);
        clock.stepWallClock(step);
        clock.advance(elapsed);
        gates[1]!.resolve();
        await waitFor(() => server.received.length === 3);
        expect(h.commits()).toBe(commits);
        gates[2]!.resolve();
        await h.task.idle();
        expect(h.commits()).toBe(commits + 1);
      },
    );

    test("pauses its partitions at sink.requests.max-buffered and resumes at half", async () => {
      await using server = endpoint();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      server.answer(async () => {
        await gate;
        return new Response("ok");
      });
      await using h = harness({
        url: server.url(),
        "sink.requests.max-buffered": "4",
        "sink.batch.max-size": "2",
        "sink.request.batch.size": "2",
      });
      await h.task.put([record(0, 0, 0), record(0, 1, 1), record(0, 2, 2)]);
      expect(h.events).toEqual([]);
      await h.task.put([record(0, 3, 3)]);
      expect(h.events).toEqual(["pause 1"]);
      release();
      await waitFor(() => server.values().length === 4);
      await h.task.idle();
      expect(h.events).toEqual(["pause 1", "resume 1"]);
    });
  });

  describe("headers and URL", () => {
    test("static headers under every spelling, key and header forwarding, URL templating", async () => {
      await using server = endpoint();
      await using h = harness(
        {
          url: server.url("/t/${topic}/p/${partition}/k/${key}"),
          "sink.writer.request.mode": "single",
          "sink.batch.max-size": "2",
          "sink.header.X-Plain": "a",
          "http.sink.header.X-Http": "b",
          "flink.connector.http.sink.header.X-Flink": "c",
          "sink.forward.key.header": "X-Kafka-Key",
          "sink.forward.headers": "trace,tenant",
          "sink.forward.headers.prefix": "X-Kafka-",
        },
        { converters: stringConverters() },
      );
      await h.task.put([
        record(3, 0, "v1", {
          key: "dev/1",
          headers: [
            ["trace", "t-1"],
            ["tenant", "acme"],
            ["other", "x"],
          ],
        }),
        record(3, 1, "v2", { key: "dev 2", headers: [["trace", "t-2"]] }),
      ]);
      await waitFor(() => server.received.length === 2);
      const [first, second] = server.received;
      expect(first!.path).toBe("/t/orders/p/3/k/dev%2F1");
      expect(second!.path).toBe("/t/orders/p/3/k/dev%202");
      expect(first!.headers).toMatchObject({
        "x-plain": "a",
        "x-http": "b",
        "x-flink": "c",
        "x-kafka-key": "dev/1",
        "x-kafka-trace": "t-1",
        "x-kafka-tenant": "acme",
      });
      expect(first!.headers["x-kafka-other"]).toBeUndefined();
      expect(second!.headers["x-kafka-tenant"]).toBeUndefined();
    });

    test("CloudEvents binary mode: one event per request, ce_* record headers win over defaults", async () => {
      await using server = endpoint();
      await using h = harness({
        url: server.url(),
        "sink.cloudevents.binary": "true",
        "sink.cloudevents.type": "com.example.order",
        "sink.batch.max-size": "2",
      });
      await h.task.put([
        record(1, 7, { n: 1 }, { timestamp: Date.UTC(2026, 0, 2, 3, 4, 5) }),
        record(
          1,
          8,
          { n: 2 },
          {
            headers: [
              ["ce_id", "evt-42"],
              ["ce_type", "custom"],
              ["content-type", "application/cloudevents+json"],
            ],
          },
        ),
      ]);
      await waitFor(() => server.received.length === 2);
      const [a, b] = server.received;
      expect(a!.body).toBe('{"n":1}');
      expect(a!.headers).toMatchObject({
        "ce-specversion": "1.0",
        "ce-id": "orders-1-7",
        "ce-source": "/topics/orders/partitions/1",
        "ce-type": "com.example.order",
        "ce-time": "2026-01-02T03:04:05.000Z",
        "content-type": "application/json",
      });
      expect(b!.headers).toMatchObject({
        "ce-id": "evt-42",
        "ce-type": "custom",
        "ce-specversion": "1.0",
        "content-type": "application/cloudevents+json",
      });
    });
  });
});

describe("HttpSinkTask request-callback", () => {
  test("slf4j-logger logs each exchange at DEBUG, bodies at TRACE, never headers", async () => {
    await using server = endpoint();
    server.answer(() => new Response("accepted-body"));
    await using h = harness(
      { url: server.url("/in?q=1"), "sink.flush-buffer.timeout": "0", "sink.header.Authorization": "Basic c2VjcmV0" },
      { rootLevel: "TRACE" },
    );
    await h.task.put([record(0, 0, { a: 1 })]);
    await waitFor(() => h.lines.some((l) => l.includes(" TRACE ")));
    const line = h.lines.find((l) => l.includes(" TRACE "))!;
    expect(line).toMatch(
      /TRACE \[sink\|task-0\] POST http:\/\/127\.0\.0\.1:\d+\/in\?q=1 → 200 in \d+ ms \(1 records, 9 bytes sent, 13 bytes received\)\nRequest body: \[\{"a":1\}\]\nResponse body: accepted-body/,
    );
    expect(h.lines.join("\n")).not.toContain("c2VjcmV0");
  });

  test("DEBUG without bodies; none logs nothing per request", async () => {
    await using server = endpoint();
    await using debug = harness({ url: server.url(), "sink.flush-buffer.timeout": "0" });
    await debug.task.put([record(0, 0, 1)]);
    await waitFor(() => debug.lines.some((l) => l.includes("→ 200")));
    expect(debug.lines.filter((l) => l.includes("→ 200"))[0]).not.toContain("Request body");
    await using quiet = harness({
      url: server.url(),
      "sink.flush-buffer.timeout": "0",
      "sink.request-callback": "none",
    });
    await quiet.task.put([record(0, 0, 1)]);
    await waitFor(() => server.received.length === 2);
    await quiet.task.idle();
    expect(quiet.lines.filter((l) => l.includes("→"))).toEqual([]);
  });
});
