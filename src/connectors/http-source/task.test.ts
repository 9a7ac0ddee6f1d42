import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { JsonText, materialized } from "../../api/data/json-text.ts";
import { ConnectError, isRetriable } from "../../errors.ts";
import { api, commit, FastForwardClock, recordIds as ids, startTask } from "./test-support.ts";

const items = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: from + i }));
const json = (body: unknown, init?: ResponseInit) => Response.json(body, init);

describe("HttpSourceTask", () => {
  describe("when the API pages with Link headers (GitHub style)", () => {
    test("follows relative and absolute next links and delivers every record once, in order", async () => {
      using server = api((_req, url) => {
        const page = Number(url.searchParams.get("page") ?? "1");
        const link =
          page === 1
            ? '</events?page=2>; rel="next", </events?page=3>; rel="last"'
            : page === 2
              ? `<http://127.0.0.1:${url.port}/events?page=3>; rel="next"`
              : '</events?page=1>; rel="first"';
        return json(items((page - 1) * 2, page * 2), { headers: { link } });
      });
      const h = await startTask({
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
      });
      const records = await h.collect(6);
      expect(ids(records)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(server.seen.map((s) => s.query.page ?? "1")).toEqual(["1", "2", "3"]);
      expect(records[1]!.sourceOffset).toEqual({
        offset: "",
        offset_mode: "NONE",
        poll_time: h.clock.current,
        next_offset: "",
        skip: 2,
        page_offset: "",
      });
      expect(records[5]!.sourceOffset).toEqual({
        offset: "",
        offset_mode: "NONE",
        poll_time: records[0]!.sourceOffset!.poll_time,
      });
      expect(records[0]!.sourcePartition).toEqual({ url: `${server.base}/events` });
      expect(records[0]!.topic).toBe("events");
      expect(records[0]!.key).toBeNull();
      expect(records[0]!.valueSchema).toBeNull();
    });

    test("a next link back to a page already read stops the poll with a warning", async () => {
      using server = api(() => json([{ id: 1 }], { headers: { link: '</events>; rel="next"' } }));
      const h = await startTask({
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
      });
      expect(ids(await h.collect(1))).toEqual([1]);
      expect(await h.task.poll(new AbortController().signal)).toBeNull();
      expect(server.seen.length).toBe(1);
      expect(h.logs.some((l) => l.includes("Pagination does not advance"))).toBe(true);
    });
  });

  describe("when the API pages by offset and limit", () => {
    test("asks for offset=0,100,200 and stops after a short page", async () => {
      using server = api((_req, url) => {
        const offset = Number(url.searchParams.get("offset"));
        return json({ data: items(offset, Math.min(offset + Number(url.searchParams.get("limit")), 250)) });
      });
      const h = await startTask({
        "http.url": `${server.base}/events?type=a`,
        "http.response.records.path": "$.data[*]",
        "http.pagination.type": "OFFSET",
        "http.pagination.offset.param": "offset",
        "http.pagination.limit.param": "limit",
        "http.pagination.limit.value": "100",
      });
      const records = await h.collect(250);
      expect(ids(records)).toEqual(items(0, 250).map((i) => i.id));
      expect(server.seen.map((s) => s.query)).toEqual([
        { type: "a", offset: "0", limit: "100" },
        { type: "a", offset: "100", limit: "100" },
        { type: "a", offset: "200", limit: "100" },
      ]);
    });
  });

  describe("when the API pages by cursor", () => {
    test.each([null, "", undefined])("follows the cursor and stops when it is %p", async (end) => {
      using server = api((_req, url) => {
        const cursor = url.searchParams.get("cursor");
        if (cursor === null) return json({ items: [{ id: 1 }], next_cursor: "c2" });
        if (cursor === "c2") return json({ items: [{ id: 2 }], next_cursor: "c3" });
        return json(end === undefined ? { items: [{ id: 3 }] } : { items: [{ id: 3 }], next_cursor: end });
      });
      const h = await startTask({
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$.items[*]",
        "http.pagination.type": "CURSOR",
        "http.pagination.cursor.param": "cursor",
        "http.pagination.cursor.path": "$.next_cursor",
      });
      expect(ids(await h.collect(3))).toEqual([1, 2, 3]);
      expect(await h.task.poll(new AbortController().signal)).toBeNull();
      expect(server.seen.map((s) => s.query.cursor ?? null)).toEqual([null, "c2", "c3"]);
    });

    test("the same cursor twice stops the poll", async () => {
      using server = api((_req, _url, n) => json({ items: [{ id: n }], next: "same" }));
      const h = await startTask({
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$.items[*]",
        "http.pagination.type": "CURSOR",
        "http.pagination.cursor.path": "$.next",
      });
      expect(ids(await h.collect(10, 3))).toEqual([1, 2]);
      expect(server.seen.length).toBe(2);
      expect(h.logs.some((l) => l.includes("Pagination does not advance"))).toBe(true);
    });
  });

  describe("offsets", () => {
    test("TIMESTAMP: ${offset} starts at http.initial.offset, advances to the newest record and skips old ones", async () => {
      const events = [
        { id: 1, updated_at: "2024-01-02T00:00:00Z" },
        { id: 2, updated_at: "2024-01-03T00:00:00Z" },
        { id: 3, updated_at: "2024-01-01T00:00:00Z" },
      ];
      using server = api((_req, url) => {
        const since = Date.parse(url.searchParams.get("since") ?? "");
        return json({ data: events.filter((e) => Date.parse(e.updated_at) >= since) });
      });
      const h = await startTask({
        "http.url": `${server.base}/events?since=\${offset}`,
        "http.response.records.path": "$.data[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "updated_at",
        "http.initial.offset": "2024-01-01T00:00:00Z",
        "http.timer.interval.ms": "1000",
      });
      const first = await h.collect(3);
      expect(ids(first)).toEqual([1, 2]); // id 3 is not after the initial offset
      expect(first.at(-1)!.sourceOffset!.offset).toBe("2024-01-03T00:00:00Z");
      expect(server.seen[0]!.query.since).toBe("2024-01-01T00:00:00Z");
      const second = await h.collect(1, 3);
      expect(server.seen.at(-1)!.query.since).toBe("2024-01-03T00:00:00Z");
      expect(second).toEqual([]);
    });

    test("CURSOR: the offset is the last record's field, used in a POST body", async () => {
      using server = api(async (_req, _url, n) => json(n === 1 ? [{ seq: 10 }, { seq: 11 }] : []));
      const h = await startTask({
        "http.url": `${server.base}/query`,
        "http.method": "POST",
        "http.headers": "Content-Type: application/json, X-After: ${offset}",
        "http.request.body": '{"after": "${offset}"}',
        "http.response.records.path": "$[*]",
        "http.offset.mode": "CURSOR",
        "http.offset.field": "$.seq",
        "http.initial.offset": "0",
        "http.timer.interval.ms": "1000",
      });
      expect((await h.collect(2)).at(-1)!.sourceOffset!.offset).toBe(11);
      await h.collect(1, 1);
      expect(server.seen.map((s) => [s.method, s.body, s.headers.get("x-after")])).toEqual([
        ["POST", '{"after": "0"}', "0"],
        ["POST", '{"after": "11"}', "11"],
      ]);
      expect(server.seen[0]!.headers.get("content-type")).toBe("application/json");
    });

    test("a restart in the middle of a poll refetches the page, skips what was delivered and goes on", async () => {
      using server = api((_req, url) => {
        const page = Number(url.searchParams.get("page") ?? "1");
        const headers = page < 3 ? { link: `</events?page=${page + 1}>; rel="next"` } : undefined;
        return json(items((page - 1) * 3, page * 3), { headers });
      });
      const config = {
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
      };
      const before = await startTask(config);
      const delivered = await before.collect(9);
      expect(ids(delivered)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      commit(before, delivered.slice(0, 4)); // Kafka acknowledged records 0..3; 4..8 were in flight
      await before.task.stop();
      const requestsBefore = server.seen.length;
      const after = await startTask(config, { offsets: before.offsets });
      const rest = await after.collect(5);
      expect(ids(rest)).toEqual([4, 5, 6, 7, 8]);
      expect(server.seen.slice(requestsBefore).map((s) => s.query.page)).toEqual(["2", "3"]);
    });

    test("a poll resumed after a restart on a clock stepped back an hour is followed one interval later", async () => {
      using server = api((_req, url) => {
        const page = Number(url.searchParams.get("page") ?? "1");
        const headers = page < 2 ? { link: `</events?page=${page + 1}>; rel="next"` } : undefined;
        return json(items((page - 1) * 3, page * 3), { headers });
      });
      const config = {
        "http.url": `${server.base}/events`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.timer.interval.ms": "60000",
      };
      const before = await startTask(config);
      const delivered = await before.collect(6);
      commit(before, delivered.slice(0, 4));
      await before.task.stop();
      // The poll time stored with the offset is an hour after the restarted host's wall clock.
      const clock = new FastForwardClock(before.clock.now() - 3_600_000);
      const restartedAt = clock.monotonic();
      const after = await startTask(config, { offsets: before.offsets, clock });
      expect(ids(await after.collect(2))).toEqual([4, 5]);
      const requests = server.seen.length;
      const signal = new AbortController().signal;
      for (let polls = 0; server.seen.length === requests && polls < 100; polls++) await after.task.poll(signal);
      expect(server.seen.length).toBe(requests + 1);
      expect(clock.monotonic() - restartedAt).toBe(60000);
    });

    // explore29 F3: its HELP said "extracted from responses", while the records the offset mode skips are not counted.
    test("http_source_records_polled_total counts the records delivered, not those the offset mode skips", async () => {
      using server = api(() =>
        json([
          { id: 1, ts: "2024-01-01T00:00:00Z" },
          { id: 2, ts: "2024-01-02T00:00:00Z" },
        ]),
      );
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.timer.interval.ms": "1000",
      });
      expect(ids(await h.collect(3, 3))).toEqual([1, 2]);
      expect(server.seen.length).toBeGreaterThan(1);
      const polled = h.metrics
        .families({ connector: "c", task: "0" })
        .find((f) => f.name === "http_source_records_polled_total");
      expect(polled).toEqual({
        name: "http_source_records_polled_total",
        help: "Records the HTTP source connector delivered from responses (http-source-records-polled): those its http.offset.mode skips as delivered before are not counted.",
        type: "counter",
        samples: [{ labels: { connector: "c", task: "0" }, value: 2 }],
      });
    });
  });

  describe("exact numbers (issue 7.4)", () => {
    const raw = (body: string) => new Response(body, { headers: { "content-type": "application/json" } });

    test("an object or number record is a JsonText of its exact text; a string record stays a string", async () => {
      const body =
        '{"items": [ {"ts":1700000000123456789, "big": 12345678901234567890, "price": 1.50} ,\n 9007199254740993, "plain"]}';
      using server = api(() => raw(body));
      const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$.items[*]" });
      const records = await h.collect(3);
      expect(records.map((r) => (r.value instanceof JsonText ? { text: r.value.text } : r.value))).toEqual([
        { text: '{"ts":1700000000123456789, "big": 12345678901234567890, "price": 1.50}' },
        { text: "9007199254740993" },
        "plain",
      ]);
      // Transformations see it parsed exactly (int64 as bigint, as JsonConverter reads it).
      expect(materialized(records[0]!.value)).toEqual({
        ts: 1700000000123456789n,
        big: -6101065172474983726n,
        price: 1.5,
      });
    });

    test("TIMESTAMP offsets in nanoseconds compare to the last digit and are stored as their digits", async () => {
      using server = api(() =>
        raw('[{"id":1,"ts":1700000000123456789},{"id":2,"ts":1700000000123456790},{"id":3,"ts":1700000000123456788}]'),
      );
      const h = await startTask({
        "http.url": `${server.base}/e?since=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.initial.offset": "1700000000123456789",
        "http.timer.interval.ms": "1000",
      });
      const first = await h.collect(3, 2);
      expect(ids(first)).toEqual([2]);
      expect(first.at(-1)!.sourceOffset!.offset).toBe("1700000000123456790");
      await h.collect(1, 1);
      expect(server.seen.map((s) => s.query.since).slice(0, 2)).toEqual(["1700000000123456789", "1700000000123456790"]);
    });

    test("a long integer cursor and a long CURSOR offset keep every digit", async () => {
      using server = api((_req, url) =>
        url.searchParams.get("after") === null
          ? raw('{"items":[{"seq":12345678901234567890}],"next":18446744073709551615}')
          : raw('{"items":[{"seq":12345678901234567891}]}'),
      );
      const h = await startTask({
        "http.url": `${server.base}/e?from=\${offset}`,
        "http.response.records.path": "$.items[*]",
        "http.pagination.type": "CURSOR",
        "http.pagination.cursor.param": "after",
        "http.pagination.cursor.path": "$.next",
        "http.offset.mode": "CURSOR",
        "http.offset.field": "seq",
        "http.initial.offset": "0",
        "http.timer.interval.ms": "1000",
      });
      const records = await h.collect(2);
      expect(records.at(-1)!.sourceOffset!.offset).toBe("12345678901234567891");
      await h.collect(1, 1);
      expect(server.seen.map((s) => [s.query.from, s.query.after ?? null])).toEqual([
        ["0", null],
        ["0", "18446744073709551615"],
        ["12345678901234567891", null],
      ]);
    });
  });

  describe("schedule", () => {
    test("interval: polls at start, then one interval after the last poll started, also after a restart", async () => {
      using server = api(() => json([{ id: 1 }]));
      const config = {
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.timer.interval.ms": "60000",
      };
      const h = await startTask(config);
      const started = h.clock.now();
      const first = await h.collect(1);
      expect(server.seen.length).toBe(1);
      commit(h, first);
      expect(await h.task.poll(new AbortController().signal)).toBeNull();
      expect(h.clock.now() - started).toBe(1000); // waits in steps of at most 1 s
      const second = await h.collect(1, 100);
      expect(second.length).toBe(1);
      expect(h.clock.now() - started).toBe(60000);
      const restarted = await startTask(config, { offsets: h.offsets, clock: new FastForwardClock(started + 30000) });
      await restarted.collect(1, 100);
      expect(restarted.clock.now()).toBe(started + 60000);
    });

    test.each([
      ["back", -3_600_000],
      ["forward", 3_600_000],
    ])("interval: a wall clock stepped %s an hour neither delays nor hastens the next poll", async (_, step) => {
      using server = api(() => json([{ id: 1 }]));
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.timer.interval.ms": "60000",
      });
      const started = h.clock.monotonic();
      commit(h, await h.collect(1));
      h.clock.wallStep = step;
      const second = await h.collect(1, 100);
      expect(second.length).toBe(1);
      expect(h.clock.monotonic() - started).toBe(60000);
      // The poll time stored with the offset is still a wall-clock time.
      expect(second[0]!.sourceOffset).toMatchObject({ poll_time: started + step + 60000 });
    });

    test("cron: waits for the next fire time of a Quartz expression in its time zone", async () => {
      using server = api(() => json([{ id: 1 }]));
      const clock = new FastForwardClock(Date.UTC(2026, 0, 1, 10, 2, 30));
      const h = await startTask(
        {
          "http.url": `${server.base}/e`,
          "http.response.records.path": "$[*]",
          "http.timer.type": "cron",
          "http.timer.cron.expression": "0 */5 * * * ?",
          "http.timer.cron.timezone": "Europe/Berlin",
        },
        { clock },
      );
      await h.collect(1, 1000);
      expect(new Date(clock.now()).toISOString()).toBe("2026-01-01T10:05:00.000Z");
      await h.collect(1, 1000);
      expect(new Date(clock.now()).toISOString()).toBe("2026-01-01T10:10:00.000Z");
    });
  });

  describe("failures", () => {
    test("retries 503 with Retry-After and 500 with backoff, counting requests and errors", async () => {
      using server = api((_req, _url, n) =>
        n === 1
          ? new Response("busy", { status: 503, headers: { "retry-after": "7" } })
          : n === 2
            ? new Response("oops", { status: 500 })
            : json([{ id: 1 }]),
      );
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.retry.backoff.ms": "100",
      });
      expect(ids(await h.collect(1))).toEqual([1]);
      expect(h.clock.sleeps.slice(0, 2)).toEqual([7000, expect.any(Number)]);
      expect(h.clock.sleeps[1]).toBeLessThanOrEqual(200);
      const text = h.metrics.families({ connector: "c", task: "0" });
      const value = (name: string) => text.find((f) => f.name === name)?.samples[0]?.value;
      expect([
        value("http_source_requests_total"),
        value("http_source_errors_total"),
        value("http_source_records_polled_total"),
      ]).toEqual([3, 2, 1]);
    });

    test.each([
      ["fail", "throws"],
      ["log", "logs"],
      ["ignore", "skips"],
    ])("behavior.on.error=%s %s on an error status", async (behavior) => {
      using server = api(() => new Response("no such thing", { status: 404 }));
      const h = await startTask({
        "http.url": `${server.base}/e?token=secret-value-1`,
        "behavior.on.error": behavior,
        "http.response.error.codes": "400,404",
      });
      const outcome = await h.task.poll(new AbortController().signal).catch((e) => e);
      if (behavior === "fail") {
        expect(outcome).toBeInstanceOf(ConnectError);
        expect(isRetriable(outcome)).toBe(false);
        expect(outcome.message).toContain(`HTTP 404 from GET ${server.base}/e?token=***: no such thing`);
        expect(outcome.message).not.toContain("secret-value-1");
      } else {
        expect(outcome).toBeNull();
        expect(h.logs.some((l) => l.includes("HTTP 404"))).toBe(behavior === "log");
      }
    });

    test("a garbage body follows behavior.on.error, derived from errors.tolerance when unset", async () => {
      using server = api(() => new Response("<html>not json", { status: 200 }));
      const tolerant = await startTask({
        "http.url": `${server.base}/e`,
        "errors.tolerance": "all",
        "errors.log.enable": "true",
      });
      expect(await tolerant.task.poll(new AbortController().signal)).toBeNull();
      expect(tolerant.logs.some((l) => l.includes("not valid JSON"))).toBe(true);
      const strict = await startTask({ "http.url": `${server.base}/e` });
      expect(await strict.task.poll(new AbortController().signal).catch((e) => e.message)).toContain("not valid JSON");
    });

    test("a refused connection is retried, then fails the task with the redacted URL", async () => {
      const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
      const url = `http://user:pw-123456@127.0.0.1:${gone.port}/e`;
      gone.stop(true);
      const h = await startTask({ "http.url": url, "http.retry.max.attempts": "3", "http.retry.backoff.ms": "10" });
      const error = await h.task.poll(new AbortController().signal).catch((e) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect(isRetriable(error)).toBe(false);
      expect(error.message).toContain("failed after 3 attempts");
      expect(error.message).not.toContain("pw-123456");
      expect(h.clock.sleeps.length).toBe(2);
    });

    test("pausing aborts a hanging request at once; the page is fetched again on resume", async () => {
      let hang = true;
      using server = api(() => (hang ? new Promise<Response>(() => undefined) : json([{ id: 1 }])));
      const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]" });
      const pause = new AbortController();
      const pending = h.task.poll(pause.signal);
      await waitFor(() => server.seen.length > 0, { intervalMs: 5 });
      pause.abort();
      expect(await pending).toBeNull();
      hang = false;
      expect(ids(await h.collect(1))).toEqual([1]);
    });
  });

  describe("batching", () => {
    test("pages come one per poll, fetched ahead; a failing page throws in its turn", async () => {
      using server = api((_req, url) => {
        const page = Number(url.searchParams.get("page") ?? "1");
        if (page === 8) return new Response("broken", { status: 500 });
        return json(items((page - 1) * 100, page * 100), { headers: { link: `</e?page=${page + 1}>; rel="next"` } });
      });
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.retry.max.attempts": "1",
      });
      const signal = new AbortController().signal;
      for (let page = 1; page <= 7; page++) expect(ids((await h.task.poll(signal)) ?? [])[0]).toBe((page - 1) * 100);
      expect(await h.task.poll(signal).catch((e) => e.message)).toContain("HTTP 500");
    });
  });

  describe("slow and large responses", () => {
    test("a page slower than a poll is picked up by a later poll, also after its poll ended", async () => {
      // The server answers only once the first poll has given up on the page (~1 s), whatever the load.
      let answered = false;
      let release!: () => void;
      const firstPollEnded = new Promise<void>((resolve) => {
        release = resolve;
      });
      using server = api(async () => {
        await firstPollEnded;
        answered = true;
        return json([{ id: 1 }]);
      });
      const h = await startTask({ "http.url": `${server.base}/e`, "http.response.records.path": "$[*]" });
      const signal = new AbortController().signal;
      expect(await h.task.poll(signal)).toBeNull();
      release();
      await waitFor(() => answered, { intervalMs: 5 });
      expect(ids((await h.task.poll(signal)) ?? [])).toEqual([1]);
    });

    test("a response over http.response.max.bytes follows behavior.on.error", async () => {
      using server = api(() => json([{ id: 1, pad: "x".repeat(2000) }]));
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.max.bytes": "1000",
        "behavior.on.error": "log",
      });
      expect(await h.task.poll(new AbortController().signal)).toBeNull();
      expect(server.seen.length).toBe(1);
      expect(h.logs.some((l) => l.includes("exceeds the limit of 1000 bytes"))).toBe(true);
    });
  });

  describe("authentication", () => {
    test("BASIC sends the user and password", async () => {
      using server = api(() => json([]));
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.auth.type": "BASIC",
        "http.auth.user": "u",
        "http.auth.password": "p",
      });
      await h.task.poll(new AbortController().signal);
      expect(server.seen[0]!.headers.get("authorization")).toBe(`Basic ${btoa("u:p")}`);
    });

    test.each(["header", "body"])(
      "OAUTH2 (client secret in the %s): one token for many requests, renewed once after a 401",
      async (mode) => {
        const tokenRequests: { auth: string | null; form: URLSearchParams }[] = [];
        using tokens = api(async (req, _url, n) => {
          tokenRequests.push({
            auth: req.headers.get("authorization"),
            form: new URLSearchParams(server.seen.length >= 0 ? tokens.seen.at(-1)!.body : ""),
          });
          return json({ access_token: `tok-${n}`, expires_in: 3600, token_type: "Bearer" });
        });
        let rejectOnce = true;
        using server = api((req) => {
          if (req.headers.get("authorization") === "Bearer tok-1" && server.seen.length === 3 && rejectOnce) {
            rejectOnce = false;
            return new Response("expired", { status: 401 });
          }
          return json([{ id: server.seen.length }]);
        });
        const h = await startTask({
          "http.url": `${server.base}/e`,
          "http.response.records.path": "$[*]",
          "http.timer.interval.ms": "10",
          "http.auth.type": "OAUTH2",
          "http.oauth2.token.url": `${tokens.base}/token`,
          "http.oauth2.client.id": "client-1",
          "http.oauth2.client.secret": "secret-1",
          "http.oauth2.scope": "read:events",
          "http.oauth2.client.auth.mode": mode,
        });
        await h.collect(3, 50);
        expect(tokenRequests.length).toBe(2);
        expect(server.seen.map((s) => s.headers.get("authorization"))).toEqual([
          "Bearer tok-1",
          "Bearer tok-1",
          "Bearer tok-1",
          "Bearer tok-2",
        ]);
        const form = Object.fromEntries(tokenRequests[0]!.form);
        if (mode === "header") {
          expect(tokenRequests[0]!.auth).toBe(`Basic ${btoa("client-1:secret-1")}`);
          expect(form).toEqual({ grant_type: "client_credentials", scope: "read:events" });
        } else {
          expect(tokenRequests[0]!.auth).toBeNull();
          expect(form).toEqual({
            grant_type: "client_credentials",
            scope: "read:events",
            client_id: "client-1",
            client_secret: "secret-1",
          });
        }
        expect(h.logs.join("\n")).not.toContain("tok-1");
      },
    );
  });

  describe("rate limits", () => {
    test("waits for the reset when the remaining-requests header reaches 0", async () => {
      const clock = new FastForwardClock(Date.UTC(2026, 0, 1));
      const reset = Math.floor(clock.current / 1000) + 42;
      using server = api(() =>
        json([{ id: 1 }], { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) } }),
      );
      const h = await startTask(
        {
          "http.url": `${server.base}/e`,
          "http.response.records.path": "$[*]",
          "http.timer.interval.ms": "1000",
          "http.rate.limit.header": "X-RateLimit-Remaining",
          "http.rate.limit.reset.header": "X-RateLimit-Reset",
        },
        { clock },
      );
      await h.collect(2, 10);
      expect(server.seen.length).toBe(2);
      expect(clock.sleeps).toContain(41000);
      expect(clock.now()).toBe(reset * 1000);
    });

    test("http.throttle.max.requests per window holds across pages", async () => {
      using server = api((_req, url) => {
        const page = Number(url.searchParams.get("page") ?? "1");
        return json([{ id: page }], { headers: page < 3 ? { link: `</e?page=${page + 1}>; rel="next"` } : {} });
      });
      const h = await startTask({
        name: "throttled",
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.throttle.max.requests": "2",
        "http.throttle.window.ms": "60000",
      });
      const started = h.clock.now();
      expect(ids(await h.collect(3))).toEqual([1, 2, 3]);
      expect(h.clock.now() - started).toBe(60000);
    });
  });
});
