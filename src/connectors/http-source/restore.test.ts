import { describe, expect, test } from "bun:test";
import { sourcePartition } from "./offsets.ts";
import { api, recordIds, startTask } from "./test-support.ts";

const EVENTS = [1, 2, 3, 4].map((id) => ({ id, ts: `2026-01-0${id}T00:00:00Z` }));

/** An API answering the events after `since` (all of them without one). */
function sinceApi() {
  return api((_req, url) => {
    const since = url.searchParams.get("since") ?? "";
    return Response.json(EVENTS.filter((e) => since === "" || e.ts > since));
  });
}

/** The offsets the harness reads at start: `stored` under the partition of `url`. */
const storedAt = (url: string, stored: Record<string, unknown>) =>
  new Map([[JSON.stringify(sourcePartition(url)), stored]]);

// auditsrc F2: the offset a connector stored in NONE mode (`""`, or the http.initial.offset it was created
// with) was taken as a reached offset: moved to TIMESTAMP, it ignored its http.initial.offset and read the
// API's whole history; left in NONE, it kept sending its first http.initial.offset after an edit.
describe("HttpSourceTask restoring an offset no record reached", () => {
  const config = (base: string, more: Record<string, string>) => ({
    "http.url": `${base}/events?since=\${offset}`,
    "http.response.records.path": "$[*]",
    "http.timer.interval.ms": "60000",
    ...more,
  });
  const timestamp = { "http.offset.mode": "TIMESTAMP", "http.offset.field": "ts" };

  test.each([
    ["stored in NONE mode", { offset: "", poll_time: 1 }],
    ["null", { offset: null }],
  ])("TIMESTAMP with an offset %s starts from http.initial.offset", async (_what, stored) => {
    using server = sinceApi();
    const c = config(server.base, { ...timestamp, "http.initial.offset": "2026-01-02T00:00:00Z" });
    const h = await startTask(c, { offsets: storedAt(c["http.url"], stored) });
    expect(recordIds(await h.collect(2))).toEqual([3, 4]);
    expect(server.seen[0]!.query.since).toBe("2026-01-02T00:00:00Z");
    h.task.stop();
  });

  test("TIMESTAMP with a reached offset starts from it, whatever http.initial.offset says", async () => {
    using server = sinceApi();
    const c = config(server.base, { ...timestamp, "http.initial.offset": "2026-01-01T00:00:00Z" });
    const h = await startTask(c, { offsets: storedAt(c["http.url"], { offset: "2026-01-03T00:00:00Z" }) });
    expect(recordIds(await h.collect(1))).toEqual([4]);
    expect(server.seen[0]!.query.since).toBe("2026-01-03T00:00:00Z");
    h.task.stop();
  });

  test("NONE sends http.initial.offset as configured now, not the one stored with its polls", async () => {
    using server = sinceApi();
    const c = config(server.base, { "http.initial.offset": "2026-01-03T00:00:00Z" });
    const stored = { offset: "2026-01-01T00:00:00Z", poll_time: 1 };
    const h = await startTask(c, { offsets: storedAt(c["http.url"], stored) });
    expect(recordIds(await h.collect(1))).toEqual([4]);
    expect(server.seen.map((s) => s.query.since)).toEqual(["2026-01-03T00:00:00Z"]);
    h.task.stop();
  });

  test("a poll interrupted in NONE mode resumes in TIMESTAMP mode after its records, from http.initial.offset", async () => {
    using server = sinceApi();
    const c = config(server.base, { ...timestamp, "http.initial.offset": "2026-01-01T00:00:00Z" });
    const stored = { offset: "", next_offset: "", skip: 1, poll_time: 1 };
    const h = await startTask(c, { offsets: storedAt(c["http.url"], stored) });
    // The page of the interrupted poll is asked again from the initial offset: 2, 3, 4; its first record is in Kafka.
    expect(recordIds(await h.collect(2))).toEqual([3, 4]);
    expect(server.seen[0]!.query.since).toBe("2026-01-01T00:00:00Z");
    h.task.stop();
  });
});
