import { describe, expect, test } from "bun:test";
import { sourceRecord } from "../../api/record.ts";
import { FinalOffset } from "./final-offset.ts";
import { api, commit, FastForwardClock, startTask } from "./test-support.ts";

const PARTITION = { url: "http://api.test/x" };

describe("a poll whose last page has no new record (review: restart re-ran finished polls)", () => {
  test("its final offset is handed to the runtime once its last record is acknowledged, not before", async () => {
    // Newest first: the second page holds only records at or before the offset.
    using server = api((_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      const all = [
        { id: 4, at: "2024-01-04T00:00:00Z" },
        { id: 3, at: "2024-01-03T00:00:00Z" },
        { id: 2, at: "2024-01-02T00:00:00Z" },
        { id: 1, at: "2024-01-01T00:00:00Z" },
      ];
      return Response.json(all.slice(offset, offset + 2));
    });
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "2",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "at",
      "http.initial.offset": "2024-01-02T00:00:00Z",
    });
    const records = await h.collect(2);
    await h.collect(1, 2);
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "2", "4"]);
    expect(records.map((r) => r.sourceOffset)).toEqual([
      expect.objectContaining({ offset: "2024-01-02T00:00:00Z", skip: 1, page_position: 0 }),
      expect.objectContaining({ offset: "2024-01-02T00:00:00Z", skip: 2, page_position: 0 }),
    ]);
    expect(h.task.updateOffsets()).toBeNull();
    h.task.commitRecords(records.slice(0, 1));
    expect(h.task.updateOffsets()).toBeNull();
    h.task.commitRecords(records.slice(1));
    expect(h.task.updateOffsets()).toEqual([
      {
        partition: { url: `${server.base}/events` },
        offset: {
          offset: "2024-01-04T00:00:00Z",
          offset_mode: "TIMESTAMP",
          poll_time: records[0]!.sourceOffset!.poll_time,
        },
      },
    ]);
    expect(h.task.updateOffsets()).toBeNull();
  });
});

describe("a poll without new records (sourcehunt P3: a restart polled off schedule)", () => {
  test.each([
    ["interval", { "http.timer.interval.ms": "3600000" }],
    ["cron", { "http.timer.type": "cron", "http.timer.cron.expression": "0 0 * * * ?" }],
  ] as const)("%s: its poll time is committed, so a restart waits for the next scheduled poll", async (_, timer) => {
    const clock = new FastForwardClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const at: number[] = [];
    using server = api(() => {
      at.push(clock.now());
      return Response.json([{ id: 1, ts: "2024-01-01T00:00:00Z" }]);
    });
    const config = {
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      ...timer,
    };
    const h = await startTask(config, { clock });
    const first = await h.collect(1, 3700);
    commit(h, first);
    h.task.commitRecords(first);
    // The next poll, an hour later, has nothing new: its poll time is handed to the runtime.
    await h.collect(1, 3700);
    expect(at).toHaveLength(2);
    const update = h.task.updateOffsets();
    expect(update).toEqual([
      {
        partition: first[0]!.sourcePartition!,
        offset: { offset: "2024-01-01T00:00:00Z", offset_mode: "TIMESTAMP", poll_time: at[1] },
      },
    ]);
    h.offsets.set(JSON.stringify(update![0]!.partition), { ...update![0]!.offset });
    h.task.stop();
    // A restart half an hour after that poll polls at the next scheduled time, not at once.
    clock.current += 1_800_000;
    const again = await startTask(config, { clock, offsets: h.offsets });
    await again.collect(1, 1900);
    expect(at[2]).toBe(at[1]! + 3_600_000);
  });
});

describe("FinalOffset", () => {
  const record = (n: number) => sourceRecord({ topic: "t", value: n, sourcePartition: PARTITION, sourceOffset: { n } });
  const FINAL = { offset: "final" };

  test("a last record acknowledged before the poll ended: the final offset is at once due", () => {
    const f = new FinalOffset();
    const last = record(1);
    f.acknowledged([record(0), last]);
    f.ended(last, FINAL);
    expect(f.take(PARTITION)).toEqual([{ partition: PARTITION, offset: FINAL }]);
  });

  test("later records acknowledged (their own offsets supersede it): dropped", () => {
    const f = new FinalOffset();
    const last = record(1);
    f.ended(last, FINAL);
    f.acknowledged([last, record(2)]);
    expect(f.take(PARTITION)).toBeNull();
    const other = record(3);
    f.ended(other, FINAL);
    f.acknowledged([other]);
    f.acknowledged([record(4)]);
    expect(f.take(PARTITION)).toBeNull();
  });

  test("records before the last acknowledged: still waiting", () => {
    const f = new FinalOffset();
    const last = record(2);
    f.ended(last, FINAL);
    f.acknowledged([record(1)]);
    expect(f.take(PARTITION)).toBeNull();
    f.acknowledged([last]);
    expect(f.take(PARTITION)).toEqual([{ partition: PARTITION, offset: FINAL }]);
  });
});
