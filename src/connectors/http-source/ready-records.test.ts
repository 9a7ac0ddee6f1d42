import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import { MAX_BATCH_RECORDS, ReadyRecords } from "./ready-records.ts";
import { api, commit, recordIds as ids, startTask } from "./test-support.ts";

describe("a page larger than a poll batch", () => {
  test("goes out in batches of MAX_BATCH_RECORDS in page order; a restart between batches resumes after the last acknowledged", async () => {
    const total = 2 * MAX_BATCH_RECORDS + 123;
    const page = JSON.stringify({ data: Array.from({ length: total }, (_, id) => ({ id })), next: "p2" });
    using server = api((_req, url) =>
      url.searchParams.get("cursor") === "p2" ? Response.json({ data: [{ id: total }] }) : new Response(page),
    );
    const config = {
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$.data[*]",
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next",
    };
    const before = await startTask(config);
    const signal = new AbortController().signal;
    const batches: SourceRecord[][] = [];
    while (batches.length < 2) {
      const records = await before.task.poll(signal);
      if (records) batches.push(records);
    }
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH_RECORDS, MAX_BATCH_RECORDS]);
    // The next page is asked for only once this one is handed out whole.
    expect(server.seen).toHaveLength(1);
    const last = (await before.collect(1))!;
    expect(last).toHaveLength(123);
    const first = (await before.collect(1))!;
    expect(server.seen.map((s) => s.query.cursor)).toEqual([undefined, "p2"]);
    expect(ids([...batches.flat(), ...last, ...first])).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    commit(before, batches[0]!); // Kafka has the first batch; the second and the rest were in flight
    before.task.stop();

    const after = await startTask(config, { offsets: before.offsets });
    const rest = await after.collect(total + 1 - MAX_BATCH_RECORDS);
    expect(ids(rest)).toEqual(Array.from({ length: total + 1 - MAX_BATCH_RECORDS }, (_, i) => MAX_BATCH_RECORDS + i));
    expect(server.seen.slice(2).map((s) => s.query.cursor)).toEqual([undefined, "p2"]);
  });

  test("a page added while records wait goes after them; a page that fits one batch is handed out as it is", () => {
    const ready = new ReadyRecords();
    const page = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: from + i }) as unknown as SourceRecord);
    expect(ready.take()).toBeNull();
    ready.add(page(0, MAX_BATCH_RECORDS + 2));
    expect(ready.take()!.map((r) => r.value)).toEqual(Array.from({ length: MAX_BATCH_RECORDS }, (_, i) => i));
    ready.add(page(MAX_BATCH_RECORDS + 2, 1));
    expect(ready.take()!.map((r) => r.value)).toEqual([
      MAX_BATCH_RECORDS,
      MAX_BATCH_RECORDS + 1,
      MAX_BATCH_RECORDS + 2,
    ]);
    expect(ready.empty).toBe(true);
    const small = page(0, 3);
    ready.add(small);
    expect(ready.take()).toBe(small);
    expect(ready.take()).toBeNull();
  });
});
